// The vocabulary the manager decides with: where a unit is (UnitState), how
// its last start job or run ended (UnitResult), and which unit (UnitId).
// Decisions compare these enums; their words exist only at the edges (the
// bus, boot.json, the client's output), through to_string.
#pragma once

#include <cstddef>

namespace fastinit {

// A unit is its index in the Graph (graph.nodes[id]) for as long as the
// manager runs: every seam names units this way.
using UnitId = size_t;

enum class UnitState { inactive, waiting, starting, active, stopping, restarting, failed, skipped };

const char* to_string(UnitState state);

// Down: not running and not on its way up or down; what a stop waits for
// and what a shutdown ends with.
constexpr bool is_down(UnitState state) {
    return state == UnitState::inactive || state == UnitState::failed ||
           state == UnitState::skipped;
}

enum class UnitResult {
    none,             // no start job has ended yet ("")
    success,          // "success"
    exit_code,        // "exit-code": exited with a status other than 0
    signal,           // "signal": killed by a signal
    timeout,          // "timeout": not ready within start_timeout
    exec_failed,      // "exec-failed": its program could not be started
    start_limit_hit,  // "start-limit-hit": started too often
    dependency,       // "dependency": a unit it requires failed
    condition,        // "condition": one of its own conditions is false
    missing,          // "missing": no unit file of that name
    broken,           // "broken": a unit file that does not parse, a cycle
    cancelled,        // "cancelled": stopped before it ran
    watchdog,         // "watchdog": did not pet its watchdog in time, or triggered it
};

const char* to_string(UnitResult result);

}  // namespace fastinit
