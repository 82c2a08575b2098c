#include "initd/pid1/final_stage.h"

#include <signal.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "base/log.h"

namespace fastinit {
namespace {

class SystemPowerOps : public PowerOps {
  public:
    void signal_all(int signal) override { ::kill(-1, signal); }
    bool reap_all_until(std::chrono::steady_clock::time_point deadline) override {
        for (;;) {
            pid_t pid = ::waitpid(-1, nullptr, WNOHANG);
            if (pid < 0 && errno == ECHILD)
                return true;
            if (pid > 0)
                continue;
            if (std::chrono::steady_clock::now() >= deadline)
                return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    void sync() override { ::sync(); }
    int reboot(int command) override {
        ::reboot(command);
        return errno;
    }
    [[noreturn]] void halt_forever() override {
        for (;;) {
            ::pause();
            while (::waitpid(-1, nullptr, WNOHANG) > 0) {
            }
        }
    }
};

}  // namespace

PowerOps& system_power_ops() {
    static SystemPowerOps ops;
    return ops;
}

int reboot_command(FinalAction action) {
    switch (action) {
        case FinalAction::poweroff:
            return RB_POWER_OFF;
        case FinalAction::reboot:
            return RB_AUTOBOOT;
        case FinalAction::halt:
            return RB_HALT_SYSTEM;
        case FinalAction::kexec:
            return RB_KEXEC;
    }
    return RB_AUTOBOOT;
}

void finish_as_pid1(FinalAction action, PowerOps& ops, std::chrono::milliseconds grace) {
    ops.signal_all(SIGTERM);
    ops.signal_all(SIGCONT);
    if (!ops.reap_all_until(std::chrono::steady_clock::now() + grace)) {
        log::warning("processes left after SIGTERM; sending SIGKILL");
        ops.signal_all(SIGKILL);
        ops.reap_all_until(std::chrono::steady_clock::now() + std::chrono::seconds(1));
    }
    ops.sync();
    log::info("final action: ", to_string(action));
    int error = ops.reboot(reboot_command(action));
    log::error(to_string(action), " failed: ", std::strerror(error));
    if (action == FinalAction::kexec || action == FinalAction::reboot) {
        error = ops.reboot(RB_AUTOBOOT);
        log::error("firmware reboot failed too: ", std::strerror(error));
    }
    log::error("halting here; PID 1 does not exit");
    ops.halt_forever();
    __builtin_unreachable();
}

}  // namespace fastinit
