// The hardware watchdog, as PID 1 of a real boot uses it. Rule: while the
// system runs, PID 1 pets it from its event loop every half of `runtime`,
// so a PID 1 (or a kernel) that stops answering resets the machine; before
// the final reboot or kexec it sets `reboot` and leaves it armed (no magic
// close), so a shutdown, a kexec'd kernel or a firmware reboot that hangs is
// reset too. Power-off and halt disarm it (magic close) unless
// arm_at_poweroff says otherwise. Nothing here may stop PID 1: every failure
// is logged once and the watchdog left as it is.
//
// The device is the first of /dev/watchdog0 and /dev/watchdog that exists
// (or `device`). Its driver may come late (stage 2 loads it from the device
// cache), so until it appears tick() looks again: every second for the
// first minute, every ten seconds after. The ioctls are behind WatchdogOps,
// faked in unit tests.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/duration.h"
#include "base/power_action.h"
#include "base/result.h"

namespace fastinit {

struct WatchdogSettings {
    Duration runtime{0};                         // 0: not opened while the system runs
    Duration reboot = std::chrono::minutes(10);  // 0: disarmed before the final action
    std::string device;                          // "": the first of kWatchdogDevices
    bool arm_at_poweroff = false;
};

inline constexpr const char* kWatchdogDevices[] = {"/dev/watchdog0", "/dev/watchdog"};

class WatchdogOps {
  public:
    virtual ~WatchdogOps() = default;
    virtual bool exists(const std::string& path) = 0;
    // An fd for the device (opening it starts the timer).
    virtual Result<int> open(const std::string& path) = 0;
    // WDIOC_GETSUPPORT's identity ("i6300ESB timer").
    virtual Result<std::string> identity(int fd) = 0;
    // WDIOC_SETTIMEOUT: returns the timeout the driver chose, in seconds.
    virtual Result<int> set_timeout(int fd, int seconds) = 0;
    // WDIOC_KEEPALIVE.
    virtual Result<void> keepalive(int fd) = 0;
    // Writes the magic 'V' and closes: the driver stops the timer.
    virtual Result<void> disarm_and_close(int fd) = 0;
    // The kernel's watchdog.stop_on_reboot (-1: as the driver asks, which
    // is often to stop at reboot and kexec); nothing when unknown.
    virtual std::optional<int> stop_on_reboot() = 0;
};

WatchdogOps& system_watchdog_ops();

// What `fastinit status` shows.
struct WatchdogStatus {
    std::string device;    // open device, "" when none
    std::string identity;  // as the driver names itself
    int timeout_seconds = 0;
    std::optional<std::chrono::steady_clock::time_point> last_pet;
    std::string state;    // "off", "waiting for a device", "running", "armed for reboot", ...
    std::string problem;  // the last failure, "" when none
};

class HardwareWatchdog {
  public:
    using TimePoint = std::chrono::steady_clock::time_point;

    HardwareWatchdog(WatchdogOps& ops, WatchdogSettings settings, TimePoint now);

    // From the event loop: opens the device once it exists, pets it.
    // Returns how long until the next call; nothing: no more calls needed.
    std::optional<Duration> tick(TimePoint now);
    // Once every unit has stopped, before the final stage: arms it with
    // `reboot` for a reboot or kexec (and for power-off and halt with
    // arm_at_poweroff), else disarms it.
    void prepare_final(PowerAction action, TimePoint now);
    // Right before reboot(2): one last pet, so the whole `reboot` timeout
    // is left for what comes after the jump.
    void last_pet(TimePoint now);

    const WatchdogStatus& status() const { return m_status; }
    const WatchdogSettings& settings() const { return m_settings; }

  private:
    bool open_device();
    bool set_timeout(Duration timeout);
    void pet(TimePoint now);
    void disarm();
    void problem(std::string text);

    WatchdogOps& m_ops;
    WatchdogSettings m_settings;
    TimePoint m_started;
    int m_fd = -1;
    WatchdogStatus m_status;
};

}  // namespace fastinit
