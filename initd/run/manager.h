// The service manager's state machine. It is single-threaded and owns no
// event loop: requests (start, stop, restart, shutdown) and events (spawned,
// exited, notified, timer fired) are method calls on the main thread (the
// thread that made it; base/owner_thread.h checks that in debug builds), and
// every side effect goes through the seams in interfaces.h. The real event
// loop (event_loop.h) feeds it from sd-event; unit tests feed it by hand.
//
// Unit states and how they move:
//
//   inactive ──start()──▶ waiting ──predecessors settled──▶ starting ──ready──▶ active
//                            │                                 │  ▲               │
//                            │ required dependency failed,     │  │restart delay  │ exit
//                            │ condition false, unit broken    ▼  │               ▼
//                            └──────────────▶ skipped/failed ◀─ restarting ◀── (restart policy)
//
//   any running state ──stop()/shutdown()──▶ stopping ──exit──▶ inactive
//
// "Ready" depends on the service type: simple and exec when the program has
// been executed, oneshot when it exits 0, notify when it sends READY=1,
// forking when the started process has exited 0 and its pid file names a
// live process of the service, which becomes the main process; a target is
// ready when its ordering predecessors have settled.
//
// A waiting unit with after_devices also needs those devices (the
// DeviceWatcher seam) to start, and waits for them at most device_timeout,
// counted from the start request, alongside its predecessors; a device that
// does not appear by then fails the unit with a reason naming it.
//
// A waiting unit starts once none of the units it is ordered after is still
// waiting or starting. Starting order is therefore exactly the ordering graph:
// every unit starts the moment its last predecessor becomes ready. Stopping
// runs the graph in reverse: a unit stops once every unit ordered after it
// that is also being stopped has stopped; independent branches stop in
// parallel.
//
// A service's extra commands (exec_start_pre and friends) run as its
// control process, one at a time, beside or instead of the main process:
//
//   starting: exec_start_pre… → main process → ready → exec_start_post… → active
//   stopping: exec_stop… → kill_signal (kill_mode) → main gone → exec_stop_post…
//   active:   reload → exec_reload… (or reload_signal), the unit stays active
//
// exec_stop runs only for a unit that became active; exec_stop_post runs
// whenever the unit's processes ran, however it went down (a failed start,
// a crash before a restart). A failing command (unless tolerated with '-')
// fails the start; a failing exec_start_post stops the main process and
// fails the unit. Each command is bounded by start_timeout (exec_stop and
// exec_stop_post: stop_timeout), then killed and counted as failed.
//
// A service with a watchdog (watchdog = "DURATION", or WATCHDOG_USEC= sent
// at run time) must send WATCHDOG=1 at least that often while it is
// starting or active, counted from when its main process was reported;
// otherwise, or at once on WATCHDOG=trigger, it is killed as on a stop that
// timed out and fails with result `watchdog` (the restart policy applies).
//
// Work is driven by a queue of units to re-evaluate (no recursion), so the
// stack depth never depends on the size of the graph.
#pragma once

#include <unistd.h>

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/owner_thread.h"
#include "base/result.h"
#include "initd/graph/graph.h"
#include "initd/run/interfaces.h"
#include "initd/run/notify_message.h"
#include "initd/run/reload_report.h"
#include "initd/run/unit_state.h"

