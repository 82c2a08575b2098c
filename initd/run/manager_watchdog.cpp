// The service watchdog: a service that asked for one (watchdog = "…" or
// WATCHDOG_USEC=) pets it with WATCHDOG=1; a deadline missed, or
// WATCHDOG=trigger, kills it as a stop that timed out would, and the unit
// fails with result `watchdog` once its main process is gone, so the restart
// policy decides. Only notifications the manager tied to the unit's own
// processes get here (on_notify), as for READY=1.
#include <algorithm>
#include <cstdint>

#include "initd/run/manager.h"

namespace fastinit {

namespace {

// As far as a unit file's durations go (base/duration.h): a hostile
// WATCHDOG_USEC cannot push a deadline past what the clock can hold.
constexpr Duration kMaxWatchdog = std::chrono::hours(366 * 24);

// The watchdog counts while the main process runs and the unit is on its
// way up or up, not once it is being stopped or has failed for it.
bool watchable(const UnitRuntime& u) {
    return u.main_pid != 0 && !u.stop_requested && !u.watchdog_failure &&
           (u.state == UnitState::starting || u.state == UnitState::active);
}

}  // namespace

bool Manager::watchdog_running(UnitId unit) const {
    const UnitRuntime& u = m_units[unit];
    return u.watchdog > Duration::zero() && watchable(u);
}

// (Re)starts the countdown from now, or stops it when nothing is watched.
void Manager::arm_watchdog(UnitId unit) {
    UnitRuntime& u = m_units[unit];
    if (!watchdog_running(unit)) {
        m_seams.timers.disarm(unit, TimerKind::watchdog);
        return;
    }
    TimePoint now = m_seams.time.now();
    u.watchdog_pet_at = now;
    m_seams.timers.arm(unit, TimerKind::watchdog, now + u.watchdog);
}

void Manager::watchdog_notified(UnitId unit, const NotifyMessage& message) {
    UnitRuntime& u = m_units[unit];
    // A trigger or pet counts only while the watchdog runs; a new timeout
    // may also turn it on for a running service that had none.
    if (!watchable(u))
        return;
    if (message.watchdog_trigger && watchdog_running(unit)) {
        watchdog_failed(unit, "watchdog triggered by the service (WATCHDOG=trigger)");
        return;
    }
    if (message.watchdog_usec) {
        uint64_t usec = std::min<uint64_t>(*message.watchdog_usec, kMaxWatchdog.count());
        u.watchdog = Duration(static_cast<Duration::rep>(usec));
        arm_watchdog(unit);
    } else if (message.watchdog_pet) {
        arm_watchdog(unit);
    }
}

void Manager::watchdog_failed(UnitId unit, std::string reason) {
    UnitRuntime& u = m_units[unit];
    u.watchdog_failure = std::move(reason);
    m_seams.timers.disarm(unit, TimerKind::watchdog);
    m_seams.timers.disarm(unit, TimerKind::start_timeout);
    kill_now(unit);
    changed(unit);
}

}  // namespace fastinit
