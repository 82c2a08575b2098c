#include "initd/trial_loop.h"

#include <cstring>

#include "base/log.h"

namespace fastinit {

TrialLoop::TrialLoop(sd_event* event, TrialBoot& trial, std::function<void()> expired)
    : m_trial(trial), m_expired(std::move(expired)) {
    // steady_clock is CLOCK_MONOTONIC, as the source's clock.
    auto usec =
        std::chrono::duration_cast<std::chrono::microseconds>(trial.deadline().time_since_epoch());
    int r = sd_event_add_time(event, &m_source, CLOCK_MONOTONIC,
                              static_cast<uint64_t>(std::max<int64_t>(usec.count(), 1)), 0, on_time,
                              this);
    if (r < 0) {
        // Without a timer nothing would end an unblessed trial: end it now,
        // through the firmware, rather than leave it running unconfirmed.
        log::error("trial boot: cannot add a timer: ", std::strerror(-r));
        m_source = nullptr;
        if (m_trial.expire())
            m_expired();
    }
}

TrialLoop::~TrialLoop() {
    sd_event_source_disable_unref(m_source);
}

int TrialLoop::on_time(sd_event_source*, uint64_t, void* self) {
    auto* loop = static_cast<TrialLoop*>(self);
    if (loop->m_trial.expire())
        loop->m_expired();
    return 0;
}

}  // namespace fastinit
