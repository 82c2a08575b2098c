// The manager's main loop: one sd-event loop on the main thread that turns
// the outside world into Manager events.
//
//   SIGCHLD            → reap every child (orphans too) → Manager::on_exit
//   SIGTERM/SIGPWR     → shutdown, then power off
//   SIGINT             → shutdown, then reboot (Ctrl-Alt-Del)
//   notify socket      → Manager::on_notify (closing passed fds answers
//                        BARRIER=1)
//   launcher eventfd   → Manager::on_spawned / on_spawn_failed
//   timers             → Manager::on_timer
//
// After each round of events it rewrites the boot timeline whenever units
// changed and every start job has settled, and stops the loop once a shutdown has completed.
// Signals must be blocked before any thread starts (block_manager_signals),
// so every thread inherits the mask and only the signalfd sees them.
#pragma once

#include <systemd/sd-event.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/power_action.h"
#include "base/rate_limit.h"
#include "initd/graph/graph.h"
#include "initd/run/launcher.h"
#include "initd/run/manager.h"
#include "initd/run/notify_socket.h"
#include "initd/run/timeline.h"

namespace fastinit {

struct SupervisorOptions {
    std::string runtime_dir = "/run/fastinit";
    bool kmsg_output = false;
    std::string etc_dir = "/etc";
    std::vector<std::string> kernel_cmdline_words;
    long long init_start_boottime_us = 0;  // see BootFacts
    // However slow the units, a shutdown ends after this long: what still
    // runs is then killed by the final stage.
    Duration shutdown_deadline = std::chrono::seconds(90);
};

// Blocks the signals the supervisor reads through sd-event. Call first thing
// in main, before any thread exists.
void block_manager_signals();

class Supervisor : private TimerControl, private TimeSource, private ConditionContext {
  public:
    static Result<std::unique_ptr<Supervisor>> create(Graph graph, SupervisorOptions options);
    ~Supervisor() override;

    Manager& manager() { return *m_manager; }
    sd_event* event() { return m_event; }
    TimePoint started_at() const { return m_started_at; }
    const std::string& timeline_path() const { return m_timeline_path; }
    const BootFacts& boot_facts() const { return m_boot; }

    // Begins an orderly shutdown that ends with `action`.
    void request_shutdown(PowerAction action);
    // Called after every unit state change (for bus signals).
    void add_unit_listener(std::function<void(UnitId)> listener);
    // Runs until a shutdown has completed; returns what to do next.
    PowerAction run();

  private:
    explicit Supervisor(SupervisorOptions options);
    Result<void> setup(Graph graph);

    // TimerControl
    void arm(UnitId unit, TimerKind kind, TimePoint deadline) override;
    void disarm(UnitId unit, TimerKind kind) override;
    // TimeSource
    TimePoint now() override { return Clock::now(); }
    // ConditionContext
    bool path_exists(const std::string& path) override;
    const std::vector<std::string>& kernel_cmdline_words() override {
        return m_options.kernel_cmdline_words;
    }

    static int on_signal(sd_event_source*, const signalfd_siginfo* info, void* self);
    static int on_notify_readable(sd_event_source*, int fd, uint32_t events, void* self);
    static int on_spawn_done(sd_event_source*, int fd, uint32_t events, void* self);
    static int on_timer(sd_event_source*, uint64_t usec, void* self);
    static int on_post(sd_event_source*, void* self);
    static int on_shutdown_deadline(sd_event_source*, uint64_t usec, void* self);
    void reap_children();
    void write_timeline();

    struct TimerSlot {
        Supervisor* owner = nullptr;
        UnitId unit = 0;
        TimerKind kind = TimerKind::start_timeout;
        sd_event_source* source = nullptr;
    };

    SupervisorOptions m_options;
    sd_event* m_event = nullptr;
    std::unique_ptr<Launcher> m_launcher;
    std::unique_ptr<Manager> m_manager;
    std::optional<NotifySocket> m_notify;
    // Anyone can make PID 1 warn about a notification: a budget for that.
    RateLimit m_notify_warnings{std::chrono::seconds(10), 10};
    std::map<std::pair<UnitId, int>, TimerSlot> m_timers;
    std::vector<std::function<void(UnitId)>> m_listeners;
    TimePoint m_started_at;
    std::string m_timeline_path;
    BootFacts m_boot;
    bool m_timeline_dirty = false;
    bool m_boot_reported = false;
    PowerAction m_final_action = PowerAction::poweroff;
};

}  // namespace fastinit