namespace fastinit {

// Which of a service's command lists its control process is running.
enum class ControlPhase { none, start_pre, start_post, reload, stop, stop_post };

// How a running unit went down, for once exec_stop_post has run: stopped on
// request (settles in `state`), or its processes ended by themselves (the
// restart policy decides).
struct Down {
    bool stopped = false;
    UnitState state = UnitState::inactive;
    UnitResult result = UnitResult::success;
    std::string reason;
};

struct UnitRuntime {
    UnitState state = UnitState::inactive;
    UnitResult result = UnitResult::none;
    std::string reason;  // a sentence for failed/skipped units
    pid_t main_pid = 0;
    pid_t session = 0;  // the first spawned pid; the service's session id
    uid_t uid = 0;
    std::optional<std::string> status_text;  // last STATUS=
    std::optional<int> errno_value;          // last ERRNO=
    std::optional<ExitStatus> last_exit;
    int restarts = 0;  // automatic restarts in this start job
    bool spawn_in_flight = false;
    bool ever_ready = false;
    bool stop_requested = false;
    bool start_after_stop = false;
    bool timed_out = false;
    // type = forking: the started process has exited 0 and the pid file is
    // awaited; why the last look at it did not do (for the timeout reason).
    bool parent_exited = false;
    std::string pid_file_problem;
    // The main process has exited but its cgroup still holds processes (a
    // daemon that double-forked): the unit stays up until the cgroup is
    // empty; `lingering_exit` is how the main process ended.
    bool lingering = false;
    ExitStatus lingering_exit;
    bool in_cgroup = false;  // its processes were started in its cgroup
    std::string cgroup_dir;  // where, for its control processes too

    // The control process (see the top of this file): at most one.
    ControlPhase control = ControlPhase::none;
    size_t control_next = 0;  // index of the next command of the phase
    pid_t control_pid = 0;
    bool control_in_flight = false;  // spawned, not reported yet
    bool control_timed_out = false;
    // A control process reported after its unit went down is killed at once.
    bool abandon_control = false;
    // The unit's processes ran in this start (exec_stop_post is due once).
    bool ran = false;
    std::optional<Down> pending_down;  // waits for exec_stop_post
    // The main process exited while exec_stop ran: it is handled after.
    std::optional<ExitStatus> exited_during_stop;
    // exec_start_post failed: the unit is being stopped and then fails.
    std::optional<std::pair<UnitResult, std::string>> stop_failure;
    // Why exec_stop or exec_stop_post failed, for the reason of the stop.
    std::string stop_problem;
    // A reload is in progress (exec_reload, or RELOADING=1 until READY=1);
    // why the last one failed, "" when it did not.
    bool reloading = false;
    std::string reload_failure;
    // A spawn was asked to make its runtime directories: they are removed
    // when the unit is down.
    bool made_runtime_directories = false;
    // Start times within the start-limit interval (a short vector: a deque
    // would allocate half a KiB per unit even when empty).
    std::vector<TimePoint> recent_starts;

    // Timeline of the latest start job.
    std::optional<TimePoint> queued_at, started_at, ready_at, finished_at;
    std::optional<UnitId> waited_for;  // the predecessor that settled last

    // The watchdog timeout in force (the unit's, or its WATCHDOG_USEC=),
    // 0 when off; when it was last petted; why it failed the unit, once it
    // has (the main process is being killed for it).
    Duration watchdog{0};
    std::optional<TimePoint> watchdog_pet_at;
    std::optional<std::string> watchdog_failure;

    // after_devices: looked at once per start job; what is still missing.
    bool devices_checked = false;
    std::vector<std::string> missing_devices;
};

struct ManagerOptions {
    // NOTIFY_SOCKET given to notify-type services.
    std::string notify_socket;
    // Environment every service starts with, before its own.
    std::vector<std::string> base_environment = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
    // The manager's own pid: never a unit's main process, never signalled.
    pid_t self_pid = ::getpid();
};

// What became of a notification.
struct NotifyOutcome {
    // The sender is a process of a unit that it may speak for (or perhaps of
    // one whose spawn is not reported yet); the message was applied.
    bool accepted = false;
    // What was ignored and why ("belongs to no unit", "MAINPID=1 is not a
    // process of the unit"), for a warning; empty when nothing was.
    std::string ignored;
};

struct ManagerSeams {
    ProcessControl& processes;
    TimerControl& timers;
    TimeSource& time;
    ConditionContext& conditions;
    // Null without a cgroup2 hierarchy: services are then tracked by their
    // main process and process group alone.
    CgroupControl* cgroups = nullptr;
    // Null: nothing can report devices, so a unit with after_devices fails.
    DeviceWatcher* devices = nullptr;
};

class Manager {
  public:
    Manager(Graph graph, ManagerSeams seams, ManagerOptions options = {});

