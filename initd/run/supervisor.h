// The manager's main loop: one sd-event loop on the main thread that turns
// the outside world into Manager events.
//
//   SIGCHLD            → reap every child (orphans too) → Manager::on_exit
//   SIGTERM/SIGPWR     → shutdown, then power off
//   SIGINT             → shutdown, then reboot (Ctrl-Alt-Del)
//   SIGHUP             → reload the units (request_reload)
//   notify socket      → Manager::on_notify (closing passed fds answers
//                        BARRIER=1)
//   launcher eventfd   → Manager::on_spawned / on_spawn_failed
//   output pipes       → the journal (service_output.h)
//   timers             → Manager::on_timer
//   uevents, re-checks → Manager::on_device_present (device_watcher.h)
//
// After each round of events it lets the timeline writer catch up
// (timeline_writer.h) and stops the loop once a shutdown has completed. The
// manager's other seams are its own files: the launcher (processes), the
// timers on this loop (event_timers.h), the clock and the conditions
// (system_seams.h).
//
// Signals must be blocked before any thread starts (block_manager_signals),
// so every thread inherits the mask and only the signalfd sees them.
#pragma once

#include <systemd/sd-event.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/paths.h"
#include "base/power_action.h"
#include "base/rate_limit.h"
#include "initd/graph/graph.h"
#include "initd/run/device_watcher.h"
#include "initd/run/event_timers.h"
#include "initd/run/journal.h"
#include "initd/run/kmsg_forward.h"
#include "initd/run/launcher.h"
#include "initd/run/manager.h"
#include "initd/run/notify_socket.h"
#include "initd/run/service_output.h"
#include "initd/run/syslog_forward.h"
#include "initd/run/system_cgroups.h"
#include "initd/run/system_seams.h"
#include "initd/run/timeline_writer.h"

namespace fastinit {

struct SupervisorOptions {
    std::string runtime_dir = paths::kRuntimeDir;
    bool kmsg_output = false;
    std::string etc_dir = "/etc";
    std::vector<std::string> kernel_cmdline_words;
    long long init_start_boottime_us = 0;  // see BootFacts
    // However slow the units, a shutdown ends after this long: what still
    // runs is then killed by the final stage.
    Duration shutdown_deadline = std::chrono::seconds(90);
    // Where the services' cgroups go (system_cgroups.h); empty: none.
    std::string cgroup_root;
    // The journal the services' output goes to (it must outlive the
    // supervisor); null: one of the supervisor's own.
    Journal* journal = nullptr;
    // Where the services' lines are also sent once a syslog daemon listens
    // (syslog_forward.h): /dev/log on a real boot; empty: nowhere.
    std::string syslog_socket;
    // Reads the units again and has the manager apply them (manager_main
    // knows where they come from: unit_sources.h); unset: no reloads.
    std::function<ReloadReport(Manager&)> reload_units;
};

// Blocks the signals the supervisor reads through sd-event. Call first thing
// in main, before any thread exists.
void block_manager_signals();

class Supervisor {
  public:
    static Result<std::unique_ptr<Supervisor>> create(Graph graph, SupervisorOptions options);
    ~Supervisor();

    Manager& manager() { return *m_manager; }
    sd_event* event() { return m_event; }
    const TimelineWriter& timeline() const { return m_timeline; }
    const Journal& journal() const { return *m_journal; }

    // Reads `read_end` into the journal as the output of `unit`'s `pid`, as
    // a service's (stage 2's messages: its pipe was made before the loop).
    void watch_output(const std::string& unit, pid_t pid, UniqueFd read_end,
                      bool to_console = false);

    // Begins an orderly shutdown that ends with `action`.
    void request_shutdown(PowerAction action);
    // Called after every unit state change (for bus signals).
    void add_unit_listener(std::function<void(UnitId)> listener);
    // Reloads the units soon. Requests coalesce: however many arrive (a
    // storm of SIGHUPs or bus calls), one reload answers all that came
    // before it ran, and reloads are spaced (kReloadSpacing, or as long as
    // the last one took, whichever is longer) so they never take more than
    // half of the loop's time. Every reload's report goes to the log and to
    // the reload listeners.
    void request_reload();
    void add_reload_listener(std::function<void(const ReloadReport&)> listener);
    static constexpr std::chrono::milliseconds kReloadSpacing{100};
    // Runs until a shutdown has completed; returns what to do next.
    PowerAction run();

  private:
    explicit Supervisor(SupervisorOptions options);
    Result<void> setup(Graph graph);

    static int on_signal(sd_event_source*, const signalfd_siginfo* info, void* self);
    static int on_notify_readable(sd_event_source*, int fd, uint32_t events, void* self);
    static int on_spawn_done(sd_event_source*, int fd, uint32_t events, void* self);
    static int on_post(sd_event_source*, void* self);
    static int on_shutdown_deadline(sd_event_source*, uint64_t usec, void* self);
    static int on_reload_due(sd_event_source*, uint64_t usec, void* self);
    void reap_children();
    void pump_syslog();

    SupervisorOptions m_options;
    TimelineWriter m_timeline;
    SystemClock m_clock;
    SystemConditions m_conditions;
    sd_event* m_event = nullptr;
    std::unique_ptr<EventTimers> m_timers;
    std::unique_ptr<Launcher> m_launcher;
    std::unique_ptr<Journal> m_own_journal;
    Journal* m_journal = nullptr;
    std::unique_ptr<KmsgForward> m_kmsg;
    std::unique_ptr<SyslogForward> m_syslog;
    bool m_syslog_pending = false;  // a timer brings the next pump
    std::unique_ptr<ServiceOutput> m_output;
    std::unique_ptr<SystemCgroups> m_cgroups;
    std::unique_ptr<UdevDeviceWatcher> m_devices;
    std::unique_ptr<Manager> m_manager;
    std::optional<NotifySocket> m_notify;
    // Anyone can make PID 1 warn about a notification: a budget for that.
    RateLimit m_notify_warnings{std::chrono::seconds(10), 10};
    std::vector<std::function<void(UnitId)>> m_listeners;
    std::vector<std::function<void(const ReloadReport&)>> m_reload_listeners;
    sd_event_source* m_reload_source = nullptr;  // a reload is due
    uint64_t m_next_reload_usec = 0;             // CLOCK_MONOTONIC, no reload before
    PowerAction m_final_action = PowerAction::poweroff;
};

}  // namespace fastinit
