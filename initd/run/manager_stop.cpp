// The Manager's way down: stop requests in reverse dependency order,
// exec_stop, kill_signal as kill_mode says, and the one path every running
// unit takes when it goes down (went_down: exec_stop_post, then settle or
// restart). The state machine is at the top of manager.h.
#include <csignal>

#include "initd/run/manager.h"

namespace fastinit {

void Manager::evaluate_stop(UnitId unit) {
    UnitRuntime& u = m_units[unit];
    switch (u.state) {
        case UnitState::inactive:
        case UnitState::failed:
        case UnitState::skipped:
            u.stop_requested = false;
            changed(unit);  // its stop job is over
            finish_stop(unit);
            return;
        case UnitState::waiting:
            u.stop_requested = false;
            settle(unit, UnitState::inactive, UnitResult::cancelled, "stopped before it started");
            finish_stop(unit);
            return;
        case UnitState::restarting:
            u.stop_requested = false;
            settle(unit, UnitState::inactive, UnitResult::cancelled,
                   "stopped while waiting to restart");
            finish_stop(unit);
            return;
        case UnitState::stopping:
            return;
        case UnitState::starting:
        case UnitState::active:
            break;
    }
    // Reverse dependency order: wait for every unit ordered after this one
    // that is also being stopped.
    for (size_t d : m_graph.nodes[unit].dependents) {
        const UnitRuntime& dep = m_units[d];
        if (dep.stop_requested && !is_down(dep.state))
            return;
    }
    begin_stop(unit);
}

void Manager::begin_stop(UnitId unit) {
    UnitRuntime& u = m_units[unit];
    if (u.spawn_in_flight) {
        // on_spawned will see stop_requested and come back here.
        u.state = UnitState::stopping;
        changed(unit);
        return;
    }
    if (u.control_in_flight)
        return;  // control_spawned will see stop_requested and come back here
    if (u.control == ControlPhase::stop || u.control == ControlPhase::stop_post)
        return;  // already on its way down
    bool was_active = u.state == UnitState::active;
    drop_control(unit);  // an exec_start_pre, exec_start_post or exec_reload
    m_seams.timers.disarm(unit, TimerKind::start_timeout);
    m_seams.timers.disarm(unit, TimerKind::watchdog);
    const Unit& def = *m_graph.nodes[unit].unit;
    // exec_stop is for a service that became active and still has
    // something to stop (an exited oneshot counts: it stays active).
    if (was_active && def.service && !def.service->exec_stop.empty() &&
        (u.main_pid != 0 || u.lingering || def.service->type == ServiceType::oneshot)) {
        u.state = UnitState::stopping;
        u.exited_during_stop.reset();
        changed(unit);
        run_commands(unit, ControlPhase::stop);
        return;
    }
    stop_processes(unit);
}

// Signals the unit's processes to stop (kill_signal, as kill_mode says),
// with stop_timeout before SIGKILL; or, when nothing runs, it is down.
void Manager::stop_processes(UnitId unit) {
    UnitRuntime& u = m_units[unit];
    const Unit& def = *m_graph.nodes[unit].unit;
    if (u.main_pid == 0 && u.lingering) {
        // The main process is gone but the cgroup is not: the stop signal
        // goes to every process left in it, and the unit stops once it is
        // empty (check_lingering), by stop_timeout with cgroup.kill.
        const Service& s = *def.service;
        u.state = UnitState::stopping;
        kill_cgroup(unit, s.kill_signal);
        m_seams.timers.arm(unit, TimerKind::stop_timeout, m_seams.time.now() + s.stop_timeout);
        changed(unit);
        return;
    }
    if (u.main_pid == 0) {
        // Nothing runs: a target, an exited oneshot, a service that is gone,
        // or a forking service whose daemon never named itself (whatever its
        // parent left in the process group goes).
        if (u.parent_exited) {
            u.parent_exited = false;
            m_seams.timers.disarm(unit, TimerKind::pid_file_poll);
            send_signal(-u.session, SIGKILL);
            kill_cgroup(unit, SIGKILL);
            m_session_to_unit.erase(u.session);
        }
        went_down(unit, Down{true, UnitState::inactive,
                             u.result == UnitResult::none ? UnitResult::success : u.result, ""});
        return;
    }
    const Service& s = *def.service;
    u.state = UnitState::stopping;
    signal_for_stop(unit, s.kill_signal);
    m_seams.timers.arm(unit, TimerKind::stop_timeout, m_seams.time.now() + s.stop_timeout);
    changed(unit);
}

// kill_mode: control-group signals every process of the cgroup (and the
// main process's group without one); mixed and process the main process
// alone (for mixed, what else runs goes with SIGKILL once it has exited).
void Manager::signal_for_stop(UnitId unit, int signal) {
    UnitRuntime& u = m_units[unit];
    const Service& s = *m_graph.nodes[unit].unit->service;
    switch (s.kill_mode) {
        case KillMode::control_group:
            // Once each: the cgroup holds the main process and its group,
            // and a shell given SIGINT twice would take the second for a
            // second ^C.
            if (m_seams.cgroups && u.in_cgroup)
                kill_cgroup(unit, signal);
            else
                send_signal(u.main_pid, signal);
            break;
        case KillMode::mixed:
        case KillMode::process:
            if (u.main_pid > 1 && u.main_pid != m_options.self_pid)
                m_seams.processes.kill_process(u.main_pid, signal);
            break;
    }
}

// The unit is down: let its predecessors stop, and start it again if a
// restart asked for that.
void Manager::finish_stop(UnitId unit) {
    UnitRuntime& u = m_units[unit];
    m_seams.timers.disarm(unit, TimerKind::stop_timeout);
    enqueue_all(m_graph.nodes[unit].after);
    if (u.start_after_stop && !m_shutting_down) {
        u.start_after_stop = false;
        (void)start(m_graph.nodes[unit].name);
    }
}

// A running unit went down (stopped, exited, failed to start): its
// exec_stop_post runs first, if it has any, then the unit settles or the
// restart policy decides.
void Manager::went_down(UnitId unit, Down down) {
    UnitRuntime& u = m_units[unit];
    m_seams.timers.disarm(unit, TimerKind::watchdog);
    if (down.stopped && u.stop_failure) {
        // exec_start_post failed and the unit was stopped for it.
        down = Down{false, UnitState::failed, u.stop_failure->first, u.stop_failure->second};
        u.stop_failure.reset();
    }
    if (u.control_in_flight) {
        // Its control process is not reported yet: it is killed then, and
        // this goes on (control_spawned).
        u.abandon_control = true;
        u.pending_down = std::move(down);
        return;
    }
    drop_control(unit);
    const Unit& def = *m_graph.nodes[unit].unit;
    if (u.ran && def.service && !def.service->exec_stop_post.empty()) {
        u.ran = false;
        u.pending_down = std::move(down);
        u.state = UnitState::stopping;
        changed(unit);
        run_commands(unit, ControlPhase::stop_post);
        return;
    }
    finish_down(unit, std::move(down));
}

void Manager::finish_down(UnitId unit, Down down) {
    UnitRuntime& u = m_units[unit];
    u.ran = false;
    u.pending_down.reset();
    u.reloading = false;
    if (down.stopped && down.reason.empty())
        down.reason = std::move(u.stop_problem);  // a failed exec_stop says why
    u.stop_problem.clear();
    if (down.stopped || u.stop_requested) {
        u.stop_requested = false;
        if (!down.stopped)
            down.state =
                down.result == UnitResult::success ? UnitState::inactive : UnitState::failed;
        settle(unit, down.state, down.result, std::move(down.reason));
        finish_stop(unit);
        return;
    }
    apply_restart_policy(unit, down.result, std::move(down.reason));
}

// The main process of a stopping unit has exited. Whatever else the service
// left in its process group and its cgroup goes too (unless kill_mode is
// "process"); with a cgroup, it is down once that is empty.
void Manager::main_stopped(UnitId unit, pid_t session, ExitStatus status) {
    UnitRuntime& u = m_units[unit];
    if (m_graph.nodes[unit].unit->service->kill_mode != KillMode::process) {
        send_signal(-session, SIGKILL);
        kill_cgroup(unit, SIGKILL);
        if (cgroup_populated(unit)) {
            u.lingering = true;
            u.lingering_exit = status;
            changed(unit);
            return;
        }
    }
    m_session_to_unit.erase(session);
    went_down(unit, Down{true, UnitState::inactive, UnitResult::success, ""});
}

}  // namespace fastinit
