#include "initd/pid1/trial_boot.h"

#include <cerrno>

#include "base/log.h"

namespace fastinit {

TrialBoot::TrialBoot(Duration deadline, Clock::time_point now, int64_t now_epoch, StateWriter write)
    : m_deadline(now + deadline), m_write(std::move(write)) {
    auto seconds = std::chrono::ceil<std::chrono::seconds>(deadline).count();
    m_state.deadline_seconds = seconds;
    m_state.deadline_epoch = now_epoch + seconds;
    write_state();
}

Result<std::string> TrialBoot::bless() {
    switch (m_state.status) {
        case TrialStatus::blessed:
            return std::string("this trial boot was blessed already");
        case TrialStatus::expired:
            return Error{"too late: the trial boot was not blessed within " +
                             std::to_string(m_state.deadline_seconds) +
                             " s and is rebooting through the firmware",
                         ETIME};
        case TrialStatus::unblessed:
            break;
    }
    m_state.status = TrialStatus::blessed;
    write_state();
    log::info("trial boot blessed: this kernel stays");
    return std::string("trial boot blessed");
}

bool TrialBoot::expire() {
    if (m_state.status != TrialStatus::unblessed)
        return false;
    m_state.status = TrialStatus::expired;
    write_state();
    log::error("trial boot not blessed within ", m_state.deadline_seconds,
               " s (`fastinit bless`): rebooting through the firmware into what the boot "
               "loader chooses");
    return true;
}

void TrialBoot::write_state() {
    if (!m_write)
        return;
    if (auto written = m_write(format_trial_state(m_state)); !written)
        log::warning("trial boot: ", written.error().message);
}

}  // namespace fastinit
