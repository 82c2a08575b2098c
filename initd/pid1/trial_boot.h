// PID 1's side of a trial boot (base/trial_boot.h): the deadline by which
// `fastinit bless` must confirm this boot, and what happens at it. The rule:
// when in doubt, reboot through the firmware; a trial is never left to run
// on unconfirmed. Time and the state file are parameters, so this is plain
// logic; initd/trial_loop.h puts it on the event loop.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "base/duration.h"
#include "base/result.h"
#include "base/trial_boot.h"

namespace fastinit {

class TrialBoot {
  public:
    using Clock = std::chrono::steady_clock;
    // Writes RUNTIME/trial; its failure is logged, never fatal (the
    // deadline is kept in memory).
    using StateWriter = std::function<Result<void>(const std::string& text)>;

    // Starts the trial at `now` (writes the state: unblessed).
    TrialBoot(Duration deadline, Clock::time_point now, int64_t now_epoch, StateWriter write);

    Clock::time_point deadline() const { return m_deadline; }
    const TrialState& state() const { return m_state; }

    // `fastinit bless`: the sentence to answer, or an Error when it is too
    // late (the deadline passed; the reboot is under way).
    Result<std::string> bless();

    // The deadline came: true when the boot was not blessed and must now
    // reboot through the firmware (the state says expired).
    bool expire();

  private:
    void write_state();

    Clock::time_point m_deadline;
    TrialState m_state;
    StateWriter m_write;
};

}  // namespace fastinit
