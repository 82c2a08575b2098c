// PID 1's hardware watchdog over fake ioctls: a device that appears late is
// found, petted at half the timeout the driver took; before the final
// action the reboot timeout is set and the device left armed (no magic
// close) for a reboot or kexec, and disarmed for power-off unless asked.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "initd/pid1/hardware_watchdog.h"

namespace fastinit {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using TimePoint = HardwareWatchdog::TimePoint;

class FakeWatchdogOps : public WatchdogOps {
  public:
    bool exists(const std::string& path) override { return devices.count(path) > 0; }
    Result<int> open(const std::string& path) override {
        calls.push_back("open " + path);
        if (refuse_open)
            return Error{"cannot open " + path + ": Device or resource busy", EBUSY};
        return 7;
    }
    Result<std::string> identity(int) override { return std::string("i6300ESB timer"); }
    Result<int> set_timeout(int fd, int seconds) override {
        calls.push_back("timeout " + std::to_string(seconds) + " fd " + std::to_string(fd));
        if (refuse_timeout)
            return Error{"WDIOC_SETTIMEOUT: Invalid argument", EINVAL};
        return max_timeout ? std::min(seconds, max_timeout) : seconds;
    }
    Result<void> keepalive(int) override {
        calls.push_back("pet");
        return {};
    }
    Result<void> disarm_and_close(int) override {
        calls.push_back("magic close");
        return {};
    }
    std::optional<int> stop_on_reboot() override { return stop; }

