// The Manager's control processes: a service's exec_start_pre,
// exec_start_post, exec_reload, exec_stop and exec_stop_post, run one after
// another as its control process (the state machine is at the top of
// manager.h). The rule: at most one control process per unit, spawned like
// the main process (same cgroup, user, environment, output), each bounded by
// a timeout after which it is killed and counts as failed.
#include <csignal>
#include <string>

#include "initd/run/manager.h"

namespace fastinit {
namespace {

const char* key_of(ControlPhase phase) {
    switch (phase) {
        case ControlPhase::start_pre:
            return "exec_start_pre";
        case ControlPhase::start_post:
            return "exec_start_post";
        case ControlPhase::reload:
            return "exec_reload";
        case ControlPhase::stop:
            return "exec_stop";
        case ControlPhase::stop_post:
            return "exec_stop_post";
        case ControlPhase::none:
            break;
    }
    return "";
}

}  // namespace

const std::vector<Command>& Manager::commands(UnitId unit, ControlPhase phase) const {
    static const std::vector<Command> kNone;
    const Service& s = *m_graph.nodes[unit].unit->service;
    switch (phase) {
        case ControlPhase::start_pre:
            return s.exec_start_pre;
        case ControlPhase::start_post:
            return s.exec_start_post;
        case ControlPhase::reload:
            return s.exec_reload;
        case ControlPhase::stop:
            return s.exec_stop;
        case ControlPhase::stop_post:
            return s.exec_stop_post;
        case ControlPhase::none:
            break;
    }
    return kNone;
}

void Manager::run_commands(UnitId unit, ControlPhase phase) {
    UnitRuntime& u = m_units[unit];
    u.control = phase;
    u.control_next = 0;
    next_command(unit);
}

void Manager::next_command(UnitId unit) {
    UnitRuntime& u = m_units[unit];
    const auto& list = commands(unit, u.control);
    if (u.control_next >= list.size()) {
        ControlPhase phase = u.control;
        u.control = ControlPhase::none;
        commands_done(unit, phase);
        return;
    }
    const Service& s = *m_graph.nodes[unit].unit->service;
    SpawnRequest request = spawn_request(unit);
    request.argv = list[u.control_next++].argv;
    request.cgroup = u.cgroup_dir;
    // As systemd: `kill -HUP $MAINPID` in an exec_reload or exec_stop.
    if (u.main_pid > 0)
        request.environment.push_back("MAINPID=" + std::to_string(u.main_pid));
    u.control_in_flight = true;
    u.control_timed_out = false;
    ++m_spawns_in_flight;
    bool stopping = u.control == ControlPhase::stop || u.control == ControlPhase::stop_post;
    m_seams.timers.arm(unit, TimerKind::control_timeout,
                       m_seams.time.now() + (stopping ? s.stop_timeout : s.start_timeout));
    m_seams.processes.spawn(unit, std::move(request));
}

void Manager::control_spawned(UnitId unit, pid_t pid) {
    UnitRuntime& u = m_units[unit];
    u.control_in_flight = false;
    u.control_pid = pid;
    m_control_to_unit[pid] = unit;
    if (u.abandon_control) {
        // The unit went down meanwhile (went_down): on with that.
        u.abandon_control = false;
        drop_control(unit);
        Down down = std::move(*u.pending_down);
        u.pending_down.reset();
        went_down(unit, std::move(down));
        return;
    }
    if (u.control_timed_out) {
        send_signal(pid, SIGKILL);  // its time ran out while it was being spawned
        return;
    }
    if (u.stop_requested && u.control != ControlPhase::stop && u.control != ControlPhase::stop_post)
        begin_stop(unit);  // stopped while this was being spawned
}

void Manager::control_spawn_failed(UnitId unit, const Error& error) {
    UnitRuntime& u = m_units[unit];
    u.control_in_flight = false;
    m_seams.timers.disarm(unit, TimerKind::control_timeout);
    if (u.abandon_control) {
        u.abandon_control = false;
        u.control = ControlPhase::none;
        Down down = std::move(*u.pending_down);
        u.pending_down.reset();
        went_down(unit, std::move(down));
        return;
    }
    const Command& command = commands(unit, u.control)[u.control_next - 1];
    if (command.tolerate_failure) {
        next_command(unit);
        return;
    }
    command_failed(unit, UnitResult::exec_failed,
                   std::string(key_of(u.control)) + " failed: " + error.message);
}

void Manager::control_exited(UnitId unit, ExitStatus status) {
    UnitRuntime& u = m_units[unit];
    u.control_pid = 0;
    m_seams.timers.disarm(unit, TimerKind::control_timeout);
    const Command& command = commands(unit, u.control)[u.control_next - 1];
    if (status.success() || (command.tolerate_failure && !u.control_timed_out)) {
        next_command(unit);
        return;
    }
    const Service& s = *m_graph.nodes[unit].unit->service;
    bool stopping = u.control == ControlPhase::stop || u.control == ControlPhase::stop_post;
    std::string what = std::string(key_of(u.control)) + " command " + command.argv[0];
    if (u.control_timed_out)
        command_failed(unit, UnitResult::timeout,
                       what + " did not finish within " +
                           format_duration(stopping ? s.stop_timeout : s.start_timeout));
    else
        command_failed(unit, status.signal ? UnitResult::signal : UnitResult::exit_code,
                       what + " " + status.to_string());
}

// A command of the running phase failed (and was not tolerated).
void Manager::command_failed(UnitId unit, UnitResult result, std::string reason) {
    UnitRuntime& u = m_units[unit];
    ControlPhase phase = u.control;
    u.control = ControlPhase::none;
    switch (phase) {
        case ControlPhase::start_pre:
            // The main process never ran; what the command left goes.
            kill_cgroup(unit, SIGKILL);
            handle_failure(unit, result, std::move(reason));
            break;
        case ControlPhase::start_post:
            // The main process runs: stop it, then the unit has failed.
            u.stop_failure = {result, std::move(reason)};
            stop_processes(unit);
            break;
        case ControlPhase::reload:
            u.reloading = false;
            u.reload_failure = std::move(reason);
            changed(unit);
            break;
        case ControlPhase::stop:
        case ControlPhase::stop_post:
            // Stopping goes on regardless (as in systemd); the failure is
            // the reason the unit settles with.
            u.stop_problem = std::move(reason);
            commands_done(unit, phase);
            break;
        case ControlPhase::none:
            break;
    }
}

// Every command of `phase` has run (or a stop command failed): what follows.
void Manager::commands_done(UnitId unit, ControlPhase phase) {
    UnitRuntime& u = m_units[unit];
    switch (phase) {
        case ControlPhase::start_pre:
            spawn_main(unit);
            break;
        case ControlPhase::start_post:
            mark_ready(unit);
            break;
        case ControlPhase::reload:
            u.reloading = false;
            changed(unit);
            break;
        case ControlPhase::stop:
            if (u.exited_during_stop) {
                ExitStatus status = *u.exited_during_stop;
                u.exited_during_stop.reset();
                main_stopped(unit, u.session, status);
            } else {
                stop_processes(unit);
            }
            break;
        case ControlPhase::stop_post:
            if (u.pending_down) {
                Down down = std::move(*u.pending_down);
                finish_down(unit, std::move(down));
            }
            break;
        case ControlPhase::none:
            break;
    }
}

// Kills the running control process and forgets it (its exit is an orphan's
// then); false when one is being spawned and cannot be killed yet.
bool Manager::drop_control(UnitId unit) {
    UnitRuntime& u = m_units[unit];
    if (u.control_in_flight)
        return false;
    if (u.control_pid != 0) {
        send_signal(u.control_pid, SIGKILL);
        m_control_to_unit.erase(u.control_pid);
        u.control_pid = 0;
    }
    u.control = ControlPhase::none;
    m_seams.timers.disarm(unit, TimerKind::control_timeout);
    return true;
}

}  // namespace fastinit
