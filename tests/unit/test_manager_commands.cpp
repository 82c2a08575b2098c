// The manager's control processes (exec_start_pre, exec_start_post,
// exec_stop, exec_stop_post, exec_reload), kill_signal and kill_mode, and
// the job a client waits for, driven through fakes as the event loop would.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/fakes.h"

namespace fastinit {
namespace {

using ::testing::ElementsAre;
using testing::Harness;
using ::testing::HasSubstr;
using testing::service;

// The argv of the most recent spawn.
std::vector<std::string> last_argv(const Harness& h) {
    return h.processes.spawns.back().request.argv;
}

// Reports the pending spawn of `name` and, when `code` is given, its exit.
pid_t run(Harness& h, const std::string& name, std::optional<int> code = 0) {
    pid_t pid = h.spawned(name);
    if (code)
        h.manager.on_exit(pid, ExitStatus{*code, 0});
    return pid;
}

TEST(ManagerCommands, StartPreCommandsRunInOrderInTheCgroupBeforeTheMainProcess) {
    Harness h({{"s", service("simple", "",
                             "exec_start_pre = [[\"/bin/mkdir\", \"/run/s\"], [\"/bin/b\"]]\n"
                             "user = \"daemon\"\nenvironment = { A = \"1\" }\n")}},
              Harness::Cgroups::fake);
    ASSERT_TRUE(h.manager.start("s").ok());
    ASSERT_EQ(h.processes.spawns.size(), 1u);
    EXPECT_THAT(last_argv(h), ElementsAre("/bin/mkdir", "/run/s"));
    // The same rules as the main process: cgroup, user, environment.
    const SpawnRequest& pre = h.processes.spawns[0].request;
    EXPECT_EQ(pre.cgroup, "/cg/s.service");
    EXPECT_EQ(pre.user, "daemon");
    EXPECT_THAT(pre.environment, ElementsAre("PATH=/bin", "A=1"));
    EXPECT_TRUE(h.timers.is_armed(h.id("s"), TimerKind::control_timeout));
    EXPECT_EQ(h.manager.job(h.id("s")), std::string("start"));

    run(h, "s");
    EXPECT_THAT(last_argv(h), ElementsAre("/bin/b"));
    EXPECT_EQ(h.state("s"), UnitState::starting);
    run(h, "s");
    EXPECT_THAT(last_argv(h), ElementsAre("/bin/daemon"));
    EXPECT_EQ(h.processes.spawns.back().request.cgroup, "/cg/s.service");
    pid_t main = run(h, "s", std::nullopt);
    EXPECT_EQ(h.state("s"), UnitState::active);
    EXPECT_EQ(h.runtime("s").main_pid, main);
    EXPECT_EQ(h.manager.job(h.id("s")), std::string(""));
}

TEST(ManagerCommands, AFailingStartPreFailsTheStartWithItsReasonAndStopPostStillRuns) {
    Harness h({{"s", service("simple", "",
                             "exec_start_pre = [\"/bin/false\"]\n"
                             "exec_stop_post = [\"/bin/cleanup\"]\n")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    run(h, "s", 3);
    EXPECT_THAT(last_argv(h), ElementsAre("/bin/cleanup"));
    EXPECT_EQ(h.state("s"), UnitState::stopping);
    EXPECT_EQ(h.spawn_count("s"), 2u) << "the main process must not start";
    EXPECT_FALSE(h.manager.settled()) << "the failed start is not over before stop_post";
    run(h, "s");
    EXPECT_EQ(h.state("s"), UnitState::failed);
    EXPECT_EQ(h.runtime("s").result, UnitResult::exit_code);
    EXPECT_EQ(h.runtime("s").reason, "exec_start_pre command /bin/false exited with status 3");
    EXPECT_EQ(h.spawn_count("s"), 2u);
    EXPECT_EQ(h.manager.job(h.id("s")), std::string(""));
}

TEST(ManagerCommands, ATolerantCommandsFailureIsIgnored) {
    Harness h(
        {{"s", service("simple", "", "exec_start_pre = [[\"-/bin/false\"], [\"/bin/b\"]]\n")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    EXPECT_THAT(last_argv(h), ElementsAre("/bin/false")) << "the '-' is not the program's";
    run(h, "s", 1);
    EXPECT_THAT(last_argv(h), ElementsAre("/bin/b"));
    run(h, "s");
    run(h, "s", std::nullopt);
    EXPECT_EQ(h.state("s"), UnitState::active);
}

TEST(ManagerCommands, ACommandThatCannotBeExecutedFailsTheStartUnlessTolerated) {
    Harness h({{"s", service("simple", "", "exec_start_pre = [\"/bin/missing\"]\n")},
               {"t", service("simple", "", "exec_start_pre = [\"-/bin/missing\"]\n")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    h.manager.on_spawn_failed(h.id("s"), Error{"cannot execute /bin/missing: No such file"});
    EXPECT_EQ(h.state("s"), UnitState::failed);
    EXPECT_EQ(h.runtime("s").result, UnitResult::exec_failed);
    EXPECT_THAT(h.runtime("s").reason, HasSubstr("exec_start_pre failed: cannot execute"));

    ASSERT_TRUE(h.manager.start("t").ok());
    h.manager.on_spawn_failed(h.id("t"), Error{"cannot execute /bin/missing: No such file"});
    EXPECT_THAT(last_argv(h), ElementsAre("/bin/daemon"));
}

TEST(ManagerCommands, ACommandThatOverrunsItsTimeoutIsKilledAndFailsTheStart) {
    Harness h({{"s", service("simple", "",
                             "exec_start_pre = [\"/bin/slow\"]\nstart_timeout = \"5s\"\n")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    pid_t pre = run(h, "s", std::nullopt);
    h.fire("s", TimerKind::control_timeout);
    EXPECT_TRUE(h.processes.was_signalled(pre, SIGKILL));
    h.manager.on_exit(pre, ExitStatus{0, SIGKILL});
    EXPECT_EQ(h.state("s"), UnitState::failed);
    EXPECT_EQ(h.runtime("s").result, UnitResult::timeout);
    EXPECT_EQ(h.runtime("s").reason, "exec_start_pre command /bin/slow did not finish within 5s");
}

TEST(ManagerCommands, ATimeoutWhileTheCommandIsBeingSpawnedStillKillsIt) {
    Harness h({{"s", service("simple", "",
                             "exec_start_pre = [\"/bin/slow\"]\nstart_timeout = \"5s\"\n")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    h.fire("s", TimerKind::control_timeout);  // the worker has not reported yet
    pid_t pre = run(h, "s", std::nullopt);
    EXPECT_TRUE(h.processes.was_signalled(pre, SIGKILL));
    h.manager.on_exit(pre, ExitStatus{0, SIGKILL});
    EXPECT_EQ(h.state("s"), UnitState::failed);
    EXPECT_EQ(h.runtime("s").reason, "exec_start_pre command /bin/slow did not finish within 5s");
}

TEST(ManagerCommands, StartPostRunsOnceReadyAndTheUnitIsActiveOnlyAfterIt) {
    Harness h({{"n", service("notify", "", "exec_start_post = [\"/bin/post\"]\n")}});
    ASSERT_TRUE(h.manager.start("n").ok());
    pid_t main = run(h, "n", std::nullopt);
    NotifyMessage ready;
    ready.ready = true;
    h.manager.on_notify(main, 0, ready);
    EXPECT_THAT(last_argv(h), ElementsAre("/bin/post"));
    EXPECT_EQ(h.state("n"), UnitState::starting);
    h.manager.on_notify(main, 0, ready);  // a second READY=1 starts nothing
    EXPECT_EQ(h.spawn_count("n"), 2u);
    run(h, "n");
    EXPECT_EQ(h.state("n"), UnitState::active);
    EXPECT_EQ(h.runtime("n").main_pid, main);
}

TEST(ManagerCommands, AFailingStartPostStopsTheMainProcessAndFailsTheUnit) {
    Harness h({{"s", service("simple", "", "exec_start_post = [\"/bin/post\"]\n")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    pid_t main = run(h, "s", std::nullopt);
    run(h, "s", 2);
    EXPECT_EQ(h.state("s"), UnitState::stopping);
    EXPECT_TRUE(h.processes.was_signalled(main, SIGTERM));
    h.manager.on_exit(main, ExitStatus{0, SIGTERM});
    EXPECT_EQ(h.state("s"), UnitState::failed);
    EXPECT_EQ(h.runtime("s").reason, "exec_start_post command /bin/post exited with status 2");
}

TEST(ManagerCommands, StopRunsExecStopThenSignalsThenStopPostAfterTheMainProcessIsGone) {
    Harness h({{"s", service("simple", "",
                             "exec_stop = [\"/bin/stop\"]\nexec_stop_post = [\"/bin/post\"]\n"
                             "stop_timeout = \"7s\"\n")}},
              Harness::Cgroups::fake);
    ASSERT_TRUE(h.manager.start("s").ok());
    pid_t main = run(h, "s", std::nullopt);
    h.cgroups.members["s"] = {main};
    ASSERT_TRUE(h.manager.stop("s").ok());
    EXPECT_THAT(last_argv(h), ElementsAre("/bin/stop"));
    EXPECT_THAT(h.processes.spawns.back().request.environment,
                ::testing::Contains("MAINPID=" + std::to_string(main)));
    EXPECT_EQ(h.state("s"), UnitState::stopping);
    EXPECT_EQ(h.manager.job(h.id("s")), std::string("stop"));
    EXPECT_FALSE(h.cgroups.was_killed("s", SIGTERM)) << "not before exec_stop is done";
    run(h, "s");
    EXPECT_TRUE(h.cgroups.was_killed("s", SIGTERM));
    EXPECT_TRUE(h.timers.is_armed(h.id("s"), TimerKind::stop_timeout));
    h.cgroups.members["s"].clear();
    h.manager.on_exit(main, ExitStatus{0, SIGTERM});
    EXPECT_THAT(last_argv(h), ElementsAre("/bin/post"));
    EXPECT_EQ(h.state("s"), UnitState::stopping);
    EXPECT_TRUE(h.cgroups.removed.empty()) << "stop_post runs in the unit's cgroup";
    run(h, "s");
    EXPECT_EQ(h.state("s"), UnitState::inactive);
    EXPECT_THAT(h.cgroups.removed, ElementsAre("s"));
    EXPECT_EQ(h.manager.job(h.id("s")), std::string(""));
}

TEST(ManagerCommands, AMainProcessThatExitsDuringExecStopLetsItFinish) {
    Harness h({{"s", service("simple", "", "exec_stop = [\"/bin/stop\"]\n")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    pid_t main = run(h, "s", std::nullopt);
    ASSERT_TRUE(h.manager.stop("s").ok());
    pid_t stop = run(h, "s", std::nullopt);
    h.manager.on_exit(main, ExitStatus{0, 0});
    EXPECT_FALSE(h.processes.was_signalled(stop, SIGKILL));
    EXPECT_EQ(h.state("s"), UnitState::stopping);
    h.manager.on_exit(stop, ExitStatus{0, 0});
    EXPECT_EQ(h.state("s"), UnitState::inactive);
}

TEST(ManagerCommands, ExecStopIsOnlyForAUnitThatBecameActiveAndAnExitedOneshotCounts) {
    Harness h({{"o",
                "[service]\ntype = \"oneshot\"\nexec = [\"/bin/o\"]\n"
                "exec_stop = [\"/bin/undo\"]\n"},
               {"s", service("notify", "", "exec_stop = [\"/bin/stop\"]\n")}});
    ASSERT_TRUE(h.manager.start("o").ok());
    run(h, "o");
    EXPECT_EQ(h.state("o"), UnitState::active);
    ASSERT_TRUE(h.manager.stop("o").ok());
    EXPECT_THAT(last_argv(h), ElementsAre("/bin/undo"));
    run(h, "o");
    EXPECT_EQ(h.state("o"), UnitState::inactive);

    ASSERT_TRUE(h.manager.start("s").ok());
    pid_t main = run(h, "s", std::nullopt);  // never READY=1
    ASSERT_TRUE(h.manager.stop("s").ok());
    EXPECT_TRUE(h.processes.was_signalled(main, SIGTERM));
    EXPECT_EQ(h.spawn_count("s"), 1u);
}

TEST(ManagerCommands, StoppingDuringStartPreKillsTheCommandAndRunsStopPost) {
    Harness h(
        {{"s", service("simple", "",
                       "exec_start_pre = [\"/bin/slow\"]\nexec_stop_post = [\"/bin/post\"]\n")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    pid_t pre = run(h, "s", std::nullopt);
    ASSERT_TRUE(h.manager.stop("s").ok());
    EXPECT_TRUE(h.processes.was_signalled(pre, SIGKILL));
    EXPECT_THAT(last_argv(h), ElementsAre("/bin/post"));
    h.manager.on_exit(pre, ExitStatus{0, SIGKILL});  // an orphan's exit now
    run(h, "s");
    EXPECT_EQ(h.state("s"), UnitState::inactive);
    EXPECT_EQ(h.spawn_count("s"), 2u);
}

TEST(ManagerCommands, StopPostRunsBeforeAnAutomaticRestart) {
    Harness h(
        {{"s", service("simple", "", "restart = \"always\"\nexec_stop_post = [\"/bin/post\"]\n")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    pid_t main = run(h, "s", std::nullopt);
    h.manager.on_exit(main, ExitStatus{1, 0});
    EXPECT_THAT(last_argv(h), ElementsAre("/bin/post"));
    run(h, "s");
    EXPECT_EQ(h.state("s"), UnitState::restarting);
    EXPECT_EQ(h.runtime("s").reason, "exited with status 1");
}

TEST(ManagerCommands, KillModeControlGroupSignalsTheWholeCgroupWithKillSignal) {
    Harness h({{"s", service("simple", "", "kill_signal = \"SIGINT\"\n")}}, Harness::Cgroups::fake);
    ASSERT_TRUE(h.manager.start("s").ok());
    pid_t main = run(h, "s", std::nullopt);
    h.cgroups.members["s"] = {main, main + 50};
    ASSERT_TRUE(h.manager.stop("s").ok());
    EXPECT_TRUE(h.cgroups.was_killed("s", SIGINT));
    EXPECT_FALSE(h.cgroups.was_killed("s", SIGTERM));
    // Once: the cgroup holds the main process (a shell would take a second
    // SIGINT for a second ^C).
    EXPECT_TRUE(h.processes.kills.empty());
}

TEST(ManagerCommands, KillModeControlGroupWithoutACgroupSignalsTheMainProcessAndItsGroup) {
    Harness h({{"s", service("simple", "", "kill_signal = \"SIGINT\"\n")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    pid_t main = run(h, "s", std::nullopt);
    ASSERT_TRUE(h.manager.stop("s").ok());
    EXPECT_THAT(h.processes.kills, ElementsAre(std::pair<pid_t, int>{main, SIGINT}));
}

TEST(ManagerCommands, KillModeMixedSignalsTheMainProcessAloneThenKillsTheRest) {
    Harness h({{"s", service("simple", "", "kill_mode = \"mixed\"\n")}}, Harness::Cgroups::fake);
    ASSERT_TRUE(h.manager.start("s").ok());
    pid_t main = run(h, "s", std::nullopt);
    h.cgroups.members["s"] = {main, main + 50};
    ASSERT_TRUE(h.manager.stop("s").ok());
    EXPECT_THAT(h.processes.process_kills, ElementsAre(std::pair<pid_t, int>{main, SIGTERM}));
    EXPECT_TRUE(h.processes.kills.empty());
    EXPECT_TRUE(h.cgroups.kills.empty());
    h.cgroups.members["s"] = {main + 50};
    h.manager.on_exit(main, ExitStatus{0, SIGTERM});
    EXPECT_TRUE(h.cgroups.was_killed("s", SIGKILL));
}

TEST(ManagerCommands, KillModeProcessLeavesTheRestAlone) {
    Harness h({{"s", service("simple", "", "kill_mode = \"process\"\n")}}, Harness::Cgroups::fake);
    ASSERT_TRUE(h.manager.start("s").ok());
    pid_t main = run(h, "s", std::nullopt);
    h.cgroups.members["s"] = {main, main + 50};
    ASSERT_TRUE(h.manager.stop("s").ok());
    h.fire("s", TimerKind::stop_timeout);
    EXPECT_THAT(h.processes.process_kills, ElementsAre(std::pair<pid_t, int>{main, SIGTERM},
                                                       std::pair<pid_t, int>{main, SIGKILL}));
    h.cgroups.members["s"] = {main + 50};
    h.manager.on_exit(main, ExitStatus{0, SIGKILL});
    EXPECT_TRUE(h.processes.kills.empty());
    EXPECT_TRUE(h.cgroups.kills.empty());
    EXPECT_EQ(h.state("s"), UnitState::inactive);
}

TEST(ManagerCommands, KillModeProcessServiceIsDownWhenItsMainProcessExits) {
    // sshd's sessions stay in its cgroup; sshd's exit is the service's.
    Harness h({{"s", service("simple", "", "kill_mode = \"process\"\nrestart = \"on-failure\"\n")}},
              Harness::Cgroups::fake);
    ASSERT_TRUE(h.manager.start("s").ok());
    pid_t main = run(h, "s", std::nullopt);
    h.cgroups.members["s"] = {main, main + 50};
    h.manager.on_exit(main, ExitStatus{1, 0});
    EXPECT_FALSE(h.runtime("s").lingering);
    EXPECT_NE(h.state("s"), UnitState::active);
    EXPECT_TRUE(h.timers.is_armed(h.id("s"), TimerKind::restart_delay)) << "restart applies";
    EXPECT_TRUE(h.cgroups.kills.empty()) << "the sessions are left alone";
}

TEST(ManagerCommands, ReloadingAnnouncedByTheServiceIsBoundedToo) {
    Harness h({{"n", service("notify")}});
    ASSERT_TRUE(h.manager.start("n").ok());
    pid_t main = run(h, "n", std::nullopt);
    NotifyMessage ready, reloading;
    ready.ready = true;
    reloading.reloading = true;
    h.manager.on_notify(main, 0, ready);
    h.manager.on_notify(main, 0, reloading);
    EXPECT_EQ(h.manager.job(h.id("n")), std::string("reload"));
    ASSERT_TRUE(h.timers.is_armed(h.id("n"), TimerKind::control_timeout));
    h.fire("n", TimerKind::control_timeout);
    EXPECT_EQ(h.manager.job(h.id("n")), std::string(""));
    EXPECT_EQ(h.runtime("n").reload_failure, "no READY=1 within 1min 30s of the reload's start");
    EXPECT_EQ(h.state("n"), UnitState::active);
}

TEST(ManagerCommands, ReloadRunsExecReloadAndTheJobLastsUntilItEnds) {
    Harness h({{"s", service("simple", "", "exec_reload = [\"/bin/reload\"]\n")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    run(h, "s", std::nullopt);
    ASSERT_TRUE(h.manager.reload("s").ok());
    EXPECT_THAT(last_argv(h), ElementsAre("/bin/reload"));
    EXPECT_EQ(h.manager.job(h.id("s")), std::string("reload"));
    auto again = h.manager.reload("s");
    ASSERT_FALSE(again.ok());
    EXPECT_THAT(again.error().message, HasSubstr("busy"));
    run(h, "s", 4);
    EXPECT_EQ(h.manager.job(h.id("s")), std::string(""));
    EXPECT_EQ(h.state("s"), UnitState::active) << "a failed reload leaves the unit running";
    EXPECT_EQ(h.runtime("s").reload_failure,
              "exec_reload command /bin/reload exited with status 4");
    ASSERT_TRUE(h.manager.reload("s").ok());
    run(h, "s");
    EXPECT_EQ(h.runtime("s").reload_failure, "");
}

TEST(ManagerCommands, ReloadWithoutExecReloadSendsReloadSignalToTheMainProcessAlone) {
    Harness h(
        {{"s", service("simple", "", "reload_signal = \"SIGUSR1\"\n")}, {"d", service("simple")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    pid_t main = run(h, "s", std::nullopt);
    ASSERT_TRUE(h.manager.reload("s").ok());
    EXPECT_THAT(h.processes.process_kills, ElementsAre(std::pair<pid_t, int>{main, SIGUSR1}));
    EXPECT_EQ(h.manager.job(h.id("s")), std::string(""));
    ASSERT_TRUE(h.manager.start("d").ok());
    pid_t d = run(h, "d", std::nullopt);
    ASSERT_TRUE(h.manager.reload("d").ok());
    EXPECT_EQ(h.processes.process_kills.back(), (std::pair<pid_t, int>{d, SIGHUP}))
        << "SIGHUP is the default";
}

TEST(ManagerCommands, WhatCannotReloadSaysSo) {
    Harness h({{"t", "[unit]\n"},
               {"n", service("simple", "", "reload_signal = \"none\"\n")},
               {"i", service("simple")}});
    ASSERT_TRUE(h.manager.start("t").ok());
    auto target = h.manager.reload("t");
    ASSERT_FALSE(target.ok());
    EXPECT_THAT(target.error().message, HasSubstr("t cannot reload"));
    ASSERT_TRUE(h.manager.start("n").ok());
    run(h, "n", std::nullopt);
    auto none = h.manager.reload("n");
    ASSERT_FALSE(none.ok());
    EXPECT_THAT(none.error().message, HasSubstr("n cannot reload"));
    auto inactive = h.manager.reload("i");
    ASSERT_FALSE(inactive.ok());
    EXPECT_THAT(inactive.error().message, HasSubstr("not active"));
    EXPECT_FALSE(h.manager.reload("nope").ok());
}

TEST(ManagerCommands, NotifyReloadingUntilReadyIsAReloadInProgress) {
    Harness h({{"n", service("notify")}});
    ASSERT_TRUE(h.manager.start("n").ok());
    pid_t main = run(h, "n", std::nullopt);
    NotifyMessage ready, reloading;
    ready.ready = true;
    reloading.reloading = true;
    h.manager.on_notify(main, 0, ready);
    ASSERT_EQ(h.state("n"), UnitState::active);
    ASSERT_TRUE(h.manager.reload("n").ok());
    EXPECT_EQ(h.processes.process_kills.back(), (std::pair<pid_t, int>{main, SIGHUP}));
    // In progress from the signal on, until READY=1.
    EXPECT_EQ(h.manager.job(h.id("n")), std::string("reload"));
    h.manager.on_notify(main, 0, reloading);
    EXPECT_EQ(h.manager.job(h.id("n")), std::string("reload"));
    h.manager.on_notify(main, 0, ready);
    EXPECT_EQ(h.manager.job(h.id("n")), std::string(""));
    EXPECT_FALSE(h.timers.is_armed(h.id("n"), TimerKind::control_timeout));
    EXPECT_EQ(h.state("n"), UnitState::active);
    EXPECT_EQ(h.runtime("n").reload_failure, "");

    // A service that never answers: the reload fails after start_timeout.
    ASSERT_TRUE(h.manager.reload("n").ok());
    h.fire("n", TimerKind::control_timeout);
    EXPECT_EQ(h.manager.job(h.id("n")), std::string(""));
    EXPECT_EQ(h.runtime("n").reload_failure, "no READY=1 within 1min 30s of the reload's start");
    EXPECT_EQ(h.state("n"), UnitState::active);
}

TEST(ManagerCommands, TheJobOfARestartLastsThroughStopAndStart) {
    Harness h({{"s", service("notify")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    pid_t main = run(h, "s", std::nullopt);
    NotifyMessage ready;
    ready.ready = true;
    h.manager.on_notify(main, 0, ready);
    ASSERT_TRUE(h.manager.restart("s").ok());
    EXPECT_EQ(h.manager.job(h.id("s")), std::string("restart"));
    h.manager.on_exit(main, ExitStatus{0, SIGTERM});
    EXPECT_EQ(h.manager.job(h.id("s")), std::string("start"));
    pid_t again = run(h, "s", std::nullopt);
    h.manager.on_notify(again, 0, ready);
    EXPECT_EQ(h.manager.job(h.id("s")), std::string(""));
}

TEST(ManagerCommands, ShutdownRunsExecStopInReverseOrderThenTheShutdownTargetsUnits) {
    Harness h({{"default", "[unit]\nwants = [\"a\", \"b\"]\n"},
               {"a",
                "[service]\ntype = \"oneshot\"\nexec = [\"/bin/a\"]\n"
                "exec_stop = [\"/bin/stop-a\"]\n"},
               {"b",
                "[unit]\nafter = [\"a\"]\n[service]\ntype = \"oneshot\"\n"
                "exec = [\"/bin/b\"]\nexec_stop = [\"/bin/stop-b\"]\n"},
               {"shutdown", "[unit]\n"},
               {"final",
                "[unit]\nwanted_by = [\"shutdown\"]\nafter = [\"a\"]\n"
                "before = [\"shutdown\"]\n[service]\ntype = \"oneshot\"\n"
                "exec = [\"/bin/final\"]\n"}});
    ASSERT_TRUE(h.manager.start("default").ok());
    run(h, "a");
    run(h, "b");
    ASSERT_EQ(h.state("b"), UnitState::active);
    EXPECT_EQ(h.state("final"), UnitState::inactive) << "not started by the boot";

    h.manager.shutdown();
    EXPECT_THAT(last_argv(h), ElementsAre("/bin/stop-b")) << "b is ordered after a: it stops first";
    EXPECT_EQ(h.state("final"), UnitState::waiting) << "final waits for a to stop";
    EXPECT_EQ(h.state("shutdown"), UnitState::waiting);
    run(h, "b");
    EXPECT_THAT(last_argv(h), ElementsAre("/bin/stop-a"));
    EXPECT_FALSE(h.manager.shutdown_complete());
    run(h, "a");
    EXPECT_EQ(h.state("a"), UnitState::inactive);
    EXPECT_THAT(last_argv(h), ElementsAre("/bin/final"));
    EXPECT_FALSE(h.manager.shutdown_complete());
    run(h, "final");
    EXPECT_EQ(h.state("shutdown"), UnitState::active);
    EXPECT_TRUE(h.manager.shutdown_complete());
    EXPECT_FALSE(h.manager.start("b").ok()) << "nothing else starts during a shutdown";
}

}  // namespace
}  // namespace fastinit
