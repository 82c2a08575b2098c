// Reloads as the manager sees them (Manager::apply_reload): a new graph from
// the loader, merged by name, with a diff; driven through the same fakes as
// the other manager tests. The loader's side (what is read, what a broken
// file keeps) is at the end, with real files in a temporary tree.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "initd/unit_sources.h"
#include "tests/unit/fakes.h"
#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

using ::testing::ElementsAre;
using testing::Harness;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::make_units;

std::string daemon(const std::string& program, const std::string& unit_section = "") {
    return "[unit]\n" + unit_section + "\n[service]\nexec = [\"" + program + "\"]\n";
}

Graph graph_of(const std::vector<std::pair<std::string, std::string>>& files) {
    return build_graph(make_units(files));
}

std::vector<std::string> argv_of_last_spawn(const Harness& h, const std::string& name) {
    for (auto it = h.processes.spawns.rbegin(); it != h.processes.spawns.rend(); ++it)
        if (it->request.unit == name)
            return it->request.argv;
    return {};
}

TEST(ManagerReload, UnchangedRunningUnitIsNotTouched) {
    Harness h({{"default", "[unit]\nwants = [\"web\"]\n"}, {"web", daemon("/bin/web")}});
    ASSERT_TRUE(h.manager.start("default").ok());
    pid_t pid = h.spawned("web");
    UnitId id = h.id("web");

    auto diff = h.manager.apply_reload(
        graph_of({{"default", "[unit]\nwants = [\"web\"]\n"}, {"web", daemon("/bin/web")}}));
    ASSERT_TRUE(diff.ok());
    EXPECT_THAT(diff->changed, IsEmpty());
    EXPECT_THAT(diff->added, IsEmpty());
    EXPECT_THAT(diff->removed, IsEmpty());
    EXPECT_EQ(diff->unchanged, 2u);
    EXPECT_EQ(h.id("web"), id);
    EXPECT_EQ(h.state("web"), UnitState::active);
    EXPECT_EQ(h.runtime("web").main_pid, pid);
    EXPECT_TRUE(h.processes.kills.empty());
    EXPECT_EQ(h.spawn_count("web"), 1u);
    EXPECT_EQ(h.manager.pending_definition(id), nullptr);
}

TEST(ManagerReload, ChangedRunningUnitKeepsItsDefinitionUntilRestarted) {
    Harness h({{"web", daemon("/bin/web-v1")}});
    ASSERT_TRUE(h.manager.start("web").ok());
    pid_t pid = h.spawned("web");

    auto diff = h.manager.apply_reload(graph_of({{"web", daemon("/bin/web-v2")}}));
    ASSERT_TRUE(diff.ok());
    EXPECT_THAT(diff->changed, ElementsAre("web"));
    EXPECT_THAT(diff->restart_to_apply, ElementsAre("web"));
    EXPECT_EQ(h.state("web"), UnitState::active);
    EXPECT_EQ(h.runtime("web").main_pid, pid);
    EXPECT_TRUE(h.processes.kills.empty()) << "a reload restarts nothing";
    // Running: the old definition, the new one waits.
    EXPECT_THAT(h.manager.graph().nodes[h.id("web")].unit->service->exec,
                ElementsAre("/bin/web-v1"));
    ASSERT_NE(h.manager.pending_definition(h.id("web")), nullptr);
    EXPECT_THAT(h.manager.next_definition(h.id("web"))->service->exec, ElementsAre("/bin/web-v2"));

    ASSERT_TRUE(h.manager.restart("web").ok());
    EXPECT_TRUE(h.processes.was_signalled(-pid, SIGTERM) ||
                h.processes.was_signalled(pid, SIGTERM));
    h.exited("web", 0, SIGTERM);
    ASSERT_EQ(h.spawn_count("web"), 2u);
    EXPECT_THAT(argv_of_last_spawn(h, "web"), ElementsAre("/bin/web-v2"));
    EXPECT_EQ(h.manager.pending_definition(h.id("web")), nullptr);
}

