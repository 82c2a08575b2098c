// Instances made on demand (add_instance) and started by name: the graph
// grows as the loader would have made it, refuses hostile names and cycles,
// and the manager starts what it made.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "initd/graph/graph_instance.h"
#include "tests/unit/fakes.h"

namespace fastinit {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using testing::make_units;
using testing::oneshot;

Graph graph_with_template(const std::string& template_text,
                          std::vector<std::pair<std::string, std::string>> files = {}) {
    files.emplace_back("default", "[unit]\n");
    UnitSet set = make_units(files);
    set.templates["echo@"] = {"/u/echo@.toml", template_text};
    return build_graph(set);
}

TEST(GraphInstance, MakesTheInstanceWithItsSpecifiersAndEdges) {
    Graph g = graph_with_template(
        "[unit]\ndescription = \"echo %I\"\nrequires = [\"base\"]\nwants = [\"nosuch\"]\n"
        "before = [\"late\"]\n[service]\nexec = [\"/bin/echo\", \"%i\"]\n",
        {{"base", oneshot()}, {"late", oneshot()}});
    size_t before = g.nodes.size();
    auto made = add_instance(g, "echo@dev-ttyS0");
    ASSERT_TRUE(made.ok()) << made.error().message;
    const Node& n = g.nodes[*made];
    EXPECT_EQ(n.name, "echo@dev-ttyS0");
    EXPECT_EQ(n.unit->description, "echo dev/ttyS0");
    EXPECT_EQ(n.unit->service->exec.back(), "dev-ttyS0");
    EXPECT_THAT(n.requires_, Contains(*g.find("base")));
    EXPECT_THAT(n.after, Contains(*g.find("base")));
    EXPECT_THAT(g.nodes[*g.find("base")].dependents, Contains(*made));
    EXPECT_THAT(g.nodes[*g.find("late")].after, Contains(*made));
    // A name with no unit is a missing placeholder, as at load.
    ASSERT_TRUE(g.find("nosuch"));
    EXPECT_EQ(g.nodes[*g.find("nosuch")].status, NodeStatus::missing);
    EXPECT_EQ(g.nodes.size(), before + 2);
    EXPECT_EQ(g.instances_made, 1u);
    // Asking again returns the same node.
    EXPECT_EQ(*add_instance(g, "echo@dev-ttyS0"), *made);
    EXPECT_EQ(g.instances_made, 1u);
}

// Names of the nodes a list points at, sorted.
std::vector<std::string> names(const Graph& g, const std::vector<size_t>& list) {
    std::vector<std::string> out;
    for (size_t i : list)
        out.push_back(g.nodes[i].name);
    std::sort(out.begin(), out.end());
    return out;
}

// Every edge touching `name`, as words, for comparing two graphs by name.
std::vector<std::string> edges_of(const Graph& g, const std::string& name) {
    size_t self = *g.find(name);
    std::vector<std::string> out;
    const Node& n = g.nodes[self];
    for (const auto& [what, list] : {std::pair{"requires", &n.requires_},
                                     {"wants", &n.wants},
                                     {"conflicts", &n.conflicts},
                                     {"after", &n.after},
                                     {"dependents", &n.dependents}})
        for (const auto& other : names(g, *list))
            out.push_back(std::string(what) + " " + other);
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const Node& m = g.nodes[i];
        if (std::count(m.wants.begin(), m.wants.end(), self))
            out.push_back(m.name + " wants it");
        if (std::count(m.after.begin(), m.after.end(), self))
            out.push_back(m.name + " after it");
        if (std::count(m.conflicts.begin(), m.conflicts.end(), self))
            out.push_back(m.name + " conflicts");
    }
    std::sort(out.begin(), out.end());
    return out;
}

TEST(GraphInstance, GetsTheEdgesTheLoaderWouldHaveMade) {
    const std::string text =
        "[unit]\nrequires = [\"base\"]\nwants = [\"opt\", \"nosuch\"]\n"
        "wanted_by = [\"default\"]\nafter = [\"early\"]\nbefore = [\"late\"]\n"
        "conflicts = [\"rival\"]\n[service]\nexec = [\"/bin/echo\", \"%i\"]\n";
    std::vector<std::pair<std::string, std::string>> files = {
        {"default", "[unit]\n"}, {"base", oneshot()}, {"opt", oneshot()},
        {"early", oneshot()},    {"late", oneshot()}, {"rival", oneshot()}};
    UnitSet at_load = make_units(files);
    at_load.templates["echo@"] = {"/u/echo@.toml", text};
    instantiate_templates(at_load, {"echo@x"});
    ASSERT_TRUE(at_load.units.count("echo@x"));
    Graph loaded = build_graph(at_load);

    files.erase(files.begin());  // graph_with_template adds default
    Graph on_demand = graph_with_template(text, files);
    ASSERT_TRUE(add_instance(on_demand, "echo@x").ok());

    std::vector<std::string> expected = edges_of(loaded, "echo@x");
    EXPECT_THAT(expected, Contains("default wants it"));
    EXPECT_THAT(expected, Contains("late after it"));
    EXPECT_THAT(expected, Contains("rival conflicts"));
    EXPECT_THAT(expected, Contains("after base"));
    EXPECT_EQ(edges_of(on_demand, "echo@x"), expected);
}

