// The service watchdog in the manager's state machine, driven through fakes:
// what a service with one is started with, pets that move its deadline,
// WATCHDOG_USEC= and WATCHDOG=trigger, a missed deadline that kills it and
// fails it (the restart policy applies), and notifications from processes
// that are not the service's, which must change nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

#include "initd/run/notify_message.h"
#include "tests/unit/fakes.h"

namespace fastinit {
namespace {

using ::testing::Contains;
using testing::Harness;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::service;
using namespace std::chrono_literals;

std::string watched(const std::string& type = "simple", const std::string& extra = "") {
    return service(type, "", "watchdog = \"2s\"\n" + extra);
}

TimePoint deadline(const Harness& h, const std::string& name) {
    return h.timers.armed.at({h.id(name), TimerKind::watchdog});
}

TEST(ManagerWatchdog, ServiceIsToldItsTimeoutPidAndSocket) {
    Harness h({{"w", watched()}, {"plain", service("simple")}});
    ASSERT_TRUE(h.manager.start("w").ok());
    ASSERT_TRUE(h.manager.start("plain").ok());
    ASSERT_EQ(h.processes.spawns.size(), 2u);
    for (const auto& spawn : h.processes.spawns) {
        const SpawnRequest& r = spawn.request;
        bool has = r.unit == "w";
        EXPECT_EQ(r.watchdog_pid, has) << r.unit;
        if (has) {
            EXPECT_THAT(r.environment, Contains("WATCHDOG_USEC=2000000"));
            EXPECT_THAT(r.environment, Contains("NOTIFY_SOCKET=/run/fastinit/notify"));
        } else {
            EXPECT_THAT(r.environment, Not(Contains(HasSubstr("WATCHDOG_USEC="))));
            EXPECT_THAT(r.environment, Not(Contains(HasSubstr("NOTIFY_SOCKET="))));
        }
    }
}

TEST(ManagerWatchdog, PetsMoveTheDeadline) {
    Harness h({{"w", watched()}});
    ASSERT_TRUE(h.manager.start("w").ok());
    pid_t pid = h.spawned("w");
    EXPECT_EQ(h.state("w"), UnitState::active);
    EXPECT_EQ(deadline(h, "w"), h.clock.now() + 2s);
    NotifyMessage pet = parse_notify_message("WATCHDOG=1");
    h.clock.advance(1500ms);
    EXPECT_TRUE(h.manager.on_notify(pid, 0, pet).accepted);
    EXPECT_EQ(deadline(h, "w"), h.clock.now() + 2s);
    EXPECT_EQ(h.runtime("w").watchdog_pet_at, h.clock.now());
    EXPECT_TRUE(h.processes.kills.empty());
}

TEST(ManagerWatchdog, MissedDeadlineKillsAndFailsWithTheReasonThenRestarts) {
    Harness h({{"w", watched("simple", "restart = \"on-failure\"\n")}}, Harness::Cgroups::fake);
    ASSERT_TRUE(h.manager.start("w").ok());
    pid_t pid = h.spawned("w");
    h.fire("w", TimerKind::watchdog);
    EXPECT_TRUE(h.processes.was_signalled(pid, SIGKILL));
    EXPECT_TRUE(h.cgroups.was_killed("w", SIGKILL));
    h.exited("w", 0, SIGKILL);
    EXPECT_EQ(h.state("w"), UnitState::restarting);
    EXPECT_EQ(h.runtime("w").result, UnitResult::watchdog);
    EXPECT_EQ(h.runtime("w").reason, "watchdog timeout after 2s without WATCHDOG=1");
    EXPECT_FALSE(h.timers.is_armed(h.id("w"), TimerKind::watchdog));

    // The next run starts with a fresh watchdog.
    h.fire("w", TimerKind::restart_delay);
    h.spawned("w");
    EXPECT_EQ(h.state("w"), UnitState::active);
    EXPECT_FALSE(h.runtime("w").watchdog_failure.has_value());
    EXPECT_EQ(deadline(h, "w"), h.clock.now() + 2s);
}

TEST(ManagerWatchdog, WithoutRestartTheUnitFails) {
    Harness h({{"w", watched()}});
    ASSERT_TRUE(h.manager.start("w").ok());
    h.spawned("w");
    h.fire("w", TimerKind::watchdog);
    h.exited("w", 0, SIGKILL);
    EXPECT_EQ(h.state("w"), UnitState::failed);
    EXPECT_EQ(h.runtime("w").result, UnitResult::watchdog);
    EXPECT_STREQ(to_string(UnitResult::watchdog), "watchdog");
}

TEST(ManagerWatchdog, LingeringProcessesKeepTheWatchdogReason) {
    Harness h({{"w", watched()}}, Harness::Cgroups::fake);
    ASSERT_TRUE(h.manager.start("w").ok());
    pid_t pid = h.spawned("w");
    h.cgroups.members["w"] = {pid, 777};
    h.fire("w", TimerKind::watchdog);
    h.cgroups.members["w"] = {777};
    h.exited("w", 0, SIGKILL);
    EXPECT_EQ(h.state("w"), UnitState::active) << "until its cgroup is empty";
    h.cgroups.members["w"].clear();
    h.manager.on_cgroup_event(h.id("w"));
    EXPECT_EQ(h.state("w"), UnitState::failed);
    EXPECT_EQ(h.runtime("w").result, UnitResult::watchdog);
}

TEST(ManagerWatchdog, TriggerFailsAtOnce) {
    Harness h({{"w", watched()}});
    ASSERT_TRUE(h.manager.start("w").ok());
    pid_t pid = h.spawned("w");
    EXPECT_TRUE(h.manager.on_notify(pid, 0, parse_notify_message("WATCHDOG=trigger")).accepted);
    EXPECT_TRUE(h.processes.was_signalled(pid, SIGKILL));
    h.exited("w", 0, SIGKILL);
    EXPECT_EQ(h.state("w"), UnitState::failed);
    EXPECT_THAT(h.runtime("w").reason, HasSubstr("WATCHDOG=trigger"));
}

TEST(ManagerWatchdog, UsecChangesTheTimeoutAndCanTurnItOnOrOff) {
    Harness h({{"w", watched()}, {"n", service("notify")}});
    ASSERT_TRUE(h.manager.start("w").ok());
    pid_t pid = h.spawned("w");
    h.manager.on_notify(pid, 0, parse_notify_message("WATCHDOG_USEC=5000000"));
    EXPECT_EQ(deadline(h, "w"), h.clock.now() + 5s);
    h.manager.on_notify(pid, 0, parse_notify_message("WATCHDOG=1"));
    EXPECT_EQ(deadline(h, "w"), h.clock.now() + 5s) << "pets use the new timeout";
    h.manager.on_notify(pid, 0, parse_notify_message("WATCHDOG_USEC=0"));
    EXPECT_FALSE(h.timers.is_armed(h.id("w"), TimerKind::watchdog));

    // A service without one may ask for one; an absurd value is bounded so
    // the deadline stays one the clock can hold.
    ASSERT_TRUE(h.manager.start("n").ok());
    pid_t n = h.spawned("n");
    h.manager.on_notify(n, 0, parse_notify_message("WATCHDOG_USEC=18446744073709551615"));
    ASSERT_TRUE(h.timers.is_armed(h.id("n"), TimerKind::watchdog));
    EXPECT_GT(deadline(h, "n"), h.clock.now());
    EXPECT_LE(deadline(h, "n"), h.clock.now() + std::chrono::hours(366 * 24));
}

TEST(ManagerWatchdog, StrangersCannotPetOrTrigger) {
    Harness h({{"w", watched()}, {"other", service("simple")}});
    ASSERT_TRUE(h.manager.start("w").ok());
    ASSERT_TRUE(h.manager.start("other").ok());
    h.spawned("w");
    pid_t other = h.spawned("other");
    TimePoint due = deadline(h, "w");
    h.clock.advance(1s);
    h.processes.sessions[999] = 999;  // an unrelated local process
    for (pid_t sender : {pid_t{999}, other}) {
        h.manager.on_notify(sender, 0, parse_notify_message("WATCHDOG=1"));
        h.manager.on_notify(sender, 0, parse_notify_message("WATCHDOG=trigger"));
        h.manager.on_notify(sender, 0, parse_notify_message("WATCHDOG_USEC=100000000"));
    }
    EXPECT_EQ(deadline(h, "w"), due);
    EXPECT_EQ(h.state("w"), UnitState::active);
    EXPECT_FALSE(h.runtime("w").watchdog_failure.has_value());
    EXPECT_TRUE(h.processes.kills.empty());
}

TEST(ManagerWatchdog, StoppingStopsTheWatchdog) {
    Harness h({{"w", watched()}});
    ASSERT_TRUE(h.manager.start("w").ok());
    pid_t pid = h.spawned("w");
    ASSERT_TRUE(h.manager.stop("w").ok());
    EXPECT_FALSE(h.timers.is_armed(h.id("w"), TimerKind::watchdog));
    // A late timer or a trigger while it stops change nothing.
    h.manager.on_timer(h.id("w"), TimerKind::watchdog);
    h.manager.on_notify(pid, 0, parse_notify_message("WATCHDOG=trigger"));
    EXPECT_FALSE(h.processes.was_signalled(pid, SIGKILL));
    h.exited("w", 0, SIGTERM);
    EXPECT_EQ(h.state("w"), UnitState::inactive);
}

TEST(ManagerWatchdog, NotifyServiceIsWatchedWhileStarting) {
    Harness h({{"n", watched("notify")}});
    ASSERT_TRUE(h.manager.start("n").ok());
    pid_t pid = h.spawned("n");
    EXPECT_EQ(h.state("n"), UnitState::starting);
    h.fire("n", TimerKind::watchdog);
    h.exited("n", 0, SIGKILL);
    EXPECT_EQ(h.state("n"), UnitState::failed);
    EXPECT_EQ(h.runtime("n").result, UnitResult::watchdog);
    EXPECT_TRUE(h.processes.was_signalled(pid, SIGKILL));
}

TEST(NotifyMessage, WatchdogFields) {
    NotifyMessage m = parse_notify_message("WATCHDOG=1\nWATCHDOG_USEC=250000");
    EXPECT_TRUE(m.watchdog_pet);
    EXPECT_FALSE(m.watchdog_trigger);
    EXPECT_EQ(m.watchdog_usec, 250000u);
    EXPECT_TRUE(parse_notify_message("WATCHDOG=trigger").watchdog_trigger);
    for (const char* hostile : {"WATCHDOG=2", "WATCHDOG=", "WATCHDOG_USEC=-1", "WATCHDOG_USEC=1x",
                                "WATCHDOG_USEC=99999999999999999999999", "WATCHDOG_USEC="}) {
        NotifyMessage h = parse_notify_message(hostile);
        EXPECT_FALSE(h.watchdog_pet) << hostile;
        EXPECT_FALSE(h.watchdog_trigger) << hostile;
        EXPECT_FALSE(h.watchdog_usec.has_value()) << hostile;
    }
}

}  // namespace
}  // namespace fastinit