TEST(ManagerReload, ChangedUnitThatIsDownTakesTheNewDefinitionAtOnce) {
    Harness h({{"job", daemon("/bin/old")}});
    auto diff = h.manager.apply_reload(graph_of({{"job", daemon("/bin/new")}}));
    ASSERT_TRUE(diff.ok());
    EXPECT_THAT(diff->changed, ElementsAre("job"));
    EXPECT_THAT(diff->restart_to_apply, IsEmpty());
    EXPECT_EQ(h.manager.pending_definition(h.id("job")), nullptr);
    ASSERT_TRUE(h.manager.start("job").ok());
    EXPECT_THAT(argv_of_last_spawn(h, "job"), ElementsAre("/bin/new"));
}

TEST(ManagerReload, RemovedRunningUnitRunsUntilStoppedThenIsGone) {
    Harness h({{"default", "[unit]\nwants = [\"old\"]\n"}, {"old", daemon("/bin/old")}});
    ASSERT_TRUE(h.manager.start("default").ok());
    pid_t pid = h.spawned("old");

    auto diff = h.manager.apply_reload(graph_of({{"default", "[unit]\n"}}));
    ASSERT_TRUE(diff.ok());
    EXPECT_THAT(diff->removed, ElementsAre("old"));
    EXPECT_THAT(diff->still_running, ElementsAre("old"));
    EXPECT_THAT(diff->changed, ElementsAre("default"));
    EXPECT_EQ(h.state("old"), UnitState::active);
    EXPECT_EQ(h.runtime("old").main_pid, pid);
    const Node* pending = h.manager.pending_definition(h.id("old"));
    ASSERT_NE(pending, nullptr);
    EXPECT_EQ(pending->status, NodeStatus::missing);
    EXPECT_EQ(h.manager.next_definition(h.id("old")), nullptr);

    ASSERT_TRUE(h.manager.stop("old").ok());
    EXPECT_TRUE(h.processes.was_signalled(-pid, SIGTERM) ||
                h.processes.was_signalled(pid, SIGTERM));
    h.exited("old", 0, SIGTERM);
    EXPECT_EQ(h.state("old"), UnitState::inactive);
    EXPECT_EQ(h.manager.graph().nodes[h.id("old")].status, NodeStatus::missing);
    // Gone now: a start says so instead of running the old program.
    ASSERT_TRUE(h.manager.start("old").ok());
    EXPECT_EQ(h.state("old"), UnitState::failed);
    EXPECT_EQ(h.runtime("old").result, UnitResult::missing);
    EXPECT_EQ(h.spawn_count("old"), 1u);
}

TEST(ManagerReload, AddedUnitIsLoadedNotStartedEvenWhenAnActiveTargetWantsIt) {
    Harness h({{"default", "[unit]\nwants = [\"a\"]\n"}, {"a", daemon("/bin/a")}});
    ASSERT_TRUE(h.manager.start("default").ok());
    h.spawned("a");
    ASSERT_EQ(h.state("default"), UnitState::active);
    size_t before = h.manager.graph().nodes.size();
    UnitId a = h.id("a"), def = h.id("default");

    auto diff = h.manager.apply_reload(graph_of({{"default", "[unit]\nwants = [\"a\", \"b\"]\n"},
                                                 {"a", daemon("/bin/a")},
                                                 {"b", daemon("/bin/b")}}));
    ASSERT_TRUE(diff.ok());
    EXPECT_THAT(diff->added, ElementsAre("b"));
    EXPECT_THAT(diff->changed, ElementsAre("default"));
    EXPECT_EQ(h.id("a"), a);
    EXPECT_EQ(h.id("default"), def);
    EXPECT_GE(h.id("b"), before) << "new names come after the old ones";
    EXPECT_EQ(h.state("b"), UnitState::inactive);
    EXPECT_EQ(h.spawn_count("b"), 0u);
    EXPECT_EQ(h.state("default"), UnitState::active);

    // Starting the target again pulls it in; `a` is left as it is.
    ASSERT_TRUE(h.manager.start("default").ok());
    EXPECT_EQ(h.spawn_count("b"), 1u);
    EXPECT_EQ(h.spawn_count("a"), 1u);
}

