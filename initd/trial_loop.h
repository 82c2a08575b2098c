// A trial boot's deadline on PID 1's sd-event loop: one timer that, unless
// the boot was blessed by then, asks the supervisor for a firmware reboot
// (the orderly one: units stop, disks are synced; the hardware watchdog
// armed before the final call covers a shutdown that hangs).
#pragma once

#include <systemd/sd-event.h>

#include <functional>

#include "initd/pid1/trial_boot.h"

namespace fastinit {

class TrialLoop {
  public:
    // `trial` must outlive this; `expired` is called once, at the deadline,
    // when the trial was not blessed.
    TrialLoop(sd_event* event, TrialBoot& trial, std::function<void()> expired);
    ~TrialLoop();
    TrialLoop(const TrialLoop&) = delete;
    TrialLoop& operator=(const TrialLoop&) = delete;

  private:
    static int on_time(sd_event_source*, uint64_t usec, void* self);

    TrialBoot& m_trial;
    std::function<void()> m_expired;
    sd_event_source* m_source = nullptr;
};

}  // namespace fastinit
