// The manager's state machine, driven through fakes: what it starts, when,
// and what it does on exits, notifications, timers and stop requests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "tests/unit/fakes.h"

namespace fastinit {
namespace {

using ::testing::ElementsAre;
using testing::Harness;
using ::testing::HasSubstr;
using testing::oneshot;
using testing::service;
using ::testing::UnorderedElementsAre;

TEST(Manager, StartsIndependentUnitsTogetherAndDependentsOnlyWhenAllAreReady) {
    Harness h({{"default", "[unit]\nwants = [\"a\", \"b\", \"c\"]\n"},
               {"a", oneshot()},
               {"b", oneshot()},
               {"c", oneshot("after = [\"a\", \"b\"]")}});
    ASSERT_TRUE(h.manager.start("default").ok());
    EXPECT_THAT(h.processes.spawned_names(), UnorderedElementsAre("a", "b"));

    h.spawned("a");
    h.spawned("b");
    h.exited("a");
    EXPECT_EQ(h.spawn_count("c"), 0u) << "c must wait for b";
    EXPECT_EQ(h.state("default"), UnitState::waiting);

    h.clock.advance(std::chrono::milliseconds(5));
    h.exited("b");
    EXPECT_EQ(h.spawn_count("c"), 1u);
    EXPECT_EQ(h.runtime("c").waited_for, h.id("b"));
    h.spawned("c");
    h.exited("c");
    EXPECT_EQ(h.state("default"), UnitState::active);
    EXPECT_TRUE(h.manager.settled());
}

TEST(Manager, SimpleServiceIsReadyOnceExecutedOneshotOnlyAfterExitZero) {
    Harness h({{"default", "[unit]\nrequires = [\"d\", \"o\"]\n"},
               {"d", service("simple")},
               {"o", oneshot()}});
    ASSERT_TRUE(h.manager.start("default").ok());
    h.spawned("d");
    EXPECT_EQ(h.state("d"), UnitState::active);
    h.spawned("o");
    EXPECT_EQ(h.state("o"), UnitState::starting);
    EXPECT_TRUE(h.timers.is_armed(h.id("o"), TimerKind::start_timeout));
    h.exited("o", 0);
    EXPECT_EQ(h.state("o"), UnitState::active);
    EXPECT_FALSE(h.timers.is_armed(h.id("o"), TimerKind::start_timeout));
    EXPECT_EQ(h.state("default"), UnitState::active);
}

TEST(Manager, SpawnRequestCarriesEnvironmentNotifySocketAndOutput) {
    Harness h({{"n", service("notify", "",
                             "environment = { LANG = \"C\" }\nuser = \"daemon\"\n"
                             "working_directory = \"/var\"\nstdout = \"null\"\n")}});
    ASSERT_TRUE(h.manager.start("n").ok());
    ASSERT_EQ(h.processes.spawns.size(), 1u);
    const SpawnRequest& r = h.processes.spawns[0].request;
    EXPECT_THAT(r.argv, ElementsAre("/bin/daemon"));
    EXPECT_THAT(r.environment,
                ElementsAre("PATH=/bin", "NOTIFY_SOCKET=/run/fastinit/notify", "LANG=C"));
    EXPECT_EQ(r.user, "daemon");
    EXPECT_EQ(r.working_directory, "/var");
    EXPECT_EQ(r.stdout_target.kind, OutputTarget::Kind::null);
    EXPECT_EQ(r.stderr_target.kind, OutputTarget::Kind::null);
}

TEST(Manager, SpawnRequestCarriesFilesDirectoriesAndAttributes) {
    Harness h({{"s", service("simple", "",
                             "environment_file = \"-/etc/default/s\"\n"
                             "runtime_directory = \"s\"\nstate_directory = \"s\"\n"
                             "nice = 3\n")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    ASSERT_EQ(h.processes.spawns.size(), 1u);
    const SpawnRequest& r = h.processes.spawns[0].request;
    ASSERT_EQ(r.environment_files.size(), 1u);
    EXPECT_EQ(r.environment_files[0].path, "/etc/default/s");
    EXPECT_TRUE(r.environment_files[0].optional);
    EXPECT_THAT(r.directories.runtime, ElementsAre("s"));
    EXPECT_THAT(r.directories.state, ElementsAre("s"));
    EXPECT_EQ(r.attributes.nice, 3);
}

TEST(Manager, RuntimeDirectoriesGoWhenTheUnitIsDownAndOnlyIfItStarted) {
    Harness h({{"default", "[unit]\nwants = [\"s\", \"never\"]\n"},
               {"s", service("simple", "", "runtime_directory = [\"s\", \"s2\"]\n")},
               {"never", service("simple", "after = [\"s\"]", "runtime_directory = \"never\"\n")}});
    ASSERT_TRUE(h.manager.start("default").ok());
    ASSERT_TRUE(h.manager.stop("never").ok());  // stopped before it started
    EXPECT_TRUE(h.processes.removed_directories.empty());
    h.spawned("s");
    EXPECT_EQ(h.state("s"), UnitState::active);
    EXPECT_TRUE(h.processes.removed_directories.empty()) << "not while it runs";
    h.exited("s", 1);
    EXPECT_THAT(h.processes.removed_directories, ElementsAre("s:s", "s:s2"));
}

TEST(Manager, NotifyServiceIsReadyOnReadyFromItsOwnProcessesOnly) {
    Harness h({{"default", "[unit]\nrequires = [\"n\"]\n"}, {"n", service("notify")}});
    ASSERT_TRUE(h.manager.start("default").ok());
    pid_t pid = h.spawned("n");
    EXPECT_EQ(h.state("n"), UnitState::starting);

    NotifyMessage ready;
    ready.ready = true;
    ready.status = "warming up";
    // A stranger (unknown pid, other session) is ignored.
    h.processes.sessions[999] = 999;
    EXPECT_FALSE(h.manager.on_notify(999, 0, ready).accepted);
    EXPECT_EQ(h.state("n"), UnitState::starting);
    // A process of its session running as neither root nor the unit's
    // user is refused.
    h.processes.sessions[556] = pid;
    EXPECT_FALSE(h.manager.on_notify(556, 1000, ready).accepted);
    EXPECT_EQ(h.state("n"), UnitState::starting);

    // A helper in the service's session (systemd-notify from a script) may.
    h.processes.sessions[555] = pid;
    EXPECT_TRUE(h.manager.on_notify(555, 0, ready).accepted);
    EXPECT_EQ(h.state("n"), UnitState::active);
    EXPECT_EQ(h.runtime("n").status_text, "warming up");
    EXPECT_EQ(h.state("default"), UnitState::active);
}

TEST(Manager, MainProcessThatDroppedPrivilegesStillSpeaksForItsUnit) {
    // dbus-daemon --system switches to messagebus, then sends READY=1.
    Harness h({{"n", service("notify")}});
    ASSERT_TRUE(h.manager.start("n").ok());
    pid_t pid = h.spawned("n");
    NotifyMessage ready;
    ready.ready = true;
    EXPECT_TRUE(h.manager.on_notify(pid, 100, ready).accepted);
    EXPECT_EQ(h.state("n"), UnitState::active);
}

TEST(Manager, MainPidChangeIsFollowed) {
    Harness h({{"n", service("notify")}});
    ASSERT_TRUE(h.manager.start("n").ok());
    pid_t pid = h.spawned("n");
    NotifyMessage message;
    message.main_pid = 4242;
    message.ready = true;
    h.processes.sessions[4242] = pid;  // a process the service forked
    NotifyOutcome outcome = h.manager.on_notify(pid, 0, message);
    ASSERT_TRUE(outcome.accepted);
    EXPECT_EQ(outcome.ignored, "");
    EXPECT_EQ(h.runtime("n").main_pid, 4242);
    h.manager.on_exit(pid, ExitStatus{0, 0});  // the old main process: not ours now
    EXPECT_EQ(h.state("n"), UnitState::active);
    h.manager.on_exit(4242, ExitStatus{1, 0});
    EXPECT_EQ(h.state("n"), UnitState::failed);
}

// MAINPID= decides where signals go; only a process of the unit may be named.
TEST(Manager, MainPidMustBeAProcessOfTheUnit) {
    Harness h({{"n", service("notify", "", "user = \"nobody\"\n")}, {"other", service("simple")}});
    ASSERT_TRUE(h.manager.start("n").ok());
    ASSERT_TRUE(h.manager.start("other").ok());
    pid_t pid = h.spawned("n");
    pid_t other = h.spawned("other");
    h.processes.sessions[pid] = pid;
    h.processes.sessions[other] = other;
    h.processes.sessions[Harness::kManagerPid] = 1;
    h.processes.sessions[1] = 1;
    h.processes.sessions[7000] = 7000;  // a stranger's process...
    h.processes.parents[7000] = 1;      // ...that descends from nothing of n
    h.processes.sessions[7001] = 7001;  // a child of other's, in a session of its own
    h.processes.parents[7001] = other;
    h.processes.sessions[7002] = pid;   // forked by n's service: n's own
    h.processes.sessions[7003] = 7003;  // n's grandchild that left the session
    h.processes.parents[7003] = 7002;

    auto main_pid = [&](pid_t candidate) {
        NotifyMessage m;
        m.main_pid = candidate;
        NotifyOutcome outcome = h.manager.on_notify(pid, 0, m);
        EXPECT_TRUE(outcome.accepted) << candidate;
        return outcome;
    };
    for (pid_t refused : {1, int(Harness::kManagerPid), other, 7000, 7001, 9999}) {
        NotifyOutcome outcome = main_pid(refused);
        EXPECT_THAT(outcome.ignored, HasSubstr("MAINPID=" + std::to_string(refused)));
        EXPECT_EQ(h.runtime("n").main_pid, pid) << refused;
    }
    EXPECT_EQ(main_pid(7003).ignored, "");
    EXPECT_EQ(h.runtime("n").main_pid, 7003);
    EXPECT_EQ(main_pid(7002).ignored, "");
    EXPECT_EQ(h.runtime("n").main_pid, 7002);

    // What else the message says still counts.
    NotifyMessage ready;
    ready.ready = true;
    ready.main_pid = 1;
    EXPECT_NE(h.manager.on_notify(pid, 0, ready).ignored, "");
    EXPECT_EQ(h.state("n"), UnitState::active);
    EXPECT_EQ(h.runtime("n").main_pid, 7002);
}

TEST(Manager, RefusedMainPidIsNeverSignalled) {
    Harness h({{"n", service("notify", "", "start_timeout = \"2s\"\nuser = \"nobody\"\n")},
               {"victim", service("simple")}});
    ASSERT_TRUE(h.manager.start("victim").ok());
    ASSERT_TRUE(h.manager.start("n").ok());
    pid_t victim = h.spawned("victim");
    pid_t pid = h.spawned("n");
    h.processes.sessions[pid] = pid;
    h.processes.sessions[victim] = victim;
    for (pid_t target : {1, victim}) {
        NotifyMessage m;
        m.main_pid = target;
        h.manager.on_notify(pid, 0, m);
    }
    // A start timeout, then a stop: only n's own process is signalled (the
    // fake also fails the test on any signal to 1, 0 or -1).
    h.fire("n", TimerKind::start_timeout);
    h.fire("n", TimerKind::stop_timeout);
    ASSERT_TRUE(h.manager.stop("n").ok());
    h.exited("n", 0, SIGKILL);
    for (const auto& [target, signal] : h.processes.kills)
        EXPECT_TRUE(target == pid || target == -pid) << target << " got " << signal;
    EXPECT_EQ(h.state("victim"), UnitState::active);
}

TEST(Manager, NeverSignalsPidOneWhateverItsBookkeepingSays) {
    Harness h({{"s", service("simple")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    // No launcher reports pid 1; if one did, stopping must still not kill(-1).
    h.manager.on_spawned(h.id("s"), SpawnResult{1, 0});
    ASSERT_TRUE(h.manager.stop("s").ok());
    h.manager.on_timer(h.id("s"), TimerKind::stop_timeout);
    h.manager.on_exit(1, ExitStatus{0, SIGKILL});
    EXPECT_TRUE(h.processes.kills.empty());
    EXPECT_EQ(h.state("s"), UnitState::inactive);
}

TEST(Manager, EverySignalHasAName) {
    for (int signal = -2; signal <= 70; ++signal) {
        if (signal == 0)
            continue;
        std::string text = (ExitStatus{0, signal}.to_string());
        EXPECT_THAT(text, HasSubstr("killed by signal " + std::to_string(signal) + " ("));
    }
    for (int signal : {std::numeric_limits<int>::min(), std::numeric_limits<int>::max()})
        EXPECT_THAT((ExitStatus{0, signal}.to_string()), HasSubstr(std::to_string(signal)));
    EXPECT_EQ((ExitStatus{0, SIGTERM}.to_string()), "killed by signal 15 (TERM)");
    EXPECT_THAT((ExitStatus{0, SIGRTMIN}.to_string()), HasSubstr("(RTMIN)"));
    EXPECT_THAT((ExitStatus{0, SIGRTMIN + 3}.to_string()), HasSubstr("(RTMIN+3)"));
    EXPECT_THAT((ExitStatus{0, SIGRTMAX}.to_string()),
                HasSubstr("(RTMIN+" + std::to_string(SIGRTMAX - SIGRTMIN) + ")"));
    EXPECT_EQ((ExitStatus{3, 0}.to_string()), "exited with status 3");
}

TEST(Manager, DeathByRealTimeSignalIsRecorded) {
    Harness h({{"s", service("simple")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    h.spawned("s");
    h.exited("s", 0, SIGRTMIN);
    EXPECT_EQ(h.state("s"), UnitState::failed);
    EXPECT_EQ(h.runtime("s").result, UnitResult::signal);
    EXPECT_THAT(h.runtime("s").reason, HasSubstr("(RTMIN)"));
    ASSERT_TRUE(h.runtime("s").last_exit);
    EXPECT_EQ(h.runtime("s").last_exit->signal, SIGRTMIN);
}

TEST(Manager, RequiredFailurePropagatesWantedFailureDoesNot) {
    Harness h({{"default", "[unit]\nwants = [\"req\", \"want\"]\n"},
               {"base", oneshot()},
               {"req", oneshot("requires = [\"base\"]")},
               {"want", oneshot("wants = [\"base\"]")}});
    ASSERT_TRUE(h.manager.start("default").ok());
    h.spawned("base");
    h.exited("base", 3);
    EXPECT_EQ(h.state("base"), UnitState::failed);
    EXPECT_EQ(h.runtime("base").result, UnitResult::exit_code);
    EXPECT_EQ(h.state("req"), UnitState::skipped);
    EXPECT_THAT(h.runtime("req").reason, HasSubstr("base"));
    EXPECT_EQ(h.spawn_count("req"), 0u);
    EXPECT_EQ(h.spawn_count("want"), 1u);
}

TEST(Manager, MissingAndBrokenDependencies) {
    Harness h({{"default", "[unit]\nwants = [\"r\", \"w\", \"b\"]\n"},
               {"r", oneshot("requires = [\"ghost\"]")},
               {"w", oneshot("wants = [\"ghost\"]")},
               {"broken", "[unit]\nrequirs = []\n"},
               {"b", oneshot("requires = [\"broken\"]")}});
    ASSERT_TRUE(h.manager.start("default").ok());
    EXPECT_EQ(h.state("ghost"), UnitState::failed);
    EXPECT_EQ(h.runtime("ghost").result, UnitResult::missing);
    EXPECT_EQ(h.state("r"), UnitState::skipped);
    EXPECT_EQ(h.state("b"), UnitState::skipped);
    EXPECT_THAT(h.runtime("b").reason, HasSubstr("broken"));
    EXPECT_EQ(h.spawn_count("w"), 1u);
}

TEST(Manager, ConditionsSkipWithoutFailing) {
    Harness h({{"default", "[unit]\nrequires = [\"p\", \"np\", \"k\", \"nk\"]\n"},
               {"p", "[condition]\npath_exists = \"/etc/thing\"\n" + oneshot()},
               {"np", "[condition]\npath_exists = \"!/etc/thing\"\n" + oneshot()},
               {"k", "[condition]\nkernel_cmdline = \"fastinit.debug\"\n" + oneshot()},
               {"nk", "[condition]\nkernel_cmdline = \"!quiet\"\n" + oneshot()}});
    h.conditions.paths.insert("/etc/thing");
    h.conditions.cmdline = {"quiet", "fastinit.debug=1"};
    ASSERT_TRUE(h.manager.start("default").ok());
    EXPECT_EQ(h.spawn_count("p"), 1u);
    EXPECT_EQ(h.spawn_count("k"), 1u) << "a bare word matches word=value";
    EXPECT_EQ(h.state("np"), UnitState::skipped);
    EXPECT_EQ(h.runtime("np").result, UnitResult::condition);
    EXPECT_EQ(h.state("nk"), UnitState::skipped);
    // A requirement skipped by its conditions still counts as satisfied.
    EXPECT_EQ(h.state("default"), UnitState::waiting);
    for (const char* name : {"p", "k"}) {
        h.spawned(name);
        h.exited(name);
    }
    EXPECT_EQ(h.state("default"), UnitState::active);
}

TEST(Manager, StartTimeoutTerminatesThenFails) {
    Harness h({{"default", "[unit]\nrequires = [\"n\"]\n"},
               {"n", service("notify", "", "start_timeout = \"2s\"\nstop_timeout = \"1s\"\n")}});
    ASSERT_TRUE(h.manager.start("default").ok());
    pid_t pid = h.spawned("n");
    EXPECT_EQ(h.timers.armed.at({h.id("n"), TimerKind::start_timeout}),
              h.clock.now() + std::chrono::seconds(2));
    h.fire("n", TimerKind::start_timeout);
    EXPECT_TRUE(h.processes.was_signalled(pid, SIGTERM));
    h.fire("n", TimerKind::stop_timeout);
    EXPECT_TRUE(h.processes.was_signalled(pid, SIGKILL));
    h.exited("n", 0, SIGKILL);
    EXPECT_EQ(h.state("n"), UnitState::failed);
    EXPECT_EQ(h.runtime("n").result, UnitResult::timeout);
    EXPECT_EQ(h.state("default"), UnitState::skipped);
}

TEST(Manager, RestartBacksOffExponentiallyAndStopsAtTheStartLimit) {
    Harness h({{"s", service("simple", "",
                             "restart = \"on-failure\"\nrestart_delay = \"100ms\"\n"
                             "restart_delay_max = \"1s\"\nstart_limit_burst = 4\n"
                             "start_limit_interval = \"1min\"\n")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    std::vector<long long> delays_ms;
    for (int i = 0; i < 3; ++i) {
        h.spawned("s");
        EXPECT_EQ(h.state("s"), UnitState::active);
        h.exited("s", 1);
        ASSERT_EQ(h.state("s"), UnitState::restarting);
        auto deadline = h.timers.armed.at({h.id("s"), TimerKind::restart_delay});
        delays_ms.push_back(
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - h.clock.now())
                .count());
        h.clock.advance(std::chrono::duration_cast<Duration>(deadline - h.clock.now()));
        h.fire("s", TimerKind::restart_delay);
    }
    EXPECT_THAT(delays_ms, ElementsAre(100, 200, 400));
    h.spawned("s");
    h.exited("s", 1);
    h.fire("s", TimerKind::restart_delay);
    EXPECT_EQ(h.state("s"), UnitState::failed);
    EXPECT_EQ(h.runtime("s").result, UnitResult::start_limit_hit);
    EXPECT_EQ(h.spawn_count("s"), 4u);
}

TEST(Manager, RestartAlwaysAlsoAfterCleanExitButNotWhenStopping) {
    Harness h({{"s", service("simple", "", "restart = \"always\"\n")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    h.spawned("s");
    h.exited("s", 0);
    EXPECT_EQ(h.state("s"), UnitState::restarting);
    h.fire("s", TimerKind::restart_delay);
    pid_t pid = h.spawned("s");
    ASSERT_TRUE(h.manager.stop("s").ok());
    EXPECT_TRUE(h.processes.was_signalled(pid, SIGTERM));
    h.exited("s", 0, SIGTERM);
    EXPECT_EQ(h.state("s"), UnitState::inactive);
    EXPECT_FALSE(h.timers.is_armed(h.id("s"), TimerKind::restart_delay));
}

TEST(Manager, OnFailureDoesNotRestartAfterCleanExit) {
    Harness h({{"s", service("simple", "", "restart = \"on-failure\"\n")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    h.spawned("s");
    h.exited("s", 0);
    EXPECT_EQ(h.state("s"), UnitState::inactive);
    EXPECT_EQ(h.runtime("s").result, UnitResult::success);
}

TEST(Manager, ExecFailureIsAFailureWithTheReason) {
    Harness h({{"default", "[unit]\nrequires = [\"s\"]\n"}, {"s", service("simple")}});
    ASSERT_TRUE(h.manager.start("default").ok());
    h.manager.on_spawn_failed(h.id("s"), Error{"cannot execute /bin/daemon: No such file", 2});
    EXPECT_EQ(h.state("s"), UnitState::failed);
    EXPECT_EQ(h.runtime("s").result, UnitResult::exec_failed);
    EXPECT_THAT(h.runtime("s").reason, HasSubstr("No such file"));
    EXPECT_EQ(h.state("default"), UnitState::skipped);
}

TEST(Manager, ExitReapedBeforeTheSpawnReportIsNotLost) {
    Harness h({{"o", oneshot()}});
    ASSERT_TRUE(h.manager.start("o").ok());
    // The worker thread's child ran and exited before its report arrived.
    h.manager.on_exit(100, ExitStatus{0, 0});
    h.spawned("o");  // gets pid 100
    EXPECT_EQ(h.state("o"), UnitState::active);
}

TEST(Manager, ShutdownStopsInReverseOrderAndIndependentBranchesInParallel) {
    Harness h({{"default", "[unit]\nwants = [\"c\", \"d\"]\n"},
               {"a", service("simple")},
               {"b", service("simple", "requires = [\"a\"]")},
               {"c", service("simple", "requires = [\"b\"]")},
               {"d", service("simple")}});
    ASSERT_TRUE(h.manager.start("default").ok());
    h.spawned("a");
    h.spawned("d");
    h.spawned("b");
    h.spawned("c");
    ASSERT_EQ(h.state("default"), UnitState::active);

    h.manager.shutdown();
    EXPECT_TRUE(h.processes.was_signalled(h.pids["c"], SIGTERM));
    EXPECT_TRUE(h.processes.was_signalled(h.pids["d"], SIGTERM)) << "independent: at once";
    EXPECT_FALSE(h.processes.was_signalled(h.pids["b"], SIGTERM));
    EXPECT_FALSE(h.processes.was_signalled(h.pids["a"], SIGTERM));
    h.exited("c", 0, SIGTERM);
    EXPECT_TRUE(h.processes.was_signalled(h.pids["b"], SIGTERM));
    EXPECT_FALSE(h.processes.was_signalled(h.pids["a"], SIGTERM));
    h.exited("b", 0, SIGTERM);
    EXPECT_TRUE(h.processes.was_signalled(h.pids["a"], SIGTERM));
    EXPECT_FALSE(h.manager.shutdown_complete());
    h.exited("a", 0, SIGTERM);
    h.exited("d", 0, SIGTERM);
    EXPECT_TRUE(h.manager.shutdown_complete());
    EXPECT_FALSE(h.manager.start("a").ok()) << "no starts while shutting down";
}

TEST(Manager, StopTimeoutEscalatesToSigkill) {
    Harness h({{"s", service("simple", "", "stop_timeout = \"500ms\"\n")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    pid_t pid = h.spawned("s");
    h.manager.shutdown();
    EXPECT_EQ(h.timers.armed.at({h.id("s"), TimerKind::stop_timeout}),
              h.clock.now() + std::chrono::milliseconds(500));
    h.fire("s", TimerKind::stop_timeout);
    EXPECT_TRUE(h.processes.was_signalled(pid, SIGKILL));
    h.exited("s", 0, SIGKILL);
    EXPECT_TRUE(h.manager.shutdown_complete());
}

TEST(Manager, StopAlsoStopsUnitsThatRequireIt) {
    Harness h({{"a", service("simple")},
               {"b", service("simple", "requires = [\"a\"]")},
               {"w", service("simple", "wants = [\"a\"]")}});
    ASSERT_TRUE(h.manager.start("b").ok());
    ASSERT_TRUE(h.manager.start("w").ok());
    h.spawned("a");
    h.spawned("b");
    h.spawned("w");
    ASSERT_TRUE(h.manager.stop("a").ok());
    EXPECT_TRUE(h.processes.was_signalled(h.pids["b"], SIGTERM));
    EXPECT_FALSE(h.processes.was_signalled(h.pids["w"], SIGTERM));
    EXPECT_FALSE(h.processes.was_signalled(h.pids["a"], SIGTERM)) << "b stops first";
    h.exited("b", 0, SIGTERM);
    EXPECT_TRUE(h.processes.was_signalled(h.pids["a"], SIGTERM));
    h.exited("a", 0, SIGTERM);
    EXPECT_EQ(h.state("a"), UnitState::inactive);
    EXPECT_EQ(h.state("w"), UnitState::active);
}

TEST(Manager, RestartStopsThenStartsAgain) {
    Harness h({{"s", service("simple")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    pid_t first = h.spawned("s");
    ASSERT_TRUE(h.manager.restart("s").ok());
    EXPECT_TRUE(h.processes.was_signalled(first, SIGTERM));
    h.exited("s", 0, SIGTERM);
    EXPECT_EQ(h.spawn_count("s"), 2u);
    pid_t second = h.spawned("s");
    EXPECT_NE(first, second);
    EXPECT_EQ(h.state("s"), UnitState::active);
}

TEST(Manager, RestartOfARequirementRestartsDependentsAfterIt) {
    Harness h({{"db", service("simple")}, {"app", service("simple", "requires = [\"db\"]")}});
    ASSERT_TRUE(h.manager.start("app").ok());
    h.spawned("db");
    h.spawned("app");
    ASSERT_TRUE(h.manager.restart("db").ok());
    h.exited("app", 0, SIGTERM);
    EXPECT_EQ(h.spawn_count("app"), 1u) << "app must not come back before db has restarted";
    h.exited("db", 0, SIGTERM);
    EXPECT_EQ(h.spawn_count("db"), 2u);
    EXPECT_EQ(h.spawn_count("app"), 1u);
    h.spawned("db");
    EXPECT_EQ(h.spawn_count("app"), 2u);
    h.spawned("app");
    EXPECT_EQ(h.state("app"), UnitState::active);
    EXPECT_EQ(h.state("db"), UnitState::active);
}

TEST(Manager, StopDuringSpawnTerminatesOnceSpawned) {
    Harness h({{"s", service("simple")}});
    ASSERT_TRUE(h.manager.start("s").ok());
    ASSERT_TRUE(h.manager.stop("s").ok());
    EXPECT_EQ(h.state("s"), UnitState::stopping);
    pid_t pid = h.spawned("s");
    EXPECT_TRUE(h.processes.was_signalled(pid, SIGTERM));
    h.exited("s", 0, SIGTERM);
    EXPECT_EQ(h.state("s"), UnitState::inactive);
}

TEST(Manager, StartingAUnitStopsWhatItConflictsWith) {
    Harness h({{"x", service("simple", "conflicts = [\"y\"]")}, {"y", service("simple")}});
    ASSERT_TRUE(h.manager.start("y").ok());
    pid_t y = h.spawned("y");
    ASSERT_TRUE(h.manager.start("x").ok());
    EXPECT_TRUE(h.processes.was_signalled(y, SIGTERM));
    EXPECT_EQ(h.spawn_count("x"), 1u);
}

TEST(Manager, UnbreakableCycleFailsItsUnitsOthersRun) {
    Harness h({{"default", "[unit]\nwants = [\"p\", \"q\", \"free\"]\n"},
               {"p", oneshot("requires = [\"q\"]")},
               {"q", oneshot("requires = [\"p\"]")},
               {"free", oneshot()}});
    ASSERT_TRUE(h.manager.start("default").ok());
    EXPECT_EQ(h.state("p"), UnitState::failed);
    EXPECT_EQ(h.state("q"), UnitState::failed);
    EXPECT_THAT(h.runtime("p").reason, HasSubstr("cycle"));
    EXPECT_EQ(h.spawn_count("free"), 1u);
}

TEST(Manager, UnknownUnitRequestsAreErrors) {
    Harness h({{"s", service("simple")}});
    EXPECT_THAT(h.manager.start("nope").error().message, HasSubstr("no such unit"));
    EXPECT_FALSE(h.manager.stop("nope").ok());
    EXPECT_FALSE(h.manager.restart("nope").ok());
}

TEST(Manager, TargetsAreReadyWhenTheirPredecessorsSettle) {
    Harness h({{"default", "[unit]\nrequires = [\"net\"]\n"},
               {"net", "[unit]\nrequires = [\"dhcp\"]\n"},
               {"dhcp", oneshot()}});
    ASSERT_TRUE(h.manager.start("default").ok());
    EXPECT_EQ(h.state("net"), UnitState::waiting);
    h.spawned("dhcp");
    h.exited("dhcp");
    EXPECT_EQ(h.state("net"), UnitState::active);
    EXPECT_EQ(h.state("default"), UnitState::active);
}

TEST(Manager, ListenerSeesEveryStateChange) {
    Harness h({{"o", oneshot()}});
    std::vector<UnitState> seen;
    h.manager.set_listener([&](UnitId unit) { seen.push_back(h.manager.runtime(unit).state); });
    ASSERT_TRUE(h.manager.start("o").ok());
    h.spawned("o");
    h.exited("o");
    EXPECT_THAT(seen, ElementsAre(UnitState::waiting, UnitState::starting, UnitState::active));
}

// The words are what the bus, boot.json and the client show: they must not
// drift when the enum does.
TEST(Manager, ResultsAndStatesKeepTheirWords) {
    EXPECT_STREQ(to_string(UnitResult::none), "");
    EXPECT_STREQ(to_string(UnitResult::success), "success");
    EXPECT_STREQ(to_string(UnitResult::exit_code), "exit-code");
    EXPECT_STREQ(to_string(UnitResult::signal), "signal");
    EXPECT_STREQ(to_string(UnitResult::timeout), "timeout");
    EXPECT_STREQ(to_string(UnitResult::exec_failed), "exec-failed");
    EXPECT_STREQ(to_string(UnitResult::start_limit_hit), "start-limit-hit");
    EXPECT_STREQ(to_string(UnitResult::dependency), "dependency");
    EXPECT_STREQ(to_string(UnitResult::condition), "condition");
    EXPECT_STREQ(to_string(UnitResult::missing), "missing");
    EXPECT_STREQ(to_string(UnitResult::broken), "broken");
    EXPECT_STREQ(to_string(UnitResult::cancelled), "cancelled");
    EXPECT_STREQ(to_string(UnitState::restarting), "restarting");
    EXPECT_TRUE(is_down(UnitState::skipped));
    EXPECT_FALSE(is_down(UnitState::stopping));
}

}  // namespace
}  // namespace fastinit
