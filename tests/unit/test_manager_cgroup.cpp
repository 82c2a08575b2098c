// The manager with cgroups (FakeCgroups): a service is down only when its
// cgroup is empty, whatever its main process did; stopping goes through the
// cgroup; without one the service still starts.
#include <gtest/gtest.h>

#include <csignal>

#include "initd/control/bus_calls.h"
#include "tests/unit/fakes.h"

namespace fastinit {
namespace {

using testing::Harness;

struct WithCgroups : ::testing::Test {
    Harness h{{{"default", "[unit]\nwants = \"d\"\n"},
               {"d", "[service]\nexec = [\"/bin/daemon\"]\nstop_timeout = \"3s\"\n"}},
              Harness::Cgroups::fake};

    pid_t start() {
        EXPECT_TRUE(h.manager.start("default").ok());
        pid_t pid = h.spawned("d");
        h.cgroups.members["d"] = {pid};
        EXPECT_EQ(h.state("d"), UnitState::active);
        return pid;
    }
};

TEST_F(WithCgroups, TheServiceStartsInItsOwnCgroup) {
    ASSERT_TRUE(h.manager.start("default").ok());
    ASSERT_EQ(h.processes.spawns.size(), 1u);
    EXPECT_EQ(h.processes.spawns[0].request.cgroup, "/cg/d.service");
    EXPECT_EQ(h.cgroups.prepared, std::vector<std::string>{"d"});
}

TEST_F(WithCgroups, MainExitsButTheCgroupIsPopulatedSoItStaysActive) {
    pid_t main = start();
    h.cgroups.members["d"] = {main, 700};  // a double-forked daemon
    h.cgroups.members["d"].erase(main);
    h.exited("d", 0);
    EXPECT_EQ(h.state("d"), UnitState::active);
    EXPECT_EQ(h.runtime("d").main_pid, 0);
    EXPECT_TRUE(h.runtime("d").lingering);
}

TEST_F(WithCgroups, TheLastProcessLeavingMakesItDown) {
    pid_t main = start();
    h.cgroups.members["d"] = {700};
    h.exited("d", 0);
    ASSERT_EQ(h.state("d"), UnitState::active);
    h.cgroups.members["d"].clear();
    h.manager.on_exit(700, ExitStatus{0, 0});  // the orphan, reaped by PID 1
    EXPECT_EQ(h.state("d"), UnitState::inactive);
    EXPECT_FALSE(h.runtime("d").lingering);
    EXPECT_EQ(h.cgroups.removed, std::vector<std::string>{"d"});
    (void)main;
}

TEST_F(WithCgroups, MainExitsAndTheCgroupIsEmptySoItIsDown) {
    start();
    h.cgroups.members["d"].clear();
    h.exited("d", 3);
    EXPECT_EQ(h.state("d"), UnitState::failed);
    EXPECT_EQ(h.runtime("d").result, UnitResult::exit_code);
}

TEST_F(WithCgroups, StoppingALingeringServiceSignalsItsCgroupThenKillsIt) {
    start();
    h.cgroups.members["d"] = {700};
    h.exited("d", 0);
    ASSERT_TRUE(h.manager.stop("d").ok());
    EXPECT_EQ(h.state("d"), UnitState::stopping);
    EXPECT_TRUE(h.cgroups.was_killed("d", SIGTERM));
    EXPECT_FALSE(h.cgroups.was_killed("d", SIGKILL));
    // The daemon ignores SIGTERM: on stop_timeout, cgroup.kill.
    h.fire("d", TimerKind::stop_timeout);
    EXPECT_TRUE(h.cgroups.was_killed("d", SIGKILL));
    EXPECT_EQ(h.state("d"), UnitState::stopping) << "not down while the cgroup holds a process";
    h.cgroups.members["d"].clear();
    h.manager.on_exit(700, ExitStatus{0, SIGKILL});
    EXPECT_EQ(h.state("d"), UnitState::inactive);
}

TEST_F(WithCgroups, AStopTimeoutFindingTheCgroupEmptyEndsTheStop) {
    start();
    h.cgroups.members["d"] = {700};
    h.exited("d", 0);
    ASSERT_TRUE(h.manager.stop("d").ok());
    h.fire("d", TimerKind::stop_timeout);
    h.cgroups.members["d"].clear();  // died of cgroup.kill, reaped elsewhere
    h.fire("d", TimerKind::stop_timeout);
    EXPECT_EQ(h.state("d"), UnitState::inactive);
}

TEST_F(WithCgroups, StopSignalsTheMainProcessThenTheRestOfTheCgroupGoes) {
    pid_t main = start();
    h.cgroups.members["d"] = {main, 700};
    ASSERT_TRUE(h.manager.stop("d").ok());
    // Through the cgroup, which holds the main process: each once.
    EXPECT_TRUE(h.cgroups.was_killed("d", SIGTERM));
    EXPECT_FALSE(h.processes.was_signalled(main, SIGTERM));
    h.cgroups.members["d"] = {700};
    h.exited("d", 0, SIGTERM);
    EXPECT_TRUE(h.cgroups.was_killed("d", SIGKILL));
    EXPECT_EQ(h.state("d"), UnitState::stopping);
    h.cgroups.members["d"].clear();
    h.manager.on_exit(700, ExitStatus{0, SIGKILL});
    EXPECT_EQ(h.state("d"), UnitState::inactive);
}

TEST_F(WithCgroups, AFailedStartLeavesNothingInTheCgroup) {
    Harness n{{{"default", "[unit]\nwants = \"d\"\n"},
               {"d", "[service]\ntype = \"notify\"\nexec = [\"/bin/daemon\"]\n"}},
              Harness::Cgroups::fake};
    ASSERT_TRUE(n.manager.start("default").ok());
    n.spawned("d");
    n.cgroups.members["d"] = {700};
    n.exited("d", 1);
    EXPECT_EQ(n.state("d"), UnitState::failed);
    EXPECT_TRUE(n.cgroups.was_killed("d", SIGKILL));
}

TEST_F(WithCgroups, WithoutItsCgroupTheServiceStillStarts) {
    h.cgroups.fail_prepare = true;
    ASSERT_TRUE(h.manager.start("default").ok());
    ASSERT_EQ(h.processes.spawns.size(), 1u);
    EXPECT_EQ(h.processes.spawns[0].request.cgroup, "");
    pid_t pid = h.spawned("d");
    h.cgroups.members["d"] = {700};  // not its cgroup: not looked at
    h.manager.on_exit(pid, ExitStatus{0, 0});
    EXPECT_EQ(h.state("d"), UnitState::inactive);
}

TEST(WithoutCgroups, MainExitMeansDownAsBefore) {
    Harness h{{{"default", "[unit]\nwants = \"d\"\n"}, {"d", "[service]\nexec = [\"/bin/d\"]\n"}}};
    ASSERT_TRUE(h.manager.start("default").ok());
    h.spawned("d");
    EXPECT_EQ(h.processes.spawns[0].request.cgroup, "");
    h.exited("d", 0);
    EXPECT_EQ(h.state("d"), UnitState::inactive);
}

}  // namespace
}  // namespace fastinit

