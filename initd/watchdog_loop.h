// The hardware watchdog on PID 1's sd-event loop: one timer that calls
// HardwareWatchdog::tick and re-arms itself for when tick says, so petting
// and looking for a late device are both just that timer.
#pragma once

#include <systemd/sd-event.h>

#include "initd/pid1/hardware_watchdog.h"

namespace fastinit {

class WatchdogLoop {
  public:
    // Ticks once now; `watchdog` must outlive this.
    WatchdogLoop(sd_event* event, HardwareWatchdog& watchdog);
    ~WatchdogLoop();
    WatchdogLoop(const WatchdogLoop&) = delete;
    WatchdogLoop& operator=(const WatchdogLoop&) = delete;

  private:
    static int on_time(sd_event_source*, uint64_t usec, void* self);
    void tick();

    HardwareWatchdog& m_watchdog;
    sd_event_source* m_source = nullptr;
};

}  // namespace fastinit