    // Requests. Errors say why nothing was done (unknown unit, shutting down).
    // start() makes a template instance that is not loaded yet
    // (graph_instance.h): the graph grows, and UnitIds stay valid.
    Result<void> start(const std::string& name);
    Result<void> stop(const std::string& name);
    Result<void> restart(const std::string& name);
    // Runs exec_reload, or sends reload_signal to the main process; an error
    // when the unit cannot reload or is not active.
    Result<void> reload(const std::string& name);
    // Takes over `fresh`, the loader's graph of the unit files as they are
    // now (manager_reload.cpp), and says what changed. Every unit keeps its
    // UnitId; new names are added after the others. A unit that is down
    // gets its new definition at once; one that is not (in a start job,
    // running, stopping, waiting to restart) keeps the definition it runs
    // with until it is down, then takes the new one (or, its file removed,
    // becomes a missing unit). Edges (requires, wants, ordering) are the
    // new ones at once. Nothing is started or stopped. An error when the
    // system is shutting down.
    Result<ReloadDiff> apply_reload(Graph fresh);
    // Stops every unit in reverse dependency order, and starts the
    // `shutdown` target, if there is one, with what it pulls in; each of
    // those starts once the units it is ordered after have stopped.
    void shutdown();

    // Events.
    void on_spawned(UnitId unit, SpawnResult result);
    void on_spawn_failed(UnitId unit, const Error& error);
    // Any reaped child; orphans are ignored.
    void on_exit(pid_t pid, ExitStatus status);
    // Not accepted when the sender is not a process of a unit (or not
    // allowed to speak for it); the message is then ignored. A MAINPID= that
    // names no process of the unit is ignored, the rest applied.
    NotifyOutcome on_notify(pid_t sender, uid_t sender_uid, const NotifyMessage& message);
    void on_timer(UnitId unit, TimerKind kind);
    // The unit's cgroup.events changed (it may have become empty).
    void on_cgroup_event(UnitId unit);
    // A watched device spec has appeared (DeviceWatcher::watch).
    void on_device_present(const std::string& spec);

    // Observation.
    const Graph& graph() const { return m_graph; }
    const UnitRuntime& runtime(UnitId unit) const { return m_units[unit]; }
    std::optional<UnitId> find(const std::string& name) const { return m_graph.find(name); }
    // The unit's cgroup directory, empty when it has none (down, or no
    // cgroups); and the processes in it, pid and comm.
    std::string cgroup_path(UnitId unit) const;
    std::vector<std::pair<pid_t, std::string>> cgroup_processes(UnitId unit) const;
    // What the unit is doing for a request: "start", "stop", "restart",
    // "reload", or "" once the request has played out (a client that waits
    // for a verb's result waits for this to be "").
    const char* job(UnitId unit) const;
    // No unit is waiting or starting (a boot or start request has played out).
    bool settled() const;
    // A reload's definition the unit takes once it is down (see
    // apply_reload); null when there is none. Its status is `missing` when
    // the unit's file was removed.
    const Node* pending_definition(UnitId unit) const;
    // The definition the unit's next start uses: the pending one, else the
    // one in force; null when that is a missing or broken unit.
    const Unit* next_definition(UnitId unit) const;
    bool shutting_down() const { return m_shutting_down; }
    // Shutdown requested and every unit has stopped.
    bool shutdown_complete() const;
    // Called after every state change of a unit.
    void set_listener(std::function<void(UnitId unit)> listener) {
        m_listener = std::move(listener);
    }

