// fastinit-stage1: stage 1 alone, the initramfs's /init. It links what
// stage 1 uses (the device cache, libblkid, oneTBB) and none of the
// manager's or the client's libraries (libsystemd and what it pulls in,
// toml++), which a slow machine would otherwise map and relocate before
// stage 1 could begin.
#include <unistd.h>

#include <cstdio>
#include <string_view>

#include "base/paths.h"
#include "boot/kernel_modprobe.h"
#include "boot/stage1_sequence.h"

int main(int argc, char** argv) {
    // The image's /sbin/modprobe: the kernel asking for a module.
    std::string_view self = argc > 0 && argv[0] ? argv[0] : "";
    if (self.substr(self.rfind('/') + 1) == "modprobe")
        return fastinit::run_kernel_modprobe(argc, argv);
    if (::getpid() != 1 || ::access(fastinit::paths::kInitrdRelease, F_OK) != 0) {
        std::fprintf(stderr,
                     "fastinit-stage1: runs only as PID 1 of an initramfs (with %s); "
                     "see fastinit for everything else\n",
                     fastinit::paths::kInitrdRelease);
        return 2;
    }
    fastinit::run_stage1_here(argc, argv);
}
