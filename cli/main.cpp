// fastinit: one binary, several roles. PID 1 (or argv[0] "init", or manager
// options such as --units) runs the service manager; otherwise the first
// argument names a client verb.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "base/args.h"
#include "base/boot_clock.h"
#include "base/own_path.h"
#include "base/paths.h"
#include "boot/kernel_modprobe.h"
#include "boot/stage1_sequence.h"
#include "cli/verbs.h"
#include "initd/manager_main.h"

namespace {

const char kHelp[] =
    "usage: fastinit [--runtime-dir DIR] VERB [ARGS]\n"
    "\n"
    "verbs:\n"
    "  status [UNIT...]             units and their states, or one unit in detail\n"
    "  logs [-f] [-n N] [--boot PREV] [--since T] [UNIT...]\n"
    "                               the journal: what units and the manager wrote\n"
    "  start|stop|restart|reload [--no-block] [--timeout D] UNIT...\n"
    "                               ask the manager, and wait for the result\n"
    "  daemon-reload                read the unit files again; says what changed\n"
    "  check DIR... [--target T] [--root DIR]   validate unit files and the graph offline\n"
    "  import-systemd FILE.service... [--out DIR]\n"
    "                               convert systemd service files to units\n"
    "  enable|disable UNIT [--wanted-by T] [--root DIR]\n"
    "                               let UNIT's wanted_by pull it in at boot, or not\n"
    "  analyze [time]               kernel + initrd + userspace boot time\n"
    "  analyze blame                units by start-up time\n"
    "  analyze critical-chain [T]   what held up target T (default: default)\n"
    "  analyze json                 the raw boot timeline\n"
    "  poweroff | halt              orderly shutdown through the manager\n"
    "  reboot [--kernel K | --entry ID] [--try] [--dry-run] [--reprobe] [--no-fallback] ...\n"
    "                               load the next kernel, then kexec into it (reboot --help)\n"
    "  bless                        confirm a trial boot (reboot --try) so that it stays\n"
    "  kexec load|unload|status     manage a staged kexec kernel\n"
    "  kdump load|unload|status|list  arm the crash kernel, list saved crash dumps\n"
    "  coldreboot [now]             reboot through the firmware (also as coldreboot)\n"
    "  devices probe|show|status|invalidate|apply [--cache PATH] [--modules-dir DIR]\n"
    "                               the known-devices cache (devices --help)\n"
    "  modules-load [--dry-run] [SOURCE...]   load modules-load.d's modules\n"
    "  utmp boot|shutdown           record the boot or shutdown in utmp and wtmp\n"
    "  notify [--ready] [--status=T] [VAR=VALUE...]   sd_notify from scripts\n"
    "                               (also as systemd-notify)\n"
    "\n"
    "manager (PID 1, or by hand under a subreaper):\n"
    "  fastinit --units DIR [--target NAME] [--runtime-dir DIR]\n"
    "  unshare --pid --fork --mount-proc fastinit --units DIR ...\n";

// The manager role runs in fastinit-manager, next to this binary, which maps
// none of the device cache's and kexec's libraries. Without it (an image
// that lacks it) this binary runs the manager itself.
int become_manager(int argc, char** argv, long long entered_us) {
    std::string manager = fastinit::sibling_program("fastinit-manager");
    if (!manager.empty()) {
        // The init began here, not in the program it becomes.
        ::setenv(fastinit::kInitStartEnv, std::to_string(entered_us).c_str(), 0);
        ::execv(manager.c_str(), argv);
        ::unsetenv(fastinit::kInitStartEnv);
    }
    return fastinit::run_manager(argc, argv);
}

}  // namespace

int main(int argc, char** argv) {
    long long entered_us = fastinit::boottime_us();
    std::string self = argv[0] ? argv[0] : "fastinit";
    std::string base = self.substr(self.rfind('/') + 1);
    if (::getpid() == 1 && ::access(fastinit::paths::kInitrdRelease, F_OK) == 0)
        fastinit::run_stage1_here(argc, argv);
    if (::getpid() == 1 || base == "init")
        return become_manager(argc, argv, entered_us);
    if (base == "modprobe")  // an image whose /init is fastinit itself
        return fastinit::run_kernel_modprobe(argc, argv);
    if (base == "systemd-notify")
        return fastinit::verb_notify(fastinit::Args(argv + 1, argv + argc));
    // Manager options come before any verb: `fastinit reboot --reprobe` is a
    // client call, not a manager.
    for (int i = 1; i < argc && argv[i][0] == '-'; ++i) {
        if (fastinit::is_manager_option(argv[i]))
            return become_manager(argc, argv, entered_us);
        if (std::strcmp(argv[i], "--runtime-dir") == 0)
            ++i;
    }

    fastinit::ClientContext context;
    if (const char* dir = std::getenv("FASTINIT_RUNTIME_DIR")) {
        context.runtime_dir = dir;
        context.runtime_dir_given = true;
    }
    if (base == "coldreboot")
        return fastinit::verb_coldreboot(context, fastinit::Args(argv + 1, argv + argc));
    namespace arg = fastinit::arg;
    bool help = false;
    arg::Spec spec{.options = {arg::value("--runtime-dir",
                                          [&context](std::string_view dir) {
                                              context.runtime_dir = dir;
                                              context.runtime_dir_given = true;
                                          }),
                               arg::flag("--help", help, 'h')},
                   .stop_at_positional = true};
    auto words = arg::parse(spec, fastinit::Args(argv + 1, argv + argc));
    if (!words) {
        std::fprintf(stderr, "fastinit: %s\n\n%s", words.error().message.c_str(), kHelp);
        return 2;
    }
    if (help) {
        std::fputs(kHelp, stdout);
        return 0;
    }
    if (words->empty()) {
        std::fputs(kHelp, stderr);
        return 2;
    }
    std::string verb = words->front();
    fastinit::Args args(words->begin() + 1, words->end());
    if (verb == "check")
        return fastinit::verb_check(context, args);
    if (verb == "import-systemd")
        return fastinit::verb_import_systemd(args);
    if (verb == "status")
        return fastinit::verb_status(context, args);
    if (verb == "logs")
        return fastinit::verb_logs(context, args);
    if (verb == "enable" || verb == "disable")
        return fastinit::verb_enablement(verb == "enable", args);
    if (verb == "start" || verb == "stop" || verb == "restart" || verb == "reload")
        return fastinit::verb_unit_request(context, verb, args);
    if (verb == "daemon-reload")
        return fastinit::verb_daemon_reload(context, args);
    if (verb == "analyze")
        return fastinit::verb_analyze(context, args);
    if (verb == "devices")
        return fastinit::verb_devices(args);
    if (verb == "modules-load")
        return fastinit::verb_modules_load(args);
    if (verb == "utmp")
        return fastinit::verb_utmp(args);
    if (verb == "notify")
        return fastinit::verb_notify(args);
    if (verb == "poweroff" || verb == "halt")
        return fastinit::verb_power(context, verb);
    if (verb == "reboot")
        return fastinit::verb_reboot(context, args);
    if (verb == "kexec")
        return fastinit::verb_kexec(context, args);
    if (verb == "kdump")
        return fastinit::verb_kdump(context, args);
    if (verb == "coldreboot")
        return fastinit::verb_coldreboot(context, args);
    if (verb == "bless")
        return fastinit::verb_bless(context, args);
    if (verb == "help") {
        std::fputs(kHelp, stdout);
        return 0;
    }
    std::fprintf(stderr, "fastinit: unknown verb \"%s\"\n\n%s", verb.c_str(), kHelp);
    return 2;
}
