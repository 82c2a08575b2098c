// `fastinit notify [--ready] [--status=TEXT] [--pid[=PID]] [VAR=VALUE...]`:
// an sd_notify(3) client for shell scripts, compatible with systemd-notify
// (the binary also answers to the name systemd-notify), so images without
// systemd can run units written for it.
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "cli/verbs.h"

namespace fastinit {

int verb_notify(const Args& args) {
    std::string message;
    pid_t pid = 0;
    bool booted_query = false;
    for (const auto& arg : args) {
        if (arg == "--ready")
            message += "READY=1\n";
        else if (arg == "--stopping")
            message += "STOPPING=1\n";
        else if (arg == "--reloading")
            message += "RELOADING=1\n";
        else if (arg.rfind("--status=", 0) == 0)
            message += "STATUS=" + arg.substr(9) + "\n";
        else if (arg == "--pid")
            pid = ::getppid();
        else if (arg.rfind("--pid=", 0) == 0)
            pid = static_cast<pid_t>(std::atoi(arg.c_str() + 6));
        else if (arg == "--booted")
            booted_query = true;
        else if (arg == "--no-block")
            continue;
        else if (arg.find('=') != std::string::npos && arg[0] != '-')
            message += arg + "\n";
        else {
            std::fprintf(stderr, "fastinit notify: unknown argument %s\n", arg.c_str());
            return 2;
        }
    }
    if (booted_query)
        return ::access("/run/fastinit/private", F_OK) == 0 ? 0 : 1;
    if (pid > 0)
        message += "MAINPID=" + std::to_string(pid) + "\n";
    if (message.empty()) {
        std::fprintf(stderr, "fastinit notify: nothing to send\n");
        return 2;
    }
    int r = sd_notify(0, message.c_str());
    if (r < 0) {
        std::fprintf(stderr, "fastinit notify: %s\n", std::strerror(-r));
        return 1;
    }
    if (r == 0) {
        std::fprintf(stderr, "fastinit notify: NOTIFY_SOCKET is not set\n");
        return 1;
    }
    // Wait until the manager has read the message, so it can still tie it to
    // this process (as systemd-notify does).
    sd_notify_barrier(0, 5 * 1000000ULL);
    return 0;
}

}  // namespace fastinit
