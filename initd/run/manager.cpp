#include "initd/run/manager.h"

#include <csignal>
#include <cstring>

#include <algorithm>
#include <limits>

#include "base/signal_name.h"
#include "initd/graph/graph_instance.h"
#include "initd/run/pid_file.h"

namespace fastinit {

namespace {

// How often a forking service's pid file is looked at while it is awaited.
constexpr auto kPidFilePoll = std::chrono::milliseconds(50);
// How soon a stopping unit's cgroup is looked at again after cgroup.kill.
constexpr auto kLingerRecheck = std::chrono::milliseconds(200);

}  // namespace

std::string ExitStatus::to_string() const {
    if (signal != 0)
        return "killed by signal " + std::to_string(signal) + " (" + signal_name(signal) + ")";
    return "exited with status " + std::to_string(code);
}

Manager::Manager(Graph graph, ManagerSeams seams, ManagerOptions options)
    : m_graph(std::move(graph)),
      m_seams(seams),
      m_options(std::move(options)),
      m_units(m_graph.nodes.size()),
      m_queued(m_graph.nodes.size(), false) {}

// ---- requests -------------------------------------------------------------

Result<void> Manager::start(const std::string& name) {
    m_thread.check("Manager::start");
    if (m_shutting_down)
        return Error{"the system is shutting down"};
    auto root = find(name);
    if (!root) {
        // NAME@INSTANCE that no loaded unit names: made from its template.
        auto made = add_instance(m_graph, name);
        if (!made)
            return made.error();
        m_units.resize(m_graph.nodes.size());
        m_queued.resize(m_graph.nodes.size(), false);
        if (!m_shutdown_job.empty())
            m_shutdown_job.resize(m_graph.nodes.size(), false);
        root = *made;
    }
    TimePoint now = m_seams.time.now();
    for (size_t i : m_graph.closure(*root)) {
        UnitRuntime& u = m_units[i];
        if (u.state == UnitState::stopping || u.stop_requested) {
            u.start_after_stop = true;  // it comes back once it is down
            continue;
        }
        if (!is_down(u.state))
            continue;
        queue_start(i, now);
    }
    process();
    return {};
}

// A down unit waits to start, with the bookkeeping of a new start job.
void Manager::queue_start(UnitId unit, TimePoint now) {
    UnitRuntime& u = m_units[unit];
    u.state = UnitState::waiting;
    u.result = UnitResult::none;
    u.reason.clear();
    u.restarts = 0;
    u.ever_ready = false;
    u.stop_requested = false;
    u.timed_out = false;
    u.queued_at = now;
    u.started_at.reset();
    u.ready_at.reset();
    u.finished_at.reset();
    u.waited_for.reset();
    u.devices_checked = false;
    u.missing_devices.clear();
    changed(unit);
    enqueue(unit);
}

Result<void> Manager::stop(const std::string& name) {
    m_thread.check("Manager::stop");
    auto unit = find(name);
    if (!unit)
        return Error{"no such unit: " + name};
    request_stop(*unit, false);
    process();
    return {};
}

Result<void> Manager::restart(const std::string& name) {
    m_thread.check("Manager::restart");
    auto unit = find(name);
    if (!unit)
        return Error{"no such unit: " + name};
    if (m_shutting_down)
        return Error{"the system is shutting down"};
    if (!is_running(*unit))
        return start(name);
    request_stop(*unit, true);
    process();
    return {};
}

Result<void> Manager::reload(const std::string& name) {
    m_thread.check("Manager::reload");
    auto unit = find(name);
    if (!unit)
        return Error{"no such unit: " + name};
    if (m_shutting_down)
        return Error{"the system is shutting down"};
    const auto& def = m_graph.nodes[*unit].unit;
    UnitRuntime& u = m_units[*unit];
    if (!def || def->is_target())
        return Error{name + " cannot reload: it is a target"};
    if (def->service->exec_reload.empty() && def->service->reload_signal == 0)
        return Error{name + " cannot reload: it has no exec_reload and reload_signal = \"none\""};
    if (u.state != UnitState::active || u.stop_requested)
        return Error{name + " is " + to_string(u.state) + ", not active: nothing to reload"};
    if (u.control != ControlPhase::none || u.control_in_flight || u.reloading)
        return Error{name + " is busy with a reload or a command already"};
    const Service& s = *def->service;
    u.reload_failure.clear();
    if (!s.exec_reload.empty()) {
        u.reloading = true;
        run_commands(*unit, ControlPhase::reload);
    } else {
        if (u.main_pid <= 1 || u.main_pid == m_options.self_pid)
            return Error{name + " cannot reload: it has no main process to send SIG" +
                         signal_name(s.reload_signal) + " to"};
        m_seams.processes.kill_process(u.main_pid, s.reload_signal);
        if (s.type == ServiceType::notify) {
            // Done when it says READY=1 again (after RELOADING=1), as
            // systemd's notify-reload; bounded like a command.
            u.reloading = true;
            m_seams.timers.arm(*unit, TimerKind::control_timeout,
                               m_seams.time.now() + s.start_timeout);
        }
    }
    changed(*unit);
    process();
    return {};
}

void Manager::shutdown() {
    m_thread.check("Manager::shutdown");
    m_shutting_down = true;
    // The `shutdown` target and what it pulls in start (or keep running);
    // every other unit stops.
    m_shutdown_job.assign(m_units.size(), false);
    if (auto target = find("shutdown"))
        for (size_t i : m_graph.closure(*target))
            m_shutdown_job[i] = true;
    TimePoint now = m_seams.time.now();
    for (size_t i = 0; i < m_units.size(); ++i) {
        UnitRuntime& u = m_units[i];
        u.start_after_stop = false;
        if (m_shutdown_job[i]) {
            if (is_down(u.state) && !u.stop_requested)
                queue_start(i, now);
        } else if (!is_down(u.state)) {
            u.stop_requested = true;
            enqueue(i);
        }
    }
    process();
}

// Stops `unit` and, transitively, every running unit that requires it.
void Manager::request_stop(UnitId unit, bool start_again) {
    std::vector<size_t> todo{unit};
    std::vector<bool> seen(m_units.size(), false);
    seen[unit] = true;
    for (size_t k = 0; k < todo.size(); ++k) {
        size_t i = todo[k];
        UnitRuntime& u = m_units[i];
        if (u.state != UnitState::inactive) {
            u.stop_requested = true;
            u.start_after_stop = u.start_after_stop || start_again;
            enqueue(i);
        }
        for (size_t d : m_graph.nodes[i].dependents) {
            const auto& reqs = m_graph.nodes[d].requires_;
            if (!seen[d] && std::find(reqs.begin(), reqs.end(), i) != reqs.end()) {
                seen[d] = true;
                todo.push_back(d);
            }
        }
    }
}

// ---- the work queue --------------------------------------------------------

void Manager::enqueue(UnitId unit) {
    if (m_queued[unit])
        return;
    m_queued[unit] = true;
    m_queue.push_back(unit);
}

void Manager::enqueue_all(const std::vector<size_t>& units) {
    for (size_t u : units)
        enqueue(u);
}

void Manager::process() {
    if (m_processing)
        return;  // the outer call drains the queue
    m_processing = true;
    while (!m_queue.empty()) {
        UnitId unit = m_queue.front();
        m_queue.pop_front();
        m_queued[unit] = false;
        evaluate(unit);
    }
    m_processing = false;
}

void Manager::evaluate(UnitId unit) {
    UnitRuntime& u = m_units[unit];
    if (u.stop_requested) {
        evaluate_stop(unit);
        return;
    }
    if (u.state == UnitState::waiting)
        evaluate_waiting(unit);
}

// Units ordered after this one must not start yet: it is on its way up, or
// on its way down (and may come back, as in a restart).
bool Manager::is_pending_start(UnitId unit) const {
    const UnitRuntime& u = m_units[unit];
    return u.state == UnitState::waiting || u.state == UnitState::starting ||
           (u.state == UnitState::restarting && !u.ever_ready) ||
           (u.stop_requested && !m_shutting_down) ||
           (u.pending_down.has_value() && !u.ever_ready);  // a failed start's stop_post
}

bool Manager::is_running(UnitId unit) const {
    UnitState s = m_units[unit].state;
    return s == UnitState::starting || s == UnitState::active || s == UnitState::stopping ||
           s == UnitState::restarting;
}

void Manager::evaluate_waiting(UnitId unit) {
    if (!devices_ready(unit))
        return;
    for (size_t before : m_graph.nodes[unit].after) {
        if (is_pending_start(before))
            return;
        // At shutdown, a unit of the shutdown job starts after the units it
        // is ordered after have stopped.
        if (m_shutting_down && !m_shutdown_job[before] && !is_down(m_units[before].state))
            return;
    }
    release(unit);
}

// Whether every after_devices entry is there. The first look is at the
// first evaluation of the start job (so the device timeout runs alongside
// the predecessors, not after them); what is missing then is watched.
bool Manager::devices_ready(UnitId unit) {
    const Node& node = m_graph.nodes[unit];
    UnitRuntime& u = m_units[unit];
    if (!node.unit || node.unit->after_devices.empty())
        return true;
    if (!u.devices_checked) {
        u.devices_checked = true;
        if (!m_seams.devices) {
            settle(unit, UnitState::failed, UnitResult::dependency,
                   "after_devices cannot be watched here (no device watcher)");
            return false;
        }
        for (const auto& spec : node.unit->after_devices)
            if (!m_seams.devices->present(spec))
                u.missing_devices.push_back(spec);
        if (!u.missing_devices.empty()) {
            for (const auto& spec : u.missing_devices)
                m_seams.devices->watch(spec);
            TimePoint from = u.queued_at.value_or(m_seams.time.now());
            m_seams.timers.arm(unit, TimerKind::device_timeout, from + node.unit->device_timeout);
            changed(unit);
        }
    }
    return u.missing_devices.empty();
}

void Manager::on_device_present(const std::string& spec) {
    m_thread.check("Manager::on_device_present");
    for (size_t i = 0; i < m_units.size(); ++i) {
        UnitRuntime& u = m_units[i];
        if (u.state != UnitState::waiting)
            continue;
        if (std::erase(u.missing_devices, spec) == 0)
            continue;
        if (u.missing_devices.empty())
            m_seams.timers.disarm(i, TimerKind::device_timeout);
        changed(i);
        enqueue(i);
    }
    process();
}

// The unit waits no more: what no other unit waits for is not looked for.
void Manager::forget_devices(UnitId unit) {
    std::vector<std::string> specs = std::move(m_units[unit].missing_devices);
    m_units[unit].missing_devices.clear();
    for (const auto& spec : specs) {
        bool wanted = std::any_of(m_units.begin(), m_units.end(), [&](const UnitRuntime& other) {
            return std::find(other.missing_devices.begin(), other.missing_devices.end(), spec) !=
                   other.missing_devices.end();
        });
        if (!wanted && m_seams.devices)
            m_seams.devices->unwatch(spec);
    }
}

// "LABEL=data did not appear within 1m 30s": the reason names every device
// still missing.
void Manager::devices_timed_out(UnitId unit) {
    UnitRuntime& u = m_units[unit];
    std::string missing;
    for (const auto& spec : u.missing_devices)
        missing += (missing.empty() ? "" : ", ") + spec;
    settle(unit, UnitState::failed, UnitResult::timeout,
           missing + " did not appear within " +
               format_duration(m_graph.nodes[unit].unit->device_timeout));
}

// All predecessors have settled: decide whether the unit runs at all, then
// start it.
void Manager::release(UnitId unit) {
    const Node& node = m_graph.nodes[unit];
    UnitRuntime& u = m_units[unit];

    // The predecessor that settled last is what this unit waited for.
    std::optional<TimePoint> latest;
    for (size_t before : node.after) {
        const UnitRuntime& b = m_units[before];
        auto at = b.ready_at ? b.ready_at : b.finished_at;
        if (at && (!latest || *at > *latest) && u.queued_at && *at >= *u.queued_at) {
            latest = at;
            u.waited_for = before;
        }
    }

    if (!node.failure.empty()) {
        settle(unit, UnitState::failed,
               node.status == NodeStatus::missing ? UnitResult::missing : UnitResult::broken,
               node.failure);
        return;
    }
    for (size_t dep : node.requires_) {
        const UnitRuntime& d = m_units[dep];
        // A unit skipped by its own conditions counts as satisfied (as in
        // systemd); one skipped because its requirements failed does not.
        bool unmet = d.state == UnitState::failed ||
                     (d.state == UnitState::skipped && d.result != UnitResult::condition);
        if (unmet) {
            settle(unit, UnitState::skipped, UnitResult::dependency,
                   "required unit " + m_graph.nodes[dep].name + " " + to_string(d.state) +
                       (d.reason.empty() ? "" : ": " + d.reason));
            return;
        }
    }
    if (auto why = failed_condition(*node.unit)) {
        settle(unit, UnitState::skipped, UnitResult::condition, *why);
        return;
    }
    for (size_t other : node.conflicts)
        if (!is_down(m_units[other].state))
            request_stop(other, false);

    if (node.unit->is_target()) {
        mark_ready(unit);
        return;
    }
    spawn(unit);
}

std::optional<std::string> Manager::failed_condition(const Unit& unit) {
    for (const auto& entry : unit.conditions.path_exists) {
        bool negate = !entry.empty() && entry[0] == '!';
        std::string path = negate ? entry.substr(1) : entry;
        if (m_seams.conditions.path_exists(path) == negate)
            return "condition path_exists=\"" + entry + "\" is false";
    }
    const auto& words = m_seams.conditions.kernel_cmdline_words();
    for (const auto& entry : unit.conditions.kernel_cmdline) {
        bool negate = !entry.empty() && entry[0] == '!';
        std::string want = negate ? entry.substr(1) : entry;
        bool present = std::any_of(words.begin(), words.end(), [&](const std::string& w) {
            // "foo" matches "foo" and "foo=..."; "foo=bar" matches exactly.
            if (w == want)
                return true;
            return want.find('=') == std::string::npos && w.size() > want.size() &&
                   w.compare(0, want.size(), want) == 0 && w[want.size()] == '=';
        });
        if (present == negate)
            return "condition kernel_cmdline=\"" + entry + "\" is false";
    }
    return std::nullopt;
}

SpawnRequest Manager::spawn_request(UnitId unit) const {
    const Unit& def = *m_graph.nodes[unit].unit;
    const Service& s = *def.service;
    SpawnRequest r;
    r.unit = def.name;
    r.argv = s.exec;
    r.environment = m_options.base_environment;
    // A service with a watchdog pets it through the notify socket.
    bool watchdog = s.watchdog > Duration::zero();
    if ((s.type == ServiceType::notify || watchdog) && !m_options.notify_socket.empty())
        r.environment.push_back("NOTIFY_SOCKET=" + m_options.notify_socket);
    if (watchdog) {
        r.environment.push_back("WATCHDOG_USEC=" + std::to_string(s.watchdog.count()));
        r.watchdog_pid = true;
    }
    for (const auto& [name, value] : s.environment)
        r.environment.push_back(name + "=" + value);
    r.user = s.user;
    r.group = s.group;
    r.working_directory = s.working_directory;
    r.stdout_target = s.stdout_target;
    r.stderr_target = s.stderr_target;
    r.environment_files = s.environment_files;
    r.directories = s.directories;
    r.attributes = s.attributes;
    return r;
}

void Manager::spawn(UnitId unit) {
    UnitRuntime& u = m_units[unit];
    const Service& s = *m_graph.nodes[unit].unit->service;
    TimePoint now = m_seams.time.now();

    // Start limit: more than `burst` starts within `interval` means the unit
    // is broken; stop trying instead of storming.
    std::erase_if(u.recent_starts, [&](TimePoint t) { return now - t > s.start_limit_interval; });
    if (static_cast<int>(u.recent_starts.size()) >= s.start_limit_burst) {
        settle(unit, UnitState::failed, UnitResult::start_limit_hit,
               "started " + std::to_string(u.recent_starts.size()) + " times within " +
                   format_duration(s.start_limit_interval) + "; giving up");
        return;
    }
    u.recent_starts.push_back(now);

    u.state = UnitState::starting;
    if (!u.started_at)
        u.started_at = now;
    u.timed_out = false;
    u.parent_exited = false;
    u.pid_file_problem.clear();
    u.lingering = false;
    u.ran = true;
    u.stop_problem.clear();
    u.stop_failure.reset();
    u.exited_during_stop.reset();
    u.watchdog = s.watchdog;
    u.watchdog_pet_at.reset();
    u.watchdog_failure.reset();
    u.cgroup_dir.clear();
    u.made_runtime_directories = u.made_runtime_directories || !s.directories.runtime.empty();
    // Without its cgroup (the implementation said why) the service still
    // starts, tracked by its main process as without cgroups at all.
    if (m_seams.cgroups) {
        auto dir = m_seams.cgroups->prepare(m_graph.nodes[unit].name, s);
        u.in_cgroup = dir.ok();
        if (dir)
            u.cgroup_dir = *dir;
    }
    changed(unit);
    if (!s.exec_start_pre.empty())
        run_commands(unit, ControlPhase::start_pre);
    else
        spawn_main(unit);
}

void Manager::spawn_main(UnitId unit) {
    UnitRuntime& u = m_units[unit];
    u.spawn_in_flight = true;
    ++m_spawns_in_flight;
    SpawnRequest request = spawn_request(unit);
    request.cgroup = u.cgroup_dir;
    m_seams.processes.spawn(unit, std::move(request));
}

// The service is ready by its type's rule: exec_start_post runs first, if
// it has any; a unit becomes active only after them.
void Manager::became_ready(UnitId unit) {
    UnitRuntime& u = m_units[unit];
    const Service& s = *m_graph.nodes[unit].unit->service;
    if (u.control == ControlPhase::start_post)
        return;  // a second READY=1
    if (s.exec_start_post.empty()) {
        mark_ready(unit);
        return;
    }
    m_seams.timers.disarm(unit, TimerKind::start_timeout);
    run_commands(unit, ControlPhase::start_post);
}

void Manager::mark_ready(UnitId unit) {
    UnitRuntime& u = m_units[unit];
    u.state = UnitState::active;
    if (!u.ever_ready)
        u.ready_at = m_seams.time.now();
    u.ever_ready = true;
    u.parent_exited = false;
    if (u.result == UnitResult::none)
        u.result = UnitResult::success;
    m_seams.timers.disarm(unit, TimerKind::start_timeout);
    changed(unit);
    enqueue_all(m_graph.nodes[unit].dependents);
}

// Ends a start attempt for good (failed, skipped) or after a clean exit
// (inactive); dependents waiting on it are re-evaluated.
void Manager::settle(UnitId unit, UnitState state, UnitResult result, std::string reason) {
    UnitRuntime& u = m_units[unit];
    u.state = state;
    u.result = result;
    u.reason = std::move(reason);
    u.finished_at = m_seams.time.now();
    m_seams.timers.disarm(unit, TimerKind::start_timeout);
    m_seams.timers.disarm(unit, TimerKind::restart_delay);
    m_seams.timers.disarm(unit, TimerKind::device_timeout);
    m_seams.timers.disarm(unit, TimerKind::watchdog);
    forget_devices(unit);
    if (is_down(state) && u.in_cgroup && m_seams.cgroups) {
        m_seams.cgroups->remove(m_graph.nodes[unit].name);
        u.in_cgroup = false;
    }
    // Only a unit that made them removes them: one that never started must
    // not take away a directory another unit of the same name made.
    if (is_down(state) && u.made_runtime_directories) {
        u.made_runtime_directories = false;
        m_seams.processes.remove_runtime_directories(
            m_graph.nodes[unit].name, m_graph.nodes[unit].unit->service->directories.runtime);
    }
    if (is_down(state))
        adopt_pending_definition(unit);
    changed(unit);
    enqueue_all(m_graph.nodes[unit].dependents);
    enqueue_all(m_graph.nodes[unit].after);  // predecessors may wait to stop
}

// The unit's processes ended by themselves (or never started): once
// exec_stop_post has run, the restart policy decides.
void Manager::handle_failure(UnitId unit, UnitResult result, std::string reason) {
    went_down(unit, Down{false, UnitState::failed, result, std::move(reason)});
}

void Manager::apply_restart_policy(UnitId unit, UnitResult result, std::string reason) {
    UnitRuntime& u = m_units[unit];
    const Service& s = *m_graph.nodes[unit].unit->service;
    bool wants_restart = s.restart == RestartPolicy::always ||
                         (s.restart == RestartPolicy::on_failure && result != UnitResult::success);
    if (!wants_restart || u.stop_requested || m_shutting_down) {
        settle(unit, result == UnitResult::success ? UnitState::inactive : UnitState::failed,
               result, std::move(reason));
        return;
    }
    // Exponential backoff: restart_delay, doubled per automatic restart in
    // this start job, capped at restart_delay_max.
    Duration delay = s.restart_delay;
    for (int k = 0; k < u.restarts && delay < s.restart_delay_max; ++k)
        delay *= 2;
    delay = std::min(delay, s.restart_delay_max);
    ++u.restarts;
    u.state = UnitState::restarting;
    u.result = result;
    u.reason = std::move(reason);
    m_seams.timers.disarm(unit, TimerKind::start_timeout);
    m_seams.timers.arm(unit, TimerKind::restart_delay, m_seams.time.now() + delay);
    changed(unit);
}

// ---- events ----------------------------------------------------------------

void Manager::on_spawned(UnitId unit, SpawnResult result) {
    m_thread.check("Manager::on_spawned");
    UnitRuntime& u = m_units[unit];
    if (u.control_in_flight) {
        --m_spawns_in_flight;
        std::optional<ExitStatus> exited;
        if (auto early = m_early_exits.find(result.pid); early != m_early_exits.end()) {
            exited = early->second;
            m_early_exits.erase(early);
        }
        if (m_spawns_in_flight == 0) {
            m_early_exits.clear();
            m_early_notifications.clear();
        }
        control_spawned(unit, result.pid);
        if (exited && m_control_to_unit.count(result.pid))
            on_exit(result.pid, *exited);
        process();
        return;
    }
    u.spawn_in_flight = false;
    --m_spawns_in_flight;
    u.main_pid = result.pid;
    u.session = result.pid;
    u.uid = result.uid;
    m_pid_to_unit[result.pid] = unit;
    m_session_to_unit[result.pid] = unit;

    auto early = m_early_exits.find(result.pid);
    std::optional<ExitStatus> exited;
    if (early != m_early_exits.end()) {
        exited = early->second;
        m_early_exits.erase(early);
    }
    std::vector<std::pair<uid_t, NotifyMessage>> notified;
    if (auto n = m_early_notifications.find(result.pid); n != m_early_notifications.end()) {
        notified = std::move(n->second);
        m_early_notifications.erase(n);
    }
    if (m_spawns_in_flight == 0) {
        m_early_exits.clear();
        m_early_notifications.clear();
    }

    const Service& s = *m_graph.nodes[unit].unit->service;
    if (u.stop_requested) {
        begin_stop(unit);
    } else if (s.type == ServiceType::simple || s.type == ServiceType::exec) {
        became_ready(unit);
    } else {
        m_seams.timers.arm(unit, TimerKind::start_timeout, m_seams.time.now() + s.start_timeout);
    }
    arm_watchdog(unit);
    for (const auto& [uid, message] : notified)
        on_notify(result.pid, uid, message);
    if (exited)
        on_exit(result.pid, *exited);
    process();
}

void Manager::on_spawn_failed(UnitId unit, const Error& error) {
    m_thread.check("Manager::on_spawn_failed");
    UnitRuntime& u = m_units[unit];
    if (u.control_in_flight) {
        --m_spawns_in_flight;
        if (m_spawns_in_flight == 0) {
            m_early_exits.clear();
            m_early_notifications.clear();
        }
        control_spawn_failed(unit, error);
        process();
        return;
    }
    u.spawn_in_flight = false;
    --m_spawns_in_flight;
    if (m_spawns_in_flight == 0) {
        m_early_exits.clear();
        m_early_notifications.clear();
    }
    if (u.stop_requested)
        went_down(unit, Down{true, UnitState::failed, UnitResult::exec_failed, error.message});
    else
        handle_failure(unit, UnitResult::exec_failed, error.message);
    process();
}

void Manager::forget_pid(UnitId unit) {
    UnitRuntime& u = m_units[unit];
    m_pid_to_unit.erase(u.main_pid);
    u.main_pid = 0;
}

void Manager::on_exit(pid_t pid, ExitStatus status) {
    m_thread.check("Manager::on_exit");
    if (auto control = m_control_to_unit.find(pid); control != m_control_to_unit.end()) {
        UnitId unit = control->second;
        m_control_to_unit.erase(control);
        control_exited(unit, status);
        check_lingering();  // it may have been the last process of its cgroup
        process();
        return;
    }
    auto it = m_pid_to_unit.find(pid);
    if (it == m_pid_to_unit.end()) {
        // An escaped daemon's exit may have emptied its unit's cgroup.
        check_lingering();
        process();
        if (m_spawns_in_flight > 0)
            m_early_exits[pid] = status;
        return;  // an orphan, or a child of a service
    }
    UnitId unit = it->second;
    UnitRuntime& u = m_units[unit];
    const Service& s = *m_graph.nodes[unit].unit->service;
    pid_t session = u.session;
    forget_pid(unit);
    if (s.type == ServiceType::forking && u.state == UnitState::starting && !u.timed_out &&
        pid == session && status.success()) {
        // The parent is done; the daemon it left is found by its pid file.
        u.parent_exited = true;
        look_for_pid_file(unit);
        process();
        return;
    }
    u.last_exit = status;

    if (u.state == UnitState::stopping && u.control == ControlPhase::stop) {
        u.exited_during_stop = status;  // exec_stop goes on; handled after it
        changed(unit);
        process();
        return;
    }
    if (u.state == UnitState::stopping) {
        main_stopped(unit, session, status);
        process();
        return;
    }
    if (u.state == UnitState::active && s.type != ServiceType::oneshot &&
        s.kill_mode != KillMode::process && cgroup_populated(unit)) {
        // A daemon that double-forked or called setsid() is still there:
        // the service is up until its cgroup is empty. Not with kill_mode
        // "process": what is left (sshd's sessions) outlives the service by
        // design, and the main process's exit is the service's.
        u.lingering = true;
        u.lingering_exit = status;
        changed(unit);
        process();
        return;
    }
    m_session_to_unit.erase(session);
    if (u.state == UnitState::starting && !status.success())
        kill_cgroup(unit, SIGKILL);  // a failed start leaves nothing behind
    if (u.watchdog_failure) {
        handle_failure(unit, UnitResult::watchdog, *u.watchdog_failure);
    } else if (u.timed_out) {
        handle_failure(unit, UnitResult::timeout,
                       "did not become ready within " + format_duration(s.start_timeout));
    } else if (u.state == UnitState::starting && s.type == ServiceType::oneshot &&
               status.success()) {
        became_ready(unit);
    } else if (u.state == UnitState::starting) {
        handle_failure(unit, status.signal ? UnitResult::signal : UnitResult::exit_code,
                       status.to_string() + " before it was ready");
    } else if (status.success()) {
        handle_failure(unit, UnitResult::success, "");
    } else {
        handle_failure(unit, status.signal ? UnitResult::signal : UnitResult::exit_code,
                       status.to_string());
    }
    process();
}

NotifyOutcome Manager::on_notify(pid_t sender, uid_t sender_uid, const NotifyMessage& message) {
    m_thread.check("Manager::on_notify");
    std::optional<UnitId> unit;
    std::optional<pid_t> session;
    if (auto it = m_pid_to_unit.find(sender); it != m_pid_to_unit.end())
        unit = it->second;
    else if ((session = m_seams.processes.session_of(sender))) {
        if (auto s = m_session_to_unit.find(*session); s != m_session_to_unit.end())
            unit = s->second;
    }
    if (!unit) {
        if (m_spawns_in_flight == 0)
            return {false, "it belongs to no unit"};
        // Perhaps from a service whose spawn is not reported yet: the child
        // can exec and notify before the launcher's worker thread reports.
        // Bounded: anyone may send to the notify socket.
        pid_t key = session.value_or(sender);
        if (m_early_notifications.size() < 1024 || m_early_notifications.count(key)) {
            auto& kept = m_early_notifications[key];
            if (kept.size() < 16)
                kept.emplace_back(sender_uid, message);
        }
        return {true, ""};
    }
    UnitRuntime& u = m_units[*unit];
    const std::string& name = m_graph.nodes[*unit].name;
    // The main process speaks for its unit whatever uid it switched to
    // (dbus-daemon drops to messagebus before READY=1; the kernel vouches
    // for an unprivileged sender's pid). Other processes of its session
    // must run as the unit's user or root.
    if (sender != u.main_pid && sender_uid != 0 && sender_uid != u.uid)
        return {false, "its uid " + std::to_string(sender_uid) + " may not speak for " + name};

    NotifyOutcome outcome{true, ""};
    if (message.status)
        u.status_text = message.status;
    if (message.errno_value)
        u.errno_value = message.errno_value;
    if (message.main_pid && *message.main_pid != u.main_pid) {
        pid_t pid = *message.main_pid;
        if (!is_own_process(*unit, pid)) {
            // Signals follow the main pid: taking any pid here would let a
            // service have PID 1 or another unit's process killed.
            outcome.ignored = "MAINPID=" + std::to_string(pid) + ", not a process of " + name +
                              " (its main pid stays " + std::to_string(u.main_pid) + ")";
        } else {
            if (u.main_pid)
                m_pid_to_unit.erase(u.main_pid);
            u.main_pid = pid;
            m_pid_to_unit[u.main_pid] = *unit;
        }
    }
    if (message.watchdog_pet || message.watchdog_trigger || message.watchdog_usec)
        watchdog_notified(*unit, message);
    bool notify_type = m_graph.nodes[*unit].unit->service->type == ServiceType::notify;
    if (message.ready && u.state == UnitState::starting && notify_type)
        became_ready(*unit);
    // RELOADING=1 … READY=1: a reload in progress, however it was asked for.
    if (notify_type && u.state == UnitState::active) {
        if (message.reloading) {
            // Bounded like a reload fastinit asked for: any process of the
            // unit may send this, and a reload in progress holds WaitUnit
            // and further reloads.
            if (!u.reloading && u.control == ControlPhase::none && u.control_pid == 0 &&
                !u.control_in_flight) {
                const Service& s = *m_graph.nodes[*unit].unit->service;
                m_seams.timers.arm(*unit, TimerKind::control_timeout,
                                   m_seams.time.now() + s.start_timeout);
            }
            u.reloading = true;
            u.reload_failure.clear();
        } else if (message.ready && u.control != ControlPhase::reload) {
            u.reloading = false;
            if (u.control_pid == 0 && !u.control_in_flight)
                m_seams.timers.disarm(*unit, TimerKind::control_timeout);
        }
    }
    changed(*unit);
    process();
    return outcome;
}

// Whether `pid` may become the unit's main process: one of its own, never
// PID 1, the manager, or another unit's process. Services are session
// leaders, so their processes share the session of the first pid, unless
// they left it (setsid); then they still descend from one that did not.
bool Manager::is_own_process(UnitId unit, pid_t pid) {
    const UnitRuntime& u = m_units[unit];
    if (pid <= 1 || pid == m_options.self_pid || u.session <= 1)
        return false;
    auto other_unit = [&](pid_t p) { return belongs_to_other_unit(unit, p); };
    if (other_unit(pid))
        return false;
    if (pid == u.session || pid == u.main_pid)
        return true;
    // Bounded: each step reads /proc, and anyone in the unit can ask.
    pid_t p = pid;
    for (int depth = 0; depth < 32; ++depth) {
        auto session = m_seams.processes.session_of(p);
        if (!session)
            return false;  // gone, or never was
        if (*session == u.session)
            return true;
        auto parent = m_seams.processes.parent_of(p);
        if (!parent || *parent <= 1 || *parent == m_options.self_pid || other_unit(*parent))
            return false;
        if (*parent == u.main_pid)
            return true;
        p = *parent;
    }
    return false;
}

bool Manager::belongs_to_other_unit(UnitId unit, pid_t pid) const {
    auto a = m_pid_to_unit.find(pid);
    auto b = m_session_to_unit.find(pid);
    return (a != m_pid_to_unit.end() && a->second != unit) ||
           (b != m_session_to_unit.end() && b->second != unit);
}

// Whether a forking service's pid file may name `pid`: a process of the
// service by the MAINPID= rule (is_own_process), or, since a daemon that
// double-forks and calls setsid() leaves both its session and its parent,
// an orphan the manager adopted that is no other unit's process. Never the
// parent that has just exited (its pid may be reused).
bool Manager::may_be_daemon(UnitId unit, pid_t pid) {
    const UnitRuntime& u = m_units[unit];
    if (pid <= 1 || pid == m_options.self_pid || pid == u.session ||
        belongs_to_other_unit(unit, pid))
        return false;
    if (is_own_process(unit, pid))
        return true;
    auto parent = m_seams.processes.parent_of(pid);
    return parent && (*parent == 1 || *parent == m_options.self_pid) &&
           m_seams.processes.session_of(pid).has_value();
}

// A forking service's parent has exited 0: the service is ready once its
// pid file names its daemon; until then, look again every kPidFilePoll
// (the daemon may write it after its parent is gone) until start_timeout.
void Manager::look_for_pid_file(UnitId unit) {
    UnitRuntime& u = m_units[unit];
    const Node& node = m_graph.nodes[unit];
    const std::string& path = node.unit->service->pid_file;
    auto text = m_seams.processes.read_pid_file(path);
    if (!text) {
        u.pid_file_problem = text.error().message;
    } else if (auto pid = parse_pid_file(*text); !pid) {
        u.pid_file_problem = path + ": " + pid.error().message;
    } else if (!may_be_daemon(unit, *pid)) {
        u.pid_file_problem = path + " names pid " + std::to_string(*pid) +
                             ", which is not a process of " + node.name;
    } else {
        m_seams.timers.disarm(unit, TimerKind::pid_file_poll);
        u.pid_file_problem.clear();
        u.main_pid = *pid;
        m_pid_to_unit[*pid] = unit;
        became_ready(unit);
        return;
    }
    m_seams.timers.arm(unit, TimerKind::pid_file_poll, m_seams.time.now() + kPidFilePoll);
}

void Manager::forking_timed_out(UnitId unit) {
    UnitRuntime& u = m_units[unit];
    const Service& s = *m_graph.nodes[unit].unit->service;
    u.parent_exited = false;
    m_seams.timers.disarm(unit, TimerKind::pid_file_poll);
    send_signal(-u.session, SIGKILL);  // whatever the parent left in its group
    kill_cgroup(unit, SIGKILL);
    m_session_to_unit.erase(u.session);
    handle_failure(unit, UnitResult::timeout,
                   "no usable pid file within " + format_duration(s.start_timeout) + " (" +
                       u.pid_file_problem + ")");
}

void Manager::on_cgroup_event(UnitId unit) {
    m_thread.check("Manager::on_cgroup_event");
    if (m_units[unit].lingering && !cgroup_populated(unit))
        end_lingering(unit);
    process();
}

// SIGKILL, as a stop that timed out sends it: to the main process alone
// with kill_mode "process", else to it, its group and its cgroup.
void Manager::kill_now(UnitId unit) {
    UnitRuntime& u = m_units[unit];
    if (m_graph.nodes[unit].unit->service->kill_mode == KillMode::process && u.main_pid != 0) {
        if (u.main_pid > 1 && u.main_pid != m_options.self_pid)
            m_seams.processes.kill_process(u.main_pid, SIGKILL);
        return;
    }
    if (u.main_pid != 0)
        send_signal(u.main_pid, SIGKILL);
    kill_cgroup(unit, SIGKILL);
}

bool Manager::cgroup_populated(UnitId unit) {
    return m_seams.cgroups && m_units[unit].in_cgroup &&
           m_seams.cgroups->populated(m_graph.nodes[unit].name);
}

void Manager::kill_cgroup(UnitId unit, int signal) {
    if (m_seams.cgroups && m_units[unit].in_cgroup)
        m_seams.cgroups->kill_all(m_graph.nodes[unit].name, signal);
}

// Every exit the manager reaps might be the last process of a lingering
// unit's cgroup (an escaped daemon is reparented to PID 1 or the subreaper).
void Manager::check_lingering() {
    for (size_t i = 0; i < m_units.size(); ++i)
        if (m_units[i].lingering && !cgroup_populated(i))
            end_lingering(i);
}

// The cgroup of a unit whose main process had exited is empty: the unit is
// down now, as it would have been when the main process exited.
void Manager::end_lingering(UnitId unit) {
    UnitRuntime& u = m_units[unit];
    u.lingering = false;
    m_session_to_unit.erase(u.session);
    if (u.state == UnitState::stopping) {
        went_down(unit, Down{true, UnitState::inactive, UnitResult::success, ""});
        return;
    }
    const ExitStatus& status = u.lingering_exit;
    if (u.watchdog_failure)
        handle_failure(unit, UnitResult::watchdog, *u.watchdog_failure);
    else if (status.success())
        handle_failure(unit, UnitResult::success, "");
    else
        handle_failure(unit, status.signal ? UnitResult::signal : UnitResult::exit_code,
                       status.to_string());
}

// Every signal the manager sends goes through here. Whatever a unit's
// bookkeeping says (a pid from MAINPID=, a session), a signal never goes to
// PID 1 or process group 1, to -1 (every process), to 0 (the manager's own
// group) or to the manager.
void Manager::send_signal(pid_t target, int signal) {
    if (target == std::numeric_limits<pid_t>::min())
        return;  // -target would overflow
    pid_t process = target < 0 ? -target : target;
    if (process <= 1 || process == m_options.self_pid)
        return;
    m_seams.processes.kill(target, signal);
}

void Manager::on_timer(UnitId unit, TimerKind kind) {
    m_thread.check("Manager::on_timer");
    UnitRuntime& u = m_units[unit];
    switch (kind) {
        case TimerKind::restart_delay:
            if (u.state == UnitState::restarting)
                spawn(unit);
            break;
        case TimerKind::device_timeout:
            if (u.state == UnitState::waiting && !u.missing_devices.empty())
                devices_timed_out(unit);
            break;
        case TimerKind::pid_file_poll:
            if (u.state == UnitState::starting && u.parent_exited)
                look_for_pid_file(unit);
            break;
        case TimerKind::start_timeout:
            if (u.state == UnitState::starting && u.parent_exited) {
                forking_timed_out(unit);
            } else if (u.state == UnitState::starting && u.main_pid != 0) {
                u.timed_out = true;
                const Service& s = *m_graph.nodes[unit].unit->service;
                send_signal(u.main_pid, s.kill_signal);
                m_seams.timers.arm(unit, TimerKind::stop_timeout,
                                   m_seams.time.now() + s.stop_timeout);
            }
            break;
        case TimerKind::control_timeout:
            if (u.control_pid != 0) {
                u.control_timed_out = true;
                send_signal(u.control_pid, SIGKILL);
            } else if (u.control_in_flight) {
                // Still being spawned (a slow worker): killed once reported.
                u.control_timed_out = true;
            } else if (u.reloading && u.control == ControlPhase::none) {
                const Service& s = *m_graph.nodes[unit].unit->service;
                u.reloading = false;
                u.reload_failure = "no READY=1 within " + format_duration(s.start_timeout) +
                                   " of the reload's start";
                changed(unit);
            }
            break;
        case TimerKind::watchdog:
            if (watchdog_running(unit))
                watchdog_failed(unit, "watchdog timeout after " + format_duration(u.watchdog) +
                                          " without WATCHDOG=1");
            break;
        case TimerKind::stop_timeout:
            kill_now(unit);
            if (u.lingering && u.state == UnitState::stopping) {
                if (!cgroup_populated(unit))
                    end_lingering(unit);
                else  // cgroup.kill is asynchronous; look again soon
                    m_seams.timers.arm(unit, TimerKind::stop_timeout,
                                       m_seams.time.now() + kLingerRecheck);
            }
            break;
    }
    process();
}

// ---- observation -------------------------------------------------------------

std::string Manager::cgroup_path(UnitId unit) const {
    if (!m_seams.cgroups || !m_units[unit].in_cgroup)
        return "";
    return m_seams.cgroups->path(m_graph.nodes[unit].name);
}

std::vector<std::pair<pid_t, std::string>> Manager::cgroup_processes(UnitId unit) const {
    if (!m_seams.cgroups || !m_units[unit].in_cgroup)
        return {};
    return m_seams.cgroups->processes(m_graph.nodes[unit].name);
}

const char* Manager::job(UnitId unit) const {
    const UnitRuntime& u = m_units[unit];
    if (u.stop_requested || u.state == UnitState::stopping)
        return u.start_after_stop ? "restart" : "stop";
    if (u.start_after_stop)
        return "restart";
    if (u.state == UnitState::waiting || u.state == UnitState::starting ||
        (u.state == UnitState::restarting && !u.ever_ready))
        return "start";
    if (u.reloading)
        return "reload";
    return "";
}

bool Manager::settled() const {
    m_thread.check("Manager::settled");
    for (size_t i = 0; i < m_units.size(); ++i)
        if (is_pending_start(i))
            return false;
    return true;
}

bool Manager::shutdown_complete() const {
    m_thread.check("Manager::shutdown_complete");
    if (!m_shutting_down || m_spawns_in_flight > 0)
        return false;
    for (size_t i = 0; i < m_units.size(); ++i) {
        const UnitRuntime& u = m_units[i];
        // The shutdown job's units have settled (a target or an exited
        // oneshot stays active); every other unit is down.
        bool done = m_shutdown_job[i] ? !is_pending_start(i) && u.state != UnitState::stopping
                                      : is_down(u.state);
        if (!done)
            return false;
    }
    return true;
}

void Manager::changed(UnitId unit) {
    if (m_listener)
        m_listener(unit);
}

}  // namespace fastinit
