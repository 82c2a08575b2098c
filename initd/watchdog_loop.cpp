#include "initd/watchdog_loop.h"

#include <cstring>

#include "base/log.h"

namespace fastinit {

WatchdogLoop::WatchdogLoop(sd_event* event, HardwareWatchdog& watchdog) : m_watchdog(watchdog) {
    int r = sd_event_add_time(event, &m_source, CLOCK_MONOTONIC, 0, 0, on_time, this);
    if (r < 0) {
        log::error("watchdog: cannot add a timer: ", std::strerror(-r));
        m_source = nullptr;
        return;
    }
    tick();
}

WatchdogLoop::~WatchdogLoop() {
    sd_event_source_disable_unref(m_source);
}

int WatchdogLoop::on_time(sd_event_source*, uint64_t, void* self) {
    static_cast<WatchdogLoop*>(self)->tick();
    return 0;
}

void WatchdogLoop::tick() {
    auto next = m_watchdog.tick(std::chrono::steady_clock::now());
    if (!m_source)
        return;
    if (!next) {
        sd_event_source_set_enabled(m_source, SD_EVENT_OFF);
        return;
    }
    // steady_clock is CLOCK_MONOTONIC, as the source's clock.
    auto due = std::chrono::steady_clock::now() + *next;
    auto usec = std::chrono::duration_cast<std::chrono::microseconds>(due.time_since_epoch());
    sd_event_source_set_time(m_source, static_cast<uint64_t>(usec.count()));
    sd_event_source_set_enabled(m_source, SD_EVENT_ONESHOT);
}

}  // namespace fastinit
