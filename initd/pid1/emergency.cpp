#include "initd/pid1/emergency.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "base/log.h"
#include "initd/pid1/final_stage.h"

namespace fastinit {

void emergency(const std::string& why) {
    log::error("cannot continue: ", why);
    for (const char* shell : {"/bin/sh", "/usr/bin/sh"}) {
        if (::access(shell, X_OK) != 0)
            continue;
        log::error("starting an emergency shell (", shell, "); exit it to halt");
        pid_t pid = ::fork();
        if (pid == 0) {
            sigset_t none;
            sigemptyset(&none);
            sigprocmask(SIG_SETMASK, &none, nullptr);
            ::setsid();
            ::execl(shell, shell, static_cast<char*>(nullptr));
            _exit(127);
        }
        while (pid > 0) {
            pid_t done = ::waitpid(-1, nullptr, 0);
            if (done == pid || (done < 0 && errno == ECHILD))
                break;
        }
        break;
    }
    log::error("system halted");
    system_power_ops().halt_forever();
    __builtin_unreachable();
}

}  // namespace fastinit
