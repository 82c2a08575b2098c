#include "initd/manager_main.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "base/args.h"
#include "base/boot_clock.h"
#include "base/boot_options.h"
#include "base/kernel_cmdline.h"
#include "base/log.h"
#include "base/own_path.h"
#include "base/paths.h"
#include "base/text.h"
#include "initd/control/bus_calls.h"
#include "initd/control/bus_server.h"
#include "initd/graph/graph.h"
#include "initd/pid1/crash_handler.h"
#include "initd/pid1/device_handover.h"
#include "initd/pid1/emergency.h"
#include "initd/pid1/final_stage.h"
#include "initd/pid1/hardware_watchdog.h"
#include "initd/pid1/mounts.h"
#include "initd/run/journal.h"
#include "initd/run/journal_files.h"
#include "initd/run/journal_writer.h"
#include "initd/run/runtime_dir.h"
#include "initd/run/supervisor.h"
#include "initd/trial_loop.h"
#include "initd/unit/console_getty.h"
#include "initd/unit/fstab_units.h"
#include "initd/unit/ifupdown_interfaces.h"
#include "initd/unit/system_config.h"
#include "initd/unit_sources.h"
#include "initd/watchdog_loop.h"

namespace fastinit {
namespace {

struct ManagerArgs {
    std::vector<std::string> unit_dirs;
    std::string target;
    std::string runtime_dir = paths::kRuntimeDir;
    std::string proc_cmdline = "/proc/cmdline";
    std::string kexec_loaded_path = "/sys/kernel/kexec_loaded";
    // Generated units from this fstab: /etc/fstab at a real boot; in a PID
    // namespace (tests) only when --fstab names one, never the host's.
    std::string fstab;
    // Consoles that get a getty (console_getty.h): the kernel's list at a
    // real boot; in a PID namespace only when --console-active names a file.
    std::string console_active;
    // The manager's settings (system_config.h): /etc/fastinit/system.toml
    // at a real boot; in a PID namespace only when --system-config names one.
    std::string system_config;
    // The syslog socket the services' lines go to: /dev/log at a real boot;
    // in a PID namespace only the one --syslog-socket names.
    std::string syslog_socket;
    // Where the persistent journal goes when configured: /var/log/fastinit
    // at a real boot; in a PID namespace only the one --journal-dir names.
    std::string journal_dir;
    bool reprobe = false;
    bool debug = false;
    bool units_overridden = false;
};

const char kUsage[] =
    "usage: fastinit [--units DIR]... [--target NAME] [--runtime-dir DIR]\n"
    "                [--proc-cmdline FILE] [--kexec-loaded-path FILE] [--reprobe]\n"
    "                [--fstab FILE] [--console-active FILE] [--system-config FILE]\n"
    "                [--syslog-socket PATH] [--journal-dir DIR] [--debug]\n";

// The manager's options; `strict` by hand, where unknown words are mistakes.
arg::Spec manager_spec(ManagerArgs& args, bool strict) {
    return arg::Spec{
        .options = {arg::value("--units",
                               [&args](std::string_view dir) {
                                   args.unit_dirs.emplace_back(dir);
                                   args.units_overridden = true;
                               }),
                    arg::value("--target", args.target),
                    arg::value("--runtime-dir", args.runtime_dir),
                    arg::value("--proc-cmdline", args.proc_cmdline),
                    arg::value("--kexec-loaded-path", args.kexec_loaded_path),
                    arg::value("--fstab", args.fstab),
                    arg::value("--console-active", args.console_active),
                    arg::value("--system-config", args.system_config),
                    arg::value("--syslog-socket", args.syslog_socket),
                    arg::value("--journal-dir", args.journal_dir),
                    arg::flag("--reprobe", args.reprobe), arg::flag("--debug", args.debug)},
        .max_positionals = strict ? 0 : SIZE_MAX,
        .unknown_as_positional = !strict};
}

// The kernel hands init every word it does not understand, so as PID 1
// unknown words are warnings; by hand they are errors.
Result<ManagerArgs> parse_args(int argc, char** argv, bool strict) {
    ManagerArgs args;
    auto ignored =
        arg::parse(manager_spec(args, strict), std::vector<std::string>(argv + 1, argv + argc));
    if (!ignored)
        return ignored.error();
    for (const std::string& word : *ignored)
        log::info("ignoring argument from the kernel: ", word);
    return args;
}

// When this init began: now, or earlier when a program that execed the
// manager says so (and is not from the future).
long long init_start_us() {
    long long now = boottime_us();
    const char* given = std::getenv(kInitStartEnv);
    if (!given)
        return now;
    char* end = nullptr;
    long long value = std::strtoll(given, &end, 10);
    ::unsetenv(kInitStartEnv);  // not for the services
    return *end == '\0' && value > 0 && value <= now ? value : now;
}

// Whether stage 1 left / read-only (Debian's "ro" command line): then the
// root's fsck runs before remount-root makes it writable.
bool root_mounted_read_only() {
    auto mountinfo = read_file_at_most("/proc/self/mountinfo", 4 << 20);
    return mountinfo && root_is_read_only(*mountinfo);
}

void log_mounts(const MountReport& mounts) {
    for (const auto& e : mounts.errors)
        log::warning(e.message);
    for (const auto& m : mounts.mounted)
        log::debug("mounted ", m);
}

// The manager's own messages, into the journal as lines of "fastinit".
void log_to_journal(void* journal, int priority, std::string_view message) {
    static const pid_t self = ::getpid();
    static_cast<Journal*>(journal)->append("fastinit", self, priority, message, realtime_now_us(),
                                           boottime_us());
}

// A setting from the command line over one from system.toml, brought within
// [min, max] with a warning.
std::optional<uint64_t> bounded_setting(std::optional<uint64_t> from_file,
                                        std::optional<uint64_t> from_cmdline,
                                        const std::string& file_key, const std::string& option,
                                        uint64_t min, uint64_t max, const char* what) {
    std::optional<uint64_t> value = from_cmdline ? from_cmdline : from_file;
    if (!value)
        return std::nullopt;
    uint64_t bounded = std::clamp<uint64_t>(*value, min, max);
    if (bounded != *value)
        log::warning(from_cmdline ? option : file_key, ": ", what, " of ", *value,
                     " is out of bounds (", min, " to ", max, "); using ", bounded);
    return bounded;
}

// system.toml, its problems logged; nothing set without one.
SystemConfig read_config(const std::string& config_path) {
    if (config_path.empty())
        return {};
    SystemConfig config = read_system_config(config_path);
    for (const auto& problem : config.problems)
        log::write_untagged(log::Level::error, problem);
    return config;
}

// The journal's budget: the command line's fastinit.journal_size= over
// system.toml's [journal] size, within the bounds a journal may have.
void size_journal(Journal& journal, const BootOptions& boot, const SystemConfig& config,
                  const std::string& config_path) {
    if (boot.journal_size_error)
        log::error(boot.journal_size_error->message, "; ignored");
    auto size =
        bounded_setting(config.journal_size, boot.journal_size, config_path,
                        "fastinit.journal_size", kMinJournalSize, kMaxJournalSize, "a journal");
    if (!size)
        return;
    journal.set_budget(static_cast<size_t>(*size));
    log::debug("journal of ", *size, " bytes");
}

// The persistent journal, when the command line or system.toml turns it on
// (fastinit.journal_persistent over [journal] persistent) and there is a
// directory for it.
std::optional<JournalWriterOptions> persistent_journal(const BootOptions& boot,
                                                       const SystemConfig& config,
                                                       const ManagerArgs& args) {
    for (const auto& error : boot.journal_errors)
        log::error(error.message, "; ignored");
    bool on = boot.journal_persistent.value_or(config.journal_persistent.value_or(false));
    if (!on)
        return std::nullopt;
    if (args.journal_dir.empty()) {
        log::info("persistent journal: no directory (--journal-dir) in a PID namespace");
        return std::nullopt;
    }
    JournalWriterOptions options;
    options.dir = args.journal_dir;
    options.boot_file = args.runtime_dir + "/" + paths::kJournalBootName;
    if (auto size = bounded_setting(config.journal_file_size, boot.journal_file_size,
                                    args.system_config, "fastinit.journal_file_size",
                                    kMinJournalFileSize, kMaxJournalFileSize, "a journal file"))
        options.file_size = *size;
    if (auto files = bounded_setting(config.journal_files, boot.journal_files, args.system_config,
                                     "fastinit.journal_files", kMinJournalFiles, kMaxJournalFiles,
                                     "a count of journal files"))
        options.files = *files;
    return options;
}

// Writes the persistent journal from when local-fs is up (at once when there
// is no such unit) until it goes down at shutdown: /var/log is then the
// disk's and writable, and the file is closed before the disk is unmounted.
void follow_local_fs(Supervisor& s, JournalWriter& writer) {
    auto local_fs = s.manager().find("local-fs");
    if (!local_fs) {
        writer.start();
        return;
    }
    s.add_unit_listener([&s, &writer, id = *local_fs](UnitId unit) {
        if (unit != id)
            return;
        UnitState state = s.manager().runtime(id).state;
        if (state == UnitState::active && !s.manager().shutting_down())
            writer.start();
        else if (state != UnitState::active && s.manager().shutting_down())
            writer.finish(std::chrono::seconds(1));
    });
}

// A trial boot's runtime watchdog when none is configured.
constexpr int kTrialWatchdogSeconds = 30;

// The hardware watchdog's settings: the command line's fastinit.watchdog=
// and fastinit.reboot_watchdog= over system.toml's [watchdog].
WatchdogSettings watchdog_settings(const BootOptions& boot, const SystemConfig& config) {
    WatchdogSettings settings;
    settings.runtime = config.watchdog_runtime.value_or(settings.runtime);
    settings.reboot = config.watchdog_reboot.value_or(settings.reboot);
    settings.device = config.watchdog_device.value_or("");
    settings.arm_at_poweroff = config.watchdog_arm_at_poweroff.value_or(false);
    for (const auto& error : boot.watchdog_errors)
        log::error(error.message, "; ignored");
    settings.runtime = boot.watchdog.value_or(settings.runtime);
    settings.reboot = boot.reboot_watchdog.value_or(settings.reboot);
    // A trial boot takes over the watchdog armed before the jump, whatever
    // its driver did to it at load: a PID 1 that hangs before `bless` then
    // stops petting it and the machine is reset. Unless runtime was set
    // (to 0, on purpose) in system.toml or on the command line.
    if (boot.trial && !config.watchdog_runtime && !boot.watchdog) {
        settings.runtime = std::chrono::seconds(kTrialWatchdogSeconds);
        log::info("trial boot: the hardware watchdog is used while it runs (",
                  kTrialWatchdogSeconds, " s)");
    }
    return settings;
}

// The bus's Watchdog reply: what `fastinit status` shows of it.
std::vector<std::pair<std::string, PropertyValue>> watchdog_properties(const WatchdogStatus& w) {
    std::vector<std::pair<std::string, PropertyValue>> p = {
        {"State", w.state},
        {"Device", to_valid_utf8(w.device)},
        {"Identity", to_valid_utf8(w.identity)},
        {"TimeoutSec", static_cast<uint32_t>(std::max(w.timeout_seconds, 0))},
        {"Problem", to_valid_utf8(w.problem)}};
    if (w.last_pet) {
        auto ago = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - *w.last_pet);
        p.emplace_back("LastPetMsAgo", static_cast<uint32_t>(std::clamp<int64_t>(
                                           ago.count(), 0, std::numeric_limits<uint32_t>::max())));
    }
    return p;
}

}  // namespace