// ---- what `fastinit status` gets over the bus --------------------------------

namespace fastinit {
namespace {

std::string property(const BusReply& reply, const std::string& key) {
    for (const auto& [k, v] : reply.properties)
        if (k == key)
            return std::get<std::string>(v);
    return "(none)";
}

TEST_F(WithCgroups, GetUnitShowsTheCgroupAndItsProcesses) {
    pid_t main = start();
    h.cgroups.members["d"] = {main, 700};
    BusCallContext context{h.manager, 0, {}, {}};
    BusReply reply = handle_bus_call(context, "GetUnit", "d");
    EXPECT_EQ(property(reply, "ControlGroup"), "/cg/d.service");
    EXPECT_EQ(property(reply, "Processes"),
              std::to_string(main) + " proc" + std::to_string(main) + "\n700 proc700\n");
    ASSERT_TRUE(h.manager.stop("d").ok());
    h.cgroups.members["d"].clear();
    h.exited("d", 0, SIGTERM);
    reply = handle_bus_call(context, "GetUnit", "d");
    EXPECT_EQ(property(reply, "ControlGroup"), "(none)") << "down: no cgroup";
}

}  // namespace
}  // namespace fastinit

namespace fastinit {
namespace {

TEST_F(WithCgroups, ACgroupEventFindingItEmptyEndsALingeringUnit) {
    start();
    h.cgroups.members["d"] = {700};
    h.exited("d", 0);
    h.manager.on_cgroup_event(h.id("d"));
    EXPECT_EQ(h.state("d"), UnitState::active) << "still populated";
    // Its last process had a parent outside the cgroup: no exit to reap.
    h.cgroups.members["d"].clear();
    h.manager.on_cgroup_event(h.id("d"));
    EXPECT_EQ(h.state("d"), UnitState::inactive);
}

TEST_F(WithCgroups, ACgroupEventOfARunningUnitChangesNothing) {
    start();
    h.cgroups.members["d"].clear();  // emptied, but the main process is not reaped yet
    h.manager.on_cgroup_event(h.id("d"));
    EXPECT_EQ(h.state("d"), UnitState::active);
}

}  // namespace
}  // namespace fastinit
