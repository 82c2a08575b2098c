// fastinit-manager: the manager role of fastinit in a binary of its own, so
// that PID 1 does not map SQLite, libkmod, libblkid and the kexec code for
// the whole life of the machine. `fastinit` execs it for that role.
#include "initd/manager_main.h"

int main(int argc, char** argv) {
    return fastinit::run_manager(argc, argv);
}
