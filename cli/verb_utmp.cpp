// `fastinit utmp boot|shutdown [--utmp FILE] [--wtmp FILE]`: the records
// who, last and uptime read, written as systemd-update-utmp writes them.
// At boot a BOOT_TIME record ("reboot") and the runlevel (3, multi-user);
// at shutdown a RUN_LVL record ("shutdown", runlevel 0). Each goes to utmp
// (/run/utmp, which tmpfiles creates; no file, no record) and is appended
// to wtmp (/var/log/wtmp, likewise only when it exists).
#include <sys/time.h>
#include <utmpx.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "base/args.h"
#include "cli/verbs.h"

namespace fastinit {
namespace {

const char kUsage[] = "usage: fastinit utmp boot|shutdown [--utmp FILE] [--wtmp FILE]\n";

utmpx record(short type, const char* user, int pid) {
    utmpx ut{};
    ut.ut_type = type;
    ut.ut_pid = pid;
    timeval now{};
    ::gettimeofday(&now, nullptr);
    ut.ut_tv.tv_sec = static_cast<decltype(ut.ut_tv.tv_sec)>(now.tv_sec);
    ut.ut_tv.tv_usec = static_cast<decltype(ut.ut_tv.tv_usec)>(now.tv_usec);
    std::strncpy(ut.ut_line, "~", sizeof ut.ut_line);
    std::strncpy(ut.ut_id, "~~", sizeof ut.ut_id);
    std::strncpy(ut.ut_user, user, sizeof ut.ut_user);
    return ut;
}

// The runlevel record's pid holds the new level and, above it, the old one
// (utmp(5), as sysvinit and systemd write it).
int runlevel_pid(char now, char before) {
    return (now & 0xff) | ((before & 0xff) << 8);
}

bool put(const std::string& utmp, const std::string& wtmp, const utmpx& ut) {
    bool ok = true;
    if (::utmpxname(utmp.c_str()) != 0) {
        ok = false;
    } else {
        ::setutxent();
        if (::pututxline(&ut) == nullptr) {
            std::fprintf(stderr, "fastinit utmp: cannot write %s: %s\n", utmp.c_str(),
                         std::strerror(errno));
            ok = false;
        }
        ::endutxent();
    }
    // updwtmpx reports nothing, and a missing wtmp stays missing (tmpfiles
    // creates it, as it creates utmp).
    ::updwtmpx(wtmp.c_str(), &ut);
    return ok;
}

}  // namespace

int verb_utmp(const Args& args) {
    std::string utmp = "/run/utmp";
    std::string wtmp = "/var/log/wtmp";
    bool help = false;
    arg::Spec spec{.options = {arg::value("--utmp", utmp), arg::value("--wtmp", wtmp),
                               arg::flag("--help", help, 'h')},
                   .max_positionals = 1};
    auto words = arg::parse(spec, args);
    if (!words || (!help && words->size() != 1)) {
        std::fprintf(stderr, "fastinit utmp: %s\n%s",
                     words ? "say boot or shutdown" : words.error().message.c_str(), kUsage);
        return 2;
    }
    if (help) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    const std::string& what = words->front();
    if (what == "boot") {
        bool ok = put(utmp, wtmp, record(BOOT_TIME, "reboot", 0));
        ok = put(utmp, wtmp, record(RUN_LVL, "runlevel", runlevel_pid('3', 'N'))) && ok;
        return ok ? 0 : 1;
    }
    if (what == "shutdown")
        return put(utmp, wtmp, record(RUN_LVL, "shutdown", runlevel_pid('0', '3'))) ? 0 : 1;
    std::fprintf(stderr, "fastinit utmp: unknown record \"%s\" (boot or shutdown)\n%s",
                 what.c_str(), kUsage);
    return 2;
}

}  // namespace fastinit