    std::set<std::string> devices = {"/dev/watchdog0"};  // what exists
    std::vector<std::string> calls;
    bool refuse_open = false;
    bool refuse_timeout = false;
    int max_timeout = 0;
    std::optional<int> stop = 0;
};

const TimePoint kStart{std::chrono::hours(1)};

WatchdogSettings running(Duration runtime = 30s) {
    WatchdogSettings s;
    s.runtime = runtime;
    return s;
}

TEST(HardwareWatchdog, OffWhenNoRuntimeTimeout) {
    FakeWatchdogOps ops;
    HardwareWatchdog w(ops, WatchdogSettings{}, kStart);
    EXPECT_FALSE(w.tick(kStart).has_value());
    EXPECT_TRUE(ops.calls.empty());
    EXPECT_EQ(w.status().state, "off");
}

TEST(HardwareWatchdog, FindsALateDeviceThenPetsAtHalfTheTimeout) {
    FakeWatchdogOps ops;
    ops.devices.clear();
    HardwareWatchdog w(ops, running(), kStart);
    EXPECT_EQ(w.tick(kStart), Duration(1s)) << "looks again soon while drivers load";
    EXPECT_EQ(w.tick(kStart + 2min), Duration(10s)) << "then rarely";
    EXPECT_EQ(w.status().state, "waiting for a device");
    EXPECT_TRUE(ops.calls.empty());

    ops.devices = {"/dev/watchdog", "/dev/watchdog0"};  // the driver came
    TimePoint now = kStart + 3min;
    EXPECT_EQ(w.tick(now), Duration(15s));
    EXPECT_THAT(ops.calls, ElementsAre("open /dev/watchdog0", "timeout 30 fd 7", "pet"));
    EXPECT_EQ(w.status().device, "/dev/watchdog0");
    EXPECT_EQ(w.status().identity, "i6300ESB timer");
    EXPECT_EQ(w.status().timeout_seconds, 30);
    EXPECT_EQ(w.status().last_pet, now);
    EXPECT_EQ(w.status().state, "running");
    EXPECT_EQ(w.tick(now + 15s), Duration(15s));
    EXPECT_EQ(ops.calls.back(), "pet");
    EXPECT_EQ(ops.calls.size(), 4u) << "opened once";
}

TEST(HardwareWatchdog, PetsAtHalfWhatTheDriverTookAndRoundsUp) {
    FakeWatchdogOps ops;
    ops.max_timeout = 10;
    HardwareWatchdog w(ops, running(1500ms), kStart);
    EXPECT_EQ(w.tick(kStart), Duration(1s));
    EXPECT_EQ(ops.calls[1], "timeout 2 fd 7") << "1.5 s asks for 2 s, never 1";
    HardwareWatchdog capped(ops, running(60s), kStart);
    EXPECT_EQ(capped.tick(kStart), Duration(5s)) << "the driver's 10 s, halved";
}

TEST(HardwareWatchdog, ARefusedTimeoutMeansPettingEverySecond) {
    FakeWatchdogOps ops;
    ops.refuse_timeout = true;
    HardwareWatchdog w(ops, running(), kStart);
    EXPECT_EQ(w.tick(kStart), Duration(1s));
    EXPECT_THAT(w.status().problem, HasSubstr("cannot set a timeout of 30 s"));
    EXPECT_EQ(ops.calls.back(), "pet");
}

TEST(HardwareWatchdog, ABusyDeviceIsTriedAgain) {
    FakeWatchdogOps ops;
    ops.refuse_open = true;
    HardwareWatchdog w(ops, running(), kStart);
    EXPECT_EQ(w.tick(kStart), Duration(1s));
    EXPECT_THAT(w.status().problem, HasSubstr("busy"));
    ops.refuse_open = false;
    EXPECT_EQ(w.tick(kStart + 1s), Duration(15s));
    EXPECT_EQ(w.status().device, "/dev/watchdog0");
}

TEST(HardwareWatchdog, TheConfiguredDeviceOnly) {
    FakeWatchdogOps ops;
    WatchdogSettings s = running();
    s.device = "/dev/watchdog1";
    HardwareWatchdog w(ops, s, kStart);
    EXPECT_EQ(w.tick(kStart), Duration(1s));
    EXPECT_TRUE(ops.calls.empty());
    ops.devices.insert("/dev/watchdog1");
    w.tick(kStart + 1s);
    EXPECT_EQ(ops.calls.front(), "open /dev/watchdog1");
}

TEST(HardwareWatchdog, RebootAndKexecLeaveItArmedWithTheRebootTimeout) {
    for (PowerAction action : {PowerAction::reboot, PowerAction::kexec}) {
        FakeWatchdogOps ops;
        HardwareWatchdog w(ops, running(), kStart);
        w.tick(kStart);
        ops.calls.clear();
        w.prepare_final(action, kStart + 1s);
        EXPECT_THAT(ops.calls, ElementsAre("timeout 600 fd 7", "pet")) << verb(action);
        EXPECT_EQ(w.status().state, std::string("armed for ") + verb(action));
        w.last_pet(kStart + 5s);
        EXPECT_EQ(ops.calls.back(), "pet");
        EXPECT_EQ(w.status().last_pet, kStart + 5s);
    }
}

TEST(HardwareWatchdog, ARebootWatchdogNeedsNoRuntimeOne) {
    FakeWatchdogOps ops;
    ops.devices = {"/dev/watchdog"};
    WatchdogSettings s;  // runtime off, reboot 10 min
    HardwareWatchdog w(ops, s, kStart);
    EXPECT_FALSE(w.tick(kStart));
    w.prepare_final(PowerAction::kexec, kStart);
    EXPECT_THAT(ops.calls, ElementsAre("open /dev/watchdog", "timeout 600 fd 7", "pet"));
}

TEST(HardwareWatchdog, PoweroffDisarmsUnlessAsked) {
    for (PowerAction action : {PowerAction::poweroff, PowerAction::halt}) {
        FakeWatchdogOps ops;
        HardwareWatchdog w(ops, running(), kStart);
        w.tick(kStart);
        w.prepare_final(action, kStart);
        EXPECT_EQ(ops.calls.back(), "magic close") << verb(action);
        w.last_pet(kStart + 1s);
        EXPECT_EQ(ops.calls.back(), "magic close") << "nothing after the close";

        FakeWatchdogOps kept_ops;
        WatchdogSettings s = running();
        s.arm_at_poweroff = true;
        HardwareWatchdog kept(kept_ops, s, kStart);
        kept.tick(kStart);
        kept.prepare_final(action, kStart);
        EXPECT_THAT(kept_ops.calls, ::testing::Not(::testing::Contains("magic close")));
        EXPECT_EQ(kept_ops.calls.back(), "pet");
    }
}

TEST(HardwareWatchdog, ZeroRebootTimeoutDisarmsBeforeAReboot) {
    FakeWatchdogOps ops;
    WatchdogSettings s = running();
    s.reboot = Duration(0);
    HardwareWatchdog w(ops, s, kStart);
    w.tick(kStart);
    w.prepare_final(PowerAction::kexec, kStart);
    EXPECT_EQ(ops.calls.back(), "magic close");
    EXPECT_EQ(w.status().state, "disarmed for kexec");
}

}  // namespace
}  // namespace fastinit