bool is_manager_option(std::string_view word) {
    word = word.substr(0, word.find('='));  // --units=DIR
    if (word == "--runtime-dir")
        return false;  // the client's too
    ManagerArgs unused;
    for (const arg::Option& option : manager_spec(unused, true).options)
        if (option.name == word)
            return true;
    return false;
}

int run_manager(int argc, char** argv) {
    long long entered_us = init_start_us();
    bool pid1 = ::getpid() == 1;
    // First: a fault anywhere after this keeps the machine up instead of
    // panicking it.
    install_crash_handler({.who = "fastinit"});
    block_manager_signals();
    log::set_prefix("fastinit");
    // From the first message on; its size is set once the configuration is
    // read (what it holds by then is kept if it fits).
    Journal journal;
    log::set_sink(log_to_journal, &journal);
    struct Unsink {
        ~Unsink() { log::set_sink(nullptr, nullptr); }
    } unsink;

    auto parsed = parse_args(argc, argv, !pid1);
    if (!parsed) {
        log::error(parsed.error().message);
        if (pid1)
            emergency(parsed.error().message);
        ::write(STDERR_FILENO, kUsage, sizeof kUsage - 1);
        return 2;
    }
    ManagerArgs args = *parsed;

    // A real boot: PID 1 with the system's own unit directories. In a PID
    // namespace (tests, benchmarks) --units is given and the host's /dev and
    // kernel log are left alone.
    bool real_boot = pid1 && !args.units_overridden;
    // In a PID namespace this runs in its private mount namespace and finds
    // most of them already there.
    if (pid1)
        log_mounts(mount_pseudo_filesystems(system_mount_ops()));
    if (real_boot) {
        log_mounts(mount_kernel_filesystems(system_mount_ops()));  // cgroup2, bpf, ...
        log::enable_kmsg();
        install_crash_handler({.who = "fastinit", .kmsg = true});
    }
    if (!pid1) {
        // Supervising by hand: adopt orphans of our services so they can be
        // reaped, as PID 1 would.
        ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    }

    std::optional<StartedStage2> stage2;
    if (real_boot) {
        keep_handed_over_device_cache();
        // Module loads block in the kernel for as long as the driver probes
        // its hardware, and the cache needs SQLite and libkmod: a process of
        // its own does that work beside the units.
        stage2 = start_stage2_devices(sibling_program("fastinit"));
    }

    auto cmdline_text = read_file(args.proc_cmdline);
    KernelCmdline cmdline = KernelCmdline::parse(cmdline_text ? *cmdline_text : "");
    BootOptions boot_options = parse_boot_options(cmdline);
    if (boot_options.debug || args.debug)
        log::set_min_level(log::Level::debug);
    if (args.target.empty())
        args.target = boot_options.target.empty() ? "default" : boot_options.target;
    if (args.unit_dirs.empty())
        args.unit_dirs = kDefaultUnitPath;

    if (args.fstab.empty() && real_boot)
        args.fstab = kDefaultFstab;
    if (args.console_active.empty() && real_boot)
        args.console_active = kConsoleActivePath;
    if (args.system_config.empty() && real_boot)
        args.system_config = kSystemConfigPath;
    if (args.journal_dir.empty() && real_boot)
        args.journal_dir = kJournalDir;
    SystemConfig system_config = read_config(args.system_config);
    size_journal(journal, boot_options, system_config, args.system_config);
    // Only a real boot's PID 1 owns the machine's watchdog: in a PID
    // namespace the device is the host's.
    std::optional<HardwareWatchdog> watchdog;
    if (real_boot)
        watchdog.emplace(system_watchdog_ops(), watchdog_settings(boot_options, system_config),
                         std::chrono::steady_clock::now());
    UnitSources sources{.dirs = args.unit_dirs,
                        .fstab = args.fstab,
                        .root_read_only = !args.fstab.empty() && root_mounted_read_only(),
                        .console_active = args.console_active,
                        .network_interfaces = real_boot ? kNetworkInterfacesPath : "",
                        .target = args.target};
    Graph graph = load_unit_graph(sources);

    bool serve_bus = true;
    if (auto prepared = prepare_runtime_dir(args.runtime_dir); !prepared) {
        // Root writing sockets and boot.json into a directory another user
        // controls would let them point those writes anywhere. By hand that
        // is a mistake to refuse; PID 1 must not stop the machine for it.
        if (!pid1) {
            log::error(prepared.error().message, "; not starting");
            return 1;
        }
        auto own = make_private_runtime_dir();
        if (own) {
            log::error(prepared.error().message, "; PID 1 uses ", *own,
                       " instead (`fastinit --runtime-dir ", *own, "` reaches it)");
            args.runtime_dir = *own;
        } else {
            log::error(prepared.error().message, "; and ", own.error().message,
                       "; PID 1 runs without its control interface and boot.json");
            serve_bus = false;
        }
    } else {
        // Stage 1's messages (it ran before there was a journal), from a
        // directory now known to be ours.
        std::string initrd_journal = args.runtime_dir + "/" + paths::kInitrdJournalName;
        if (auto taken = take_in_journal_records(journal, initrd_journal); !taken)
            log::warning("stage 1's messages: ", taken.error().message);
        else if (*taken > 0)
            log::warning("stage 1's messages: ", *taken, " damaged records in ", initrd_journal,
                         " skipped");
    }

    SupervisorOptions options;
    options.runtime_dir = args.runtime_dir;
    options.kmsg_output = real_boot;
    options.kernel_cmdline_words = cmdline.words();
    options.init_start_boottime_us = entered_us;
    options.journal = &journal;
    options.syslog_socket =
        real_boot && args.syslog_socket.empty() ? "/dev/log" : args.syslog_socket;
    // SIGHUP and `fastinit daemon-reload` read the same sources again.
    options.reload_units = [sources](Manager& manager) { return reload_units(sources, manager); };
    if (pid1) {
        // Not supervising by hand: a manager that is no PID 1 leaves the
        // cgroup it was started in (a login session's) alone.
        std::string why_not;
        if (auto root = find_cgroup_root(real_boot, why_not))
            options.cgroup_root = *root;
        else
            log::info("not using cgroups: ", why_not);
    }
    auto supervisor = Supervisor::create(std::move(graph), options);
    if (!supervisor) {
        if (pid1)
            emergency(supervisor.error().message);
        log::error(supervisor.error().message);
        return 1;
    }
    Supervisor& s = **supervisor;
    auto bus = serve_bus ? BusServer::listen(s, args.runtime_dir + "/" + paths::kControlSocketName)
                         : Result<std::unique_ptr<BusServer>>(Error{"refused runtime directory"});
    if (!bus)
        log::error("control interface unavailable: ", bus.error().message);
    else
        (*bus)->set_kexec_loaded_path(args.kexec_loaded_path);
    std::optional<WatchdogLoop> watchdog_loop;
    if (watchdog) {
        watchdog_loop.emplace(s.event(), *watchdog);
        if (bus)
            (*bus)->set_watchdog([&watchdog] { return watchdog_properties(watchdog->status()); });
    }

    // A trial boot (`fastinit reboot --try`): confirmed by `fastinit bless`
    // in time, or rebooted through the firmware.
    std::string trial_state_path = args.runtime_dir + "/" + kTrialStateName;
    std::optional<TrialBoot> trial;
    std::optional<TrialLoop> trial_loop;
    if (boot_options.trial_error)
        log::error(boot_options.trial_error->message, "; not a trial boot");
    if (boot_options.trial) {
        trial.emplace(*boot_options.trial, std::chrono::steady_clock::now(), ::time(nullptr),
                      [trial_state_path](const std::string& text) {
                          return write_file_atomically(trial_state_path, text);
                      });
        log::info("trial boot: `fastinit bless` must confirm it within ",
                  trial->state().deadline_seconds, " s, else it reboots through the firmware");
        trial_loop.emplace(s.event(), *trial, [&s] { s.request_shutdown(PowerAction::reboot); });
        if (bus)
            (*bus)->set_bless([&trial] { return trial->bless(); });
    } else {
        ::unlink(trial_state_path.c_str());  // never another boot's
    }

    // Stage 2's lines are the boot's own, as stage 1's: on the console too.
    if (stage2 && stage2->output)
        s.watch_output("stage2", stage2->pid, std::move(stage2->output), /*to_console=*/true);

    std::optional<JournalWriter> journal_writer;
    if (auto persistent = persistent_journal(boot_options, system_config, args)) {
        journal_writer.emplace(journal, std::move(*persistent));
        follow_local_fs(s, *journal_writer);
    }

    auto started = s.manager().start(args.target);
    if (!started) {
        log::error("cannot start target ", args.target, ": ", started.error().message);
        if (args.target != "default" && s.manager().find("default")) {
            log::info("starting default instead");
            (void)s.manager().start("default");
        }
    }

    PowerAction action = s.run();
    // Before the final stage unmounts or remounts the disks read-only.
    if (journal_writer)
        journal_writer->finish(std::chrono::seconds(2));
    watchdog_loop.reset();
    trial_loop.reset();
    if (bus)
        bus->reset();
    supervisor->reset();
    if (watchdog)
        watchdog->prepare_final(action, std::chrono::steady_clock::now());
    if (pid1)
        finish_as_pid1(action, system_power_ops(), std::chrono::seconds(3), real_boot, [&] {
            if (watchdog)
                watchdog->last_pet(std::chrono::steady_clock::now());
        });
    log::info("all units stopped; exiting (not PID 1, so no ", verb(action), ")");
    return 0;
}

}  // namespace fastinit
