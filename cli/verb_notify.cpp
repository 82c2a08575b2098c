// `fastinit notify [--ready] [--status=TEXT] [--pid[=PID]] [VAR=VALUE...]`:
// an sd_notify(3) client for shell scripts, compatible with systemd-notify
// (the binary also answers to the name systemd-notify), so images without
// systemd can run units written for it.
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "base/args.h"
#include "cli/verbs.h"

namespace fastinit {

int verb_notify(const Args& args) {
    std::string message;
    pid_t pid = 0;
    bool booted_query = false;
    auto say = [&](const char* line) { return [&message, line] { message += line; }; };
    arg::Spec spec{
        .options = {
            arg::flag("--ready", say("READY=1\n")), arg::flag("--stopping", say("STOPPING=1\n")),
            arg::flag("--reloading", say("RELOADING=1\n")),
            arg::value(
                "--status",
                [&](std::string_view text) { message += "STATUS=" + std::string(text) + "\n"; }),
            // --pid: the caller's parent (the script's service);
            // --pid=PID: that one.
            arg::inline_value("--pid",
                              [&](std::optional<std::string_view> value) {
                                  pid = value ? static_cast<pid_t>(
                                                    std::atoi(std::string(*value).c_str()))
                                              : ::getppid();
                              }),
            arg::flag("--booted", booted_query), arg::flag("--no-block", [] {})}};
    auto assignments = arg::parse(spec, args);
    if (!assignments) {
        std::fprintf(stderr, "fastinit notify: %s\n", assignments.error().message.c_str());
        return 2;
    }
    for (const auto& assignment : *assignments) {
        if (assignment.find('=') == std::string::npos) {
            std::fprintf(stderr, "fastinit notify: unexpected argument \"%s\" (not VAR=VALUE)\n",
                         assignment.c_str());
            return 2;
        }
        message += assignment + "\n";
    }
    if (booted_query)
        return ::access(ClientContext().socket_path().c_str(), F_OK) == 0 ? 0 : 1;
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