TEST(ManagerReload, NewOrderingAppliesToUnitsStillWaiting) {
    Harness h({{"default", "[unit]\nwants = [\"slow\", \"late\"]\n"},
               {"slow", testing::oneshot()},
               {"late", daemon("/bin/late", "after = [\"slow\"]")}});
    ASSERT_TRUE(h.manager.start("default").ok());
    h.spawned("slow");
    ASSERT_EQ(h.state("late"), UnitState::waiting);

    auto diff =
        h.manager.apply_reload(graph_of({{"default", "[unit]\nwants = [\"slow\", \"late\"]\n"},
                                         {"slow", testing::oneshot()},
                                         {"late", daemon("/bin/late")}}));
    ASSERT_TRUE(diff.ok());
    EXPECT_THAT(diff->restart_to_apply, ElementsAre("late"));
    EXPECT_EQ(h.spawn_count("late"), 1u) << "no longer ordered after slow";
    EXPECT_EQ(h.state("slow"), UnitState::starting);
}

TEST(ManagerReload, UnitThatStopsRequiringAnotherLeavesItRunning) {
    Harness h({{"app", daemon("/bin/app", "requires = [\"db\"]")}, {"db", daemon("/bin/db")}});
    ASSERT_TRUE(h.manager.start("app").ok());
    h.spawned("db");
    h.spawned("app");
    auto diff =
        h.manager.apply_reload(graph_of({{"app", daemon("/bin/app")}, {"db", daemon("/bin/db")}}));
    ASSERT_TRUE(diff.ok());
    EXPECT_THAT(diff->changed, ElementsAre("app"));
    EXPECT_EQ(h.state("db"), UnitState::active);
    EXPECT_TRUE(h.processes.kills.empty());
    EXPECT_TRUE(h.manager.graph().nodes[h.id("app")].requires_.empty()) << "edges apply at once";
}

TEST(ManagerReload, RefusedWhileShuttingDown) {
    Harness h({{"a", daemon("/bin/a")}});
    h.manager.shutdown();
    auto diff = h.manager.apply_reload(graph_of({{"a", daemon("/bin/b")}}));
    ASSERT_FALSE(diff.ok());
    EXPECT_THAT(diff.error().message, HasSubstr("shutting down"));
}

TEST(ManagerReload, RemovedUnitThatIsDownBecomesMissingAtOnce) {
    Harness h({{"a", daemon("/bin/a")}, {"b", daemon("/bin/b")}});
    auto diff = h.manager.apply_reload(graph_of({{"a", daemon("/bin/a")}}));
    ASSERT_TRUE(diff.ok());
    EXPECT_THAT(diff->removed, ElementsAre("b"));
    EXPECT_THAT(diff->still_running, IsEmpty());
    EXPECT_EQ(h.manager.graph().nodes[h.id("b")].status, NodeStatus::missing);
}

TEST(ReloadReport, NamesEveryUnitWithWhatItMeansWhileRunning) {
    ReloadReport report;
    report.diff.added = {"db"};
    report.diff.changed = {"web", "cron"};
    report.diff.restart_to_apply = {"web"};
    report.diff.removed = {"old", "gone"};
    report.diff.still_running = {"old"};
    report.diff.unchanged = 7;
    report.kept = {{"ssh", "/etc/fastinit/units/ssh.toml:3: service.exec: expected an array"}};
    report.broken = {{"new", "/etc/fastinit/units/new.toml:1: bad"}};
    EXPECT_THAT(report.lines(),
                ElementsAre("added: db", "changed: web (restart to apply)", "changed: cron",
                            "removed: old (running until stopped)", "removed: gone",
                            "broken: ssh (old definition kept): "
                            "/etc/fastinit/units/ssh.toml:3: service.exec: expected an array",
                            "broken: new (not loaded): /etc/fastinit/units/new.toml:1: bad",
                            "7 units unchanged"));
    report.error = "the system is shutting down";
    EXPECT_THAT(report.lines(), ElementsAre("not reloaded: the system is shutting down"));
}

// ---- with the loader, from files ---------------------------------------------

struct LoadedHarness {
    explicit LoadedHarness(TempTree& tree)
        : sources{.dirs = {tree.path("units").string()},
                  .fstab = "",
                  .root_read_only = false,
                  .console_active = "",
                  .network_interfaces = "",
                  .target = "default"},
          h(Harness::FromGraph{}, load_unit_graph(sources)) {}
    ReloadReport reload() { return reload_units(sources, h.manager); }
    UnitSources sources;
    Harness h;
};