TEST(GraphInstance, AppliesTheTemplatesAndTheInstancesDropIns) {
    // As an instance made at load does: `fastinit start getty@ttyS5` must
    // not skip an admin's getty@.toml.d/.
    UnitSet set = make_units({{"default", "[unit]\n"}});
    set.templates["echo@"] = {"/u/echo@.toml",
                              "[service]\nexec = [\"/bin/echo\", \"%i\"]\nuser = \"root\"\n"};
    set.dropins["echo@"] = {{"/etc/u/echo@.toml.d/user.toml", "[service]\nuser = \"daemon\"\n"}};
    set.dropins["echo@b"] = {{"/etc/u/echo@b.toml.d/x.toml", "[unit]\ndescription = \"b\"\n"}};
    Graph g = build_graph(set);
    auto a = add_instance(g, "echo@a");
    ASSERT_TRUE(a.ok()) << a.error().message;
    EXPECT_EQ(g.nodes[*a].unit->service->user, "daemon");
    auto b = add_instance(g, "echo@b");
    ASSERT_TRUE(b.ok()) << b.error().message;
    EXPECT_EQ(g.nodes[*b].unit->service->user, "daemon");
    EXPECT_EQ(g.nodes[*b].unit->description, "b");
    EXPECT_EQ(g.nodes[*a].unit->description, "");
}

TEST(GraphInstance, RefusesHostileNamesAndUnknownTemplates) {
    Graph g = graph_with_template("[service]\nexec = [\"/bin/echo\", \"%I\"]\n");
    size_t before = g.nodes.size();
    auto expect_error = [&](const std::string& name, const char* why) {
        auto made = add_instance(g, name);
        ASSERT_FALSE(made.ok()) << name;
        EXPECT_THAT(made.error().message, HasSubstr(why)) << name;
    };
    expect_error("echo@..", "\"..\"");
    expect_error("echo@a\\x00b", "NUL");
    expect_error("echo@" + std::string(200, 'a'), "no such unit");
    expect_error("echo@a/b", "no such unit");
    expect_error("plain", "no such unit");
    expect_error("echo@", "no such unit");
    expect_error("other@x", "no template other@");
    EXPECT_EQ(g.nodes.size(), before) << "nothing was added";
}

TEST(GraphInstance, TheTemplatesErrorsForThisInstanceAreTheReason) {
    Graph g = graph_with_template("[service]\nexec = [\"%I\"]\n");
    auto made = add_instance(g, "echo@x");
    ASSERT_FALSE(made.ok());
    EXPECT_THAT(made.error().message, HasSubstr("must be an absolute path"));
}

TEST(GraphInstance, AnOrderingCycleIsRefused) {
    // a is after b; an instance after a and before b would close a -> b -> i -> a.
    Graph g = graph_with_template("[unit]\nafter = [\"a\"]\nbefore = [\"b\"]\n",
                                  {{"a", oneshot("after = [\"b\"]")}, {"b", oneshot()}});
    size_t before = g.nodes.size();
    auto made = add_instance(g, "echo@x");
    ASSERT_FALSE(made.ok());
    EXPECT_THAT(made.error().message, HasSubstr("cycle"));
    EXPECT_EQ(g.nodes.size(), before);
    EXPECT_FALSE(g.find("echo@x").has_value());
    EXPECT_EQ(g.nodes[*g.find("a")].dependents.size(), 0u) << "no edge was left behind";
}

TEST(GraphInstance, AtMostMaxInstancesAreMade) {
    Graph g = graph_with_template("[service]\nexec = [\"/bin/true\"]\n");
    g.instances_made = kMaxInstances;
    auto made = add_instance(g, "echo@one");
    ASSERT_FALSE(made.ok());
    EXPECT_THAT(made.error().message, HasSubstr("instances have been made already"));
}

TEST(ManagerInstance, StartMakesAndStartsAnInstanceNoUnitNamed) {
    testing::Harness h(testing::Harness::FromGraph{},
                       graph_with_template("[unit]\nrequires = [\"base\"]\n"
                                           "[service]\ntype = \"oneshot\"\n"
                                           "exec = [\"/bin/echo\", \"%i\"]\n",
                                           {{"base", oneshot()}}));
    ASSERT_TRUE(h.manager.start("echo@hello").ok());
    EXPECT_EQ(h.state("echo@hello"), UnitState::waiting);
    h.spawned("base");
    h.exited("base");
    ASSERT_EQ(h.spawn_count("echo@hello"), 1u);
    EXPECT_EQ(h.processes.spawns.back().request.argv.back(), "hello");
    h.spawned("echo@hello");
    h.exited("echo@hello");
    EXPECT_EQ(h.state("echo@hello"), UnitState::active);

    auto bad = h.manager.start("echo@..");
    ASSERT_FALSE(bad.ok());
    EXPECT_THAT(bad.error().message, HasSubstr("\"..\""));
    h.manager.shutdown();
    EXPECT_THAT(h.manager.start("echo@late").error().message, HasSubstr("shutting down"));
}

}  // namespace
}  // namespace fastinit
