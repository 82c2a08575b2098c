// type = "forking" in the manager's state machine, driven through fakes:
// the parent's exit, the pid file (hostile: what it may name), the daemon
// as the main process, timeouts and stops.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

#include "initd/run/pid_file.h"
#include "tests/unit/fakes.h"

namespace fastinit {
namespace {

using testing::Harness;
using ::testing::HasSubstr;

constexpr const char* kPidFile = "/run/d.pid";

std::string forking(const std::string& extra = "") {
    return std::string("[service]\ntype = \"forking\"\npid_file = \"") + kPidFile +
           "\"\nexec = [\"/bin/daemon\"]\nstart_timeout = \"2s\"\n" + extra;
}

// Starts d (wanted by default), reports its spawn and returns the parent.
pid_t start_forking(Harness& h) {
    EXPECT_TRUE(h.manager.start("default").ok());
    pid_t parent = h.spawned("d");
    EXPECT_EQ(h.state("d"), UnitState::starting);
    return parent;
}

struct Forking : ::testing::Test {
    Harness h{{{"default", "[unit]\nwants = \"d\"\n"}, {"d", forking()}}};
};

TEST_F(Forking, ReadyOnceTheParentExitedAndThePidFileNamesItsChild) {
    pid_t parent = start_forking(h);
    h.processes.sessions[500] = parent;  // the daemon, in the service's session
    h.processes.parents[500] = parent;
    h.processes.pid_files[kPidFile] = "500\n";
    EXPECT_EQ(h.state("default"), UnitState::waiting) << "default waits for d";
    h.exited("d", 0);
    EXPECT_EQ(h.state("d"), UnitState::active);
    EXPECT_EQ(h.runtime("d").main_pid, 500);
    EXPECT_EQ(h.state("default"), UnitState::active);
    EXPECT_FALSE(h.timers.is_armed(h.id("d"), TimerKind::start_timeout));
}

TEST_F(Forking, ADaemonThatLeftTheSessionIsAcceptedAsTheManagersOrphan) {
    start_forking(h);
    h.processes.sessions[600] = 600;  // setsid()
    h.processes.parents[600] = 1;     // reparented to PID 1
    h.processes.pid_files[kPidFile] = "600";
    h.exited("d", 0);
    EXPECT_EQ(h.state("d"), UnitState::active);
    EXPECT_EQ(h.runtime("d").main_pid, 600);
}

TEST_F(Forking, TheDaemonIsTheMainProcessForStopAndExit) {
    pid_t parent = start_forking(h);
    h.processes.sessions[500] = parent;
    h.processes.parents[500] = 1;
    h.processes.pid_files[kPidFile] = "500";
    h.exited("d", 0);
    ASSERT_EQ(h.runtime("d").main_pid, 500);
    ASSERT_TRUE(h.manager.stop("d").ok());
    EXPECT_TRUE(h.processes.was_signalled(500, SIGTERM));
    EXPECT_FALSE(h.processes.was_signalled(parent, SIGTERM)) << "the parent is gone";
    h.manager.on_exit(500, ExitStatus{0, 0});
    EXPECT_EQ(h.state("d"), UnitState::inactive);
}

TEST(ForkingRestart, TheDaemonsExitFollowsTheRestartPolicy) {
    Harness h(
        {{"default", "[unit]\nwants = \"d\"\n"}, {"d", forking("restart = \"on-failure\"\n")}});
    pid_t parent = start_forking(h);
    h.processes.sessions[500] = parent;
    h.processes.pid_files[kPidFile] = "500";
    h.exited("d", 0);
    ASSERT_EQ(h.state("d"), UnitState::active);
    h.manager.on_exit(500, ExitStatus{0, SIGSEGV});
    EXPECT_EQ(h.state("d"), UnitState::restarting);
    EXPECT_EQ(h.runtime("d").result, UnitResult::signal);
    h.fire("d", TimerKind::restart_delay);
    EXPECT_EQ(h.spawn_count("d"), 2u);
}

TEST_F(Forking, AParentExitingNonZeroFails) {
    start_forking(h);
    h.processes.pid_files[kPidFile] = "500";
    h.exited("d", 3);
    EXPECT_EQ(h.state("d"), UnitState::failed);
    EXPECT_EQ(h.runtime("d").result, UnitResult::exit_code);
    EXPECT_THAT(h.runtime("d").reason, HasSubstr("exited with status 3 before it was ready"));
    EXPECT_EQ(h.processes.pid_file_reads, 0);
}

TEST_F(Forking, APidFileWrittenLateIsFoundByPolling) {
    pid_t parent = start_forking(h);
    h.exited("d", 0);
    EXPECT_EQ(h.state("d"), UnitState::starting);
    EXPECT_TRUE(h.timers.is_armed(h.id("d"), TimerKind::pid_file_poll));
    h.fire("d", TimerKind::pid_file_poll);
    EXPECT_EQ(h.state("d"), UnitState::starting);
    h.processes.sessions[500] = parent;
    h.processes.pid_files[kPidFile] = "500\n";
    h.fire("d", TimerKind::pid_file_poll);
    EXPECT_EQ(h.state("d"), UnitState::active);
    EXPECT_FALSE(h.timers.is_armed(h.id("d"), TimerKind::pid_file_poll));
}

TEST_F(Forking, NoPidFileByTheStartTimeoutFailsWithTheReason) {
    pid_t parent = start_forking(h);
    h.exited("d", 0);
    h.fire("d", TimerKind::start_timeout);
    EXPECT_EQ(h.state("d"), UnitState::failed);
    EXPECT_EQ(h.runtime("d").result, UnitResult::timeout);
    EXPECT_THAT(h.runtime("d").reason, HasSubstr("no usable pid file within 2s"));
    EXPECT_THAT(h.runtime("d").reason, HasSubstr("cannot open /run/d.pid"));
    EXPECT_TRUE(h.processes.was_signalled(-parent, SIGKILL)) << "leftovers in its group go";
    EXPECT_FALSE(h.timers.is_armed(h.id("d"), TimerKind::pid_file_poll));
    EXPECT_EQ(h.state("default"), UnitState::active) << "default only wants d";
}

// Whoever can write the pid file must not get the manager to adopt (and
// later signal) PID 1, the manager, another unit's process, the exited
// parent or a stranger; garbage is no pid at all.
TEST(ForkingHostilePidFile, NamesNothingItMayNot) {
    struct Case {
        std::string text;
        std::string why;
    };
    const std::vector<Case> cases = {
        {"1\n", "which no daemon can be"},
        {"0", "which no daemon can be"},
        {"-5", "only digits"},
        {"42", "not a process of d"},   // the manager
        {"100", "not a process of d"},  // the other unit's process
        {"101", "not a process of d"},  // the parent that exited
        {"700", "not a process of d"},  // a stranger with a parent of its own
        {"800", "not a process of d"},  // does not exist
        {"5 6", "only digits"},
        {"", "empty"},
        {"99999999999999999999", "too many digits"},
        {std::string(65, '1'), "longer than 64 bytes"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE("pid file \"" + c.text + "\"");
        Harness h({{"default", "[unit]\nwants = [\"other\", \"d\"]\n"},
                   {"other", "[service]\nexec = [\"/bin/other\"]\n"},
                   {"d", forking("[unit]\nafter = \"other\"\n")}});
        ASSERT_TRUE(h.manager.start("default").ok());
        ASSERT_EQ(h.spawned("other"), 100);
        ASSERT_EQ(h.spawned("d"), 101);
        h.processes.sessions[700] = 700;
        h.processes.parents[700] = 650;
        h.processes.pid_files[kPidFile] = c.text;
        h.exited("d", 0);
        EXPECT_EQ(h.state("d"), UnitState::starting);
        EXPECT_EQ(h.runtime("d").main_pid, 0);
        h.fire("d", TimerKind::start_timeout);
        EXPECT_EQ(h.state("d"), UnitState::failed);
        EXPECT_THAT(h.runtime("d").reason, HasSubstr(c.why));
        EXPECT_FALSE(h.processes.was_signalled(100, SIGTERM));
    }
}

TEST_F(Forking, StopWhileThePidFileIsAwaitedKillsTheGroupAndStops) {
    pid_t parent = start_forking(h);
    h.exited("d", 0);
    ASSERT_TRUE(h.manager.stop("d").ok());
    EXPECT_EQ(h.state("d"), UnitState::inactive);
    EXPECT_TRUE(h.processes.was_signalled(-parent, SIGKILL));
    EXPECT_FALSE(h.timers.is_armed(h.id("d"), TimerKind::pid_file_poll));
}

TEST_F(Forking, AParentExitReportedBeforeItsSpawnStillCounts) {
    ASSERT_TRUE(h.manager.start("default").ok());
    h.processes.sessions[500] = 100;
    h.processes.pid_files[kPidFile] = "500";
    h.manager.on_exit(100, ExitStatus{0, 0});  // reaped before the spawn was reported
    h.manager.on_spawned(h.id("d"), SpawnResult{100, 0});
    EXPECT_EQ(h.state("d"), UnitState::active);
    EXPECT_EQ(h.runtime("d").main_pid, 500);
}

TEST(ParsePidFile, OneNumberAboveOne) {
    EXPECT_EQ(*parse_pid_file("1234\n"), 1234);
    EXPECT_EQ(*parse_pid_file("  77  \r\n"), 77);
    EXPECT_FALSE(parse_pid_file("12a"));
    EXPECT_FALSE(parse_pid_file("+12"));
    EXPECT_FALSE(parse_pid_file("1"));
    EXPECT_FALSE(parse_pid_file("1234567890"));
    EXPECT_FALSE(parse_pid_file(std::string_view("12\0", 3)));
}

TEST(ParseForking, NeedsAPidFileAndOnlyForkingHasOne) {
    ParsedUnit missing =
        parse_unit("d", "d.toml", "[service]\ntype = \"forking\"\nexec = [\"/bin/d\"]\n");
    EXPECT_FALSE(missing.unit);
    EXPECT_THAT(missing.diagnostics.at(0).to_string(),
                HasSubstr("service.pid_file: type = \"forking\" needs pid_file"));
    ParsedUnit simple =
        parse_unit("d", "d.toml", "[service]\npid_file = \"/run/d.pid\"\nexec = [\"/bin/d\"]\n");
    EXPECT_FALSE(simple.unit);
    EXPECT_THAT(simple.diagnostics.at(0).to_string(),
                HasSubstr("pid_file is only for type = \"forking\" (this service is simple)"));
    ParsedUnit relative =
        parse_unit("d", "d.toml",
                   "[service]\ntype = \"forking\"\npid_file = \"d.pid\"\nexec = [\"/bin/d\"]\n");
    EXPECT_FALSE(relative.unit);
    EXPECT_THAT(relative.diagnostics.at(0).to_string(),
                HasSubstr("d.toml:3:1: error: service.pid_file: must be an absolute path"));
    ParsedUnit good = parse_unit("d", "d.toml", forking());
    ASSERT_TRUE(good.unit);
    EXPECT_EQ(good.unit->service->type, ServiceType::forking);
    EXPECT_EQ(good.unit->service->pid_file, kPidFile);
}

}  // namespace
}  // namespace fastinit