TEST(ReloadUnits, BrokenEditKeepsTheOldDefinitionAndSaysWhere) {
    TempTree tree;
    tree.write("units/default.toml", "[unit]\nwants = [\"web\"]\n");
    tree.write("units/web.toml", daemon("/bin/web-v1"));
    LoadedHarness l(tree);
    Harness& h = l.h;
    ASSERT_TRUE(h.manager.start("default").ok());
    pid_t pid = h.spawned("web");

    tree.write("units/web.toml", "[unit]\n\n[service]\nexec = 5\n");
    ReloadReport report = l.reload();
    ASSERT_EQ(report.error, "");
    ASSERT_EQ(report.kept.size(), 1u);
    EXPECT_EQ(report.kept[0].first, "web");
    EXPECT_THAT(report.kept[0].second, HasSubstr("web.toml:4"));
    EXPECT_THAT(report.kept[0].second, HasSubstr("service.exec"));
    EXPECT_THAT(report.diff.changed, IsEmpty());
    EXPECT_THAT(report.diff.removed, IsEmpty());
    EXPECT_EQ(h.runtime("web").main_pid, pid);
    EXPECT_THAT(h.manager.next_definition(h.id("web"))->service->exec, ElementsAre("/bin/web-v1"));
    // Still wanted by default: the old definition's edges too.
    EXPECT_FALSE(h.manager.graph().nodes[h.id("default")].wants.empty());

    // Mended: the change is seen against the kept definition.
    tree.write("units/web.toml", daemon("/bin/web-v2"));
    report = l.reload();
    EXPECT_THAT(report.kept, IsEmpty());
    EXPECT_THAT(report.diff.changed, ElementsAre("web"));
    EXPECT_THAT(report.diff.restart_to_apply, ElementsAre("web"));
}

TEST(ReloadUnits, InstancesMadeOnDemandSurviveAndFollowTheirTemplate) {
    TempTree tree;
    tree.write("units/default.toml", "[unit]\n");
    tree.write("units/getty@.toml", daemon("/sbin/getty-v1"));
    LoadedHarness l(tree);
    Harness& h = l.h;
    ASSERT_TRUE(h.manager.start("getty@tty9").ok());
    pid_t pid = h.spawned("getty@tty9");
    UnitId id = h.id("getty@tty9");

    ReloadReport report = l.reload();
    EXPECT_THAT(report.diff.removed, IsEmpty());
    EXPECT_THAT(report.diff.changed, IsEmpty());
    EXPECT_EQ(h.id("getty@tty9"), id);
    EXPECT_EQ(h.runtime("getty@tty9").main_pid, pid);
    EXPECT_EQ(h.state("getty@tty9"), UnitState::active);

    tree.write("units/getty@.toml", daemon("/sbin/getty-v2"));
    report = l.reload();
    EXPECT_THAT(report.diff.restart_to_apply, ElementsAre("getty@tty9"));

    // A broken template keeps the instance's definition.
    tree.write("units/getty@.toml", "[service\n");
    report = l.reload();
    ASSERT_EQ(report.kept.size(), 1u);
    EXPECT_EQ(report.kept[0].first, "getty@tty9");
    EXPECT_THAT(report.diff.removed, IsEmpty());
}

TEST(ReloadUnits, AddedAndRemovedFilesAndDropIns) {
    TempTree tree;
    tree.write("units/default.toml", "[unit]\n");
    tree.write("units/a.toml", daemon("/bin/a"));
    LoadedHarness l(tree);
    tree.write("units/b.toml", daemon("/bin/b"));
    tree.write("units/a.toml.d/10-env.toml", "[service]\nenvironment = { X = \"1\" }\n");
    ReloadReport report = l.reload();
    EXPECT_THAT(report.diff.added, ElementsAre("b"));
    EXPECT_THAT(report.diff.changed, ElementsAre("a"));
    std::filesystem::remove(tree.path("units/b.toml"));
    report = l.reload();
    EXPECT_THAT(report.diff.removed, ElementsAre("b"));
}

}  // namespace
}  // namespace fastinit
