#include "initd/run/unit_state.h"

namespace fastinit {

const char* to_string(UnitState state) {
    switch (state) {
        case UnitState::inactive:
            return "inactive";
        case UnitState::waiting:
            return "waiting";
        case UnitState::starting:
            return "starting";
        case UnitState::active:
            return "active";
        case UnitState::stopping:
            return "stopping";
        case UnitState::restarting:
            return "restarting";
        case UnitState::failed:
            return "failed";
        case UnitState::skipped:
            return "skipped";
    }
    return "?";
}

const char* to_string(UnitResult result) {
    switch (result) {
        case UnitResult::none:
            return "";
        case UnitResult::success:
            return "success";
        case UnitResult::exit_code:
            return "exit-code";
        case UnitResult::signal:
            return "signal";
        case UnitResult::timeout:
            return "timeout";
        case UnitResult::exec_failed:
            return "exec-failed";
        case UnitResult::start_limit_hit:
            return "start-limit-hit";
        case UnitResult::dependency:
            return "dependency";
        case UnitResult::condition:
            return "condition";
        case UnitResult::missing:
            return "missing";
        case UnitResult::broken:
            return "broken";
        case UnitResult::cancelled:
            return "cancelled";
        case UnitResult::watchdog:
            return "watchdog";
    }
    return "?";
}

}  // namespace fastinit