  private:
    void queue_start(UnitId unit, TimePoint now);
    void enqueue(UnitId unit);
    void enqueue_all(const std::vector<UnitId>& units);
    void process();
    void evaluate(UnitId unit);
    void evaluate_waiting(UnitId unit);
    void evaluate_stop(UnitId unit);
    bool devices_ready(UnitId unit);
    void devices_timed_out(UnitId unit);
    void forget_devices(UnitId unit);
    void release(UnitId unit);
    void spawn(UnitId unit);
    void spawn_main(UnitId unit);
    void became_ready(UnitId unit);
    void stop_processes(UnitId unit);
    void main_stopped(UnitId unit, pid_t session, ExitStatus status);
    void went_down(UnitId unit, Down down);
    void finish_down(UnitId unit, Down down);
    // Control processes (manager_commands.cpp).
    const std::vector<Command>& commands(UnitId unit, ControlPhase phase) const;
    void run_commands(UnitId unit, ControlPhase phase);
    void next_command(UnitId unit);
    void control_spawned(UnitId unit, pid_t pid);
    void control_spawn_failed(UnitId unit, const Error& error);
    void control_exited(UnitId unit, ExitStatus status);
    void command_failed(UnitId unit, UnitResult result, std::string reason);
    void commands_done(UnitId unit, ControlPhase phase);
    bool drop_control(UnitId unit);
    void signal_for_stop(UnitId unit, int signal);
    void mark_ready(UnitId unit);
    void settle(UnitId unit, UnitState state, UnitResult result, std::string reason);
    void adopt_pending_definition(UnitId unit);
    void begin_stop(UnitId unit);
    void finish_stop(UnitId unit);
    void handle_failure(UnitId unit, UnitResult result, std::string reason);
    void apply_restart_policy(UnitId unit, UnitResult result, std::string reason);
    void request_stop(UnitId unit, bool start_again);
    void forget_pid(UnitId unit);
    bool is_own_process(UnitId unit, pid_t pid);
    bool belongs_to_other_unit(UnitId unit, pid_t pid) const;
    bool may_be_daemon(UnitId unit, pid_t pid);
    void look_for_pid_file(UnitId unit);
    void forking_timed_out(UnitId unit);
    void send_signal(pid_t target, int signal);
    // The service watchdog (manager_watchdog.cpp).
    bool watchdog_running(UnitId unit) const;
    void arm_watchdog(UnitId unit);
    void watchdog_notified(UnitId unit, const NotifyMessage& message);
    void watchdog_failed(UnitId unit, std::string reason);
    void kill_now(UnitId unit);
    bool cgroup_populated(UnitId unit);
    void kill_cgroup(UnitId unit, int signal);
    void check_lingering();
    void end_lingering(UnitId unit);
    void changed(UnitId unit);
    bool is_pending_start(UnitId unit) const;
    bool is_running(UnitId unit) const;
    std::optional<std::string> failed_condition(const Unit& unit);
    SpawnRequest spawn_request(UnitId unit) const;

    Graph m_graph;
    ManagerSeams m_seams;
    ManagerOptions m_options;
    std::vector<UnitRuntime> m_units;
    std::deque<UnitId> m_queue;
    std::vector<bool> m_queued;
    bool m_processing = false;
    bool m_shutting_down = false;
    // At shutdown: the units of the `shutdown` target's closure, started
    // while every other unit stops.
    std::vector<bool> m_shutdown_job;
    std::map<pid_t, UnitId> m_pid_to_unit;
    std::map<pid_t, UnitId> m_session_to_unit;
    std::map<pid_t, UnitId> m_control_to_unit;
    // Exits reaped before the spawn that created the pid was reported (the
    // spawn runs on a worker thread); kept only while spawns are in flight.
    std::map<pid_t, ExitStatus> m_early_exits;
    // Likewise notifications (READY=1 right after exec), by the sender's
    // session (its service's first pid), replayed once the spawn is reported.
    std::map<pid_t, std::vector<std::pair<uid_t, NotifyMessage>>> m_early_notifications;
    int m_spawns_in_flight = 0;
    std::function<void(UnitId)> m_listener;
    // Definitions a reload brought for units that were not down: a Node
    // without edges (its unit, status and failure).
    std::map<UnitId, Node> m_pending;
    OwnerThread m_thread;
};

}  // namespace fastinit
