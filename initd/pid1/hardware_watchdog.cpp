#include "initd/pid1/hardware_watchdog.h"

#include <algorithm>

#include "base/log.h"

namespace fastinit {

namespace {

using std::chrono::seconds;

// Looking for a late device: often while stage 2 loads drivers, then rarely.
constexpr auto kEarlyLook = seconds(1);
constexpr auto kLateLook = seconds(10);
constexpr auto kEarlyPeriod = std::chrono::minutes(1);

// WDIOC_SETTIMEOUT takes whole seconds: a timeout is rounded up, never down
// (a shorter one could fire between two pets).
int whole_seconds(Duration timeout) {
    auto s = std::chrono::ceil<seconds>(timeout).count();
    return static_cast<int>(std::clamp<decltype(s)>(s, 1, 366 * 24 * 3600));
}

bool reboots(PowerAction action) {
    return action == PowerAction::reboot || action == PowerAction::kexec;
}

}  // namespace

HardwareWatchdog::HardwareWatchdog(WatchdogOps& ops, WatchdogSettings settings, TimePoint now)
    : m_ops(ops), m_settings(std::move(settings)), m_started(now) {
    m_status.state = m_settings.runtime > Duration::zero() ? "waiting for a device" : "off";
}

std::optional<Duration> HardwareWatchdog::tick(TimePoint now) {
    if (m_settings.runtime <= Duration::zero())
        return std::nullopt;
    if (m_fd < 0) {
        if (!open_device())
            return now - m_started < kEarlyPeriod ? kEarlyLook : kLateLook;
        set_timeout(m_settings.runtime);
        m_status.state = "running";
    }
    pet(now);
    // Half the timeout the driver took; each second when that is unknown
    // (it refused ours, and its own may be short).
    if (m_status.timeout_seconds <= 0)
        return Duration(seconds(1));
    return std::chrono::duration_cast<Duration>(seconds(m_status.timeout_seconds)) / 2;
}

void HardwareWatchdog::prepare_final(PowerAction action, TimePoint now) {
    bool arm =
        m_settings.reboot > Duration::zero() && (reboots(action) || m_settings.arm_at_poweroff);
    if (!arm) {
        disarm();
        m_status.state = std::string("disarmed for ") + verb(action);
        return;
    }
    if (m_fd < 0 && !open_device())
        return;  // none yet (or it would not open): nothing to arm
    if (!set_timeout(m_settings.reboot))
        log::warning("watchdog: keeping its timeout of ", m_status.timeout_seconds, " s for the ",
                     verb(action));
    pet(now);
    m_status.state = std::string("armed for ") + verb(action);
    log::info("watchdog: ", m_status.device, " stays armed through the ", verb(action), " (",
              m_status.timeout_seconds, " s)");
    if (reboots(action) && m_ops.stop_on_reboot().value_or(0) != 0)
        log::warning("watchdog: the kernel may stop ", m_status.device, " at the ", verb(action),
                     " (its driver may ask to): watchdog.stop_on_reboot=0 on the kernel "
                     "command line keeps it armed");
}

void HardwareWatchdog::last_pet(TimePoint now) {
    if (m_fd >= 0)
        pet(now);
}

bool HardwareWatchdog::open_device() {
    std::string path = m_settings.device;
    if (path.empty()) {
        for (const char* candidate : kWatchdogDevices)
            if (m_ops.exists(candidate)) {
                path = candidate;
                break;
            }
    } else if (!m_ops.exists(path)) {
        path.clear();
    }
    if (path.empty())
        return false;
    auto fd = m_ops.open(path);
    if (!fd) {
        problem(fd.error().message);
        return false;
    }
    m_fd = *fd;
    m_status.device = path;
    auto identity = m_ops.identity(m_fd);
    m_status.identity = identity ? *identity : "";
    log::info("watchdog: opened ", path,
              m_status.identity.empty() ? "" : " (" + m_status.identity + ")");
    return true;
}

bool HardwareWatchdog::set_timeout(Duration timeout) {
    int asked = whole_seconds(timeout);
    auto set = m_ops.set_timeout(m_fd, asked);
    if (!set) {
        problem(m_status.device + ": cannot set a timeout of " + std::to_string(asked) +
                " s: " + set.error().message);
        return false;
    }
    if (*set != asked)
        log::info("watchdog: ", m_status.device, " took a timeout of ", *set, " s for ", asked,
                  " s");
    m_status.timeout_seconds = *set;
    return true;
}

void HardwareWatchdog::pet(TimePoint now) {
    auto done = m_ops.keepalive(m_fd);
    if (!done) {
        problem(m_status.device + ": " + done.error().message);
        return;
    }
    m_status.last_pet = now;
}

void HardwareWatchdog::disarm() {
    if (m_fd < 0)
        return;
    auto done = m_ops.disarm_and_close(m_fd);
    m_fd = -1;
    if (!done)
        problem(m_status.device + ": " + done.error().message + " (it may still be armed)");
    else
        log::info("watchdog: ", m_status.device, " disarmed");
}

// Each failure once in the log: a device that keeps refusing is retried
// on every tick.
void HardwareWatchdog::problem(std::string text) {
    if (text == m_status.problem)
        return;
    log::warning("watchdog: ", text);
    m_status.problem = std::move(text);
}

}  // namespace fastinit
