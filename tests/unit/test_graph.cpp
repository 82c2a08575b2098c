// The unit graph: closure of a target, ordering edges, missing units, and
// cycles (reported with their full path, broken where no `requires` insists).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/unit/fakes.h"

namespace fastinit {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using testing::make_units;
using testing::oneshot;
using ::testing::UnorderedElementsAre;

std::vector<std::string> names(const Graph& g, const std::vector<size_t>& ids) {
    std::vector<std::string> out;
    for (size_t i : ids)
        out.push_back(g.nodes[i].name);
    return out;
}

std::vector<std::string> after(const Graph& g, const std::string& name) {
    return names(g, g.nodes[*g.find(name)].after);
}

TEST(Graph, ClosureFollowsRequiresWantsAndWantedBy) {
    Graph g = build_graph(make_units({{"default", "[unit]\nrequires = [\"a\"]\n"},
                                      {"a", oneshot("wants = [\"b\"]")},
                                      {"b", oneshot()},
                                      {"dropin", oneshot("wanted_by = [\"default\"]")},
                                      {"unrelated", oneshot()}}));
    EXPECT_THAT(names(g, g.closure(*g.find("default"))),
                UnorderedElementsAre("default", "a", "b", "dropin"));
}

TEST(Graph, OrderingEdgesComeFromEveryKindOfDependency) {
    Graph g = build_graph(make_units({{"x", oneshot("requires = [\"r\"]\nwants = [\"w\"]\n"
                                                    "after = [\"o\"]")},
                                      {"r", oneshot()},
                                      {"w", oneshot()},
                                      {"o", oneshot()},
                                      {"early", oneshot("before = [\"x\"]")}}));
    EXPECT_THAT(after(g, "x"), UnorderedElementsAre("r", "w", "o", "early"));
    EXPECT_THAT(names(g, g.nodes[*g.find("r")].dependents), UnorderedElementsAre("x"));
    EXPECT_TRUE(g.problems.empty());
}

TEST(Graph, MissingUnitsBecomePlaceholdersWithAReason) {
    Graph g = build_graph(make_units({{"x", oneshot("requires = [\"ghost\"]")}}));
    auto ghost = g.find("ghost");
    ASSERT_TRUE(ghost);
    EXPECT_EQ(g.nodes[*ghost].status, NodeStatus::missing);
    EXPECT_THAT(g.nodes[*ghost].failure, HasSubstr("ghost.toml"));
    auto problems = closure_problems(g, *g.find("x"));
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].severity, Diagnostic::Severity::error);
    EXPECT_THAT(problems[0].message, HasSubstr("x requires ghost"));
}

TEST(Graph, BrokenUnitsKeepTheirError) {
    Graph g = build_graph(
        make_units({{"bad", "[unit]\nrequirs = []\n"}, {"x", oneshot("wants = [\"bad\"]")}}));
    const Node& bad = g.nodes[*g.find("bad")];
    EXPECT_EQ(bad.status, NodeStatus::broken);
    EXPECT_THAT(bad.failure, HasSubstr("requirs"));
    auto problems = closure_problems(g, *g.find("x"));
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].severity, Diagnostic::Severity::warning);
}

TEST(Graph, OrderingCycleIsReportedInFullAndBrokenAtAWeakEdge) {
    // a requires b, b requires c, c is merely ordered after a.
    Graph g = build_graph(make_units({{"a", oneshot("requires = [\"b\"]")},
                                      {"b", oneshot("requires = [\"c\"]")},
                                      {"c", oneshot("after = [\"a\"]")}}));
    ASSERT_EQ(g.problems.size(), 1u);
    const Diagnostic& d = g.problems[0];
    EXPECT_EQ(d.severity, Diagnostic::Severity::warning);
    // The cycle's full path, whichever unit it starts from.
    bool full = d.message.find("a → b → c → a") != std::string::npos ||
                d.message.find("b → c → a → b") != std::string::npos ||
                d.message.find("c → a → b → c") != std::string::npos;
    EXPECT_TRUE(full) << d.message;
    EXPECT_THAT(d.message, HasSubstr("dropped the ordering of c after a"));
    EXPECT_THAT(after(g, "c"), ::testing::IsEmpty());
    EXPECT_THAT(after(g, "a"), UnorderedElementsAre("b"));
    for (const auto& n : g.nodes)
        EXPECT_TRUE(n.failure.empty()) << n.name;
}

TEST(Graph, RequiresOnlyCycleFailsItsUnits) {
    Graph g = build_graph(make_units({{"a", oneshot("requires = [\"b\"]")},
                                      {"b", oneshot("requires = [\"a\"]")},
                                      {"c", oneshot("requires = [\"a\"]")}}));
    EXPECT_THAT(g.nodes[*g.find("a")].failure, HasSubstr("dependency cycle"));
    EXPECT_THAT(g.nodes[*g.find("b")].failure, HasSubstr("dependency cycle"));
    EXPECT_TRUE(g.nodes[*g.find("c")].failure.empty()) << "c is not on the cycle";
    ASSERT_EQ(g.problems.size(), 1u);
    EXPECT_EQ(g.problems[0].severity, Diagnostic::Severity::error);
}

TEST(Graph, SelfRequirementFails) {
    Graph g = build_graph(make_units({{"a", oneshot("requires = [\"a\"]")}}));
    EXPECT_THAT(g.nodes[*g.find("a")].failure, HasSubstr("requires itself"));
}

TEST(Graph, SeveralCyclesAreAllBroken) {
    Graph g = build_graph(make_units({{"a", oneshot("after = [\"b\"]")},
                                      {"b", oneshot("after = [\"a\"]")},
                                      {"c", oneshot("after = [\"d\"]")},
                                      {"d", oneshot("after = [\"c\"]")}}));
    EXPECT_EQ(g.problems.size(), 2u);
    size_t edges = 0;
    for (const auto& n : g.nodes)
        edges += n.after.size();
    EXPECT_EQ(edges, 2u);
}

TEST(Graph, LargeChainHasNoRecursionLimit) {
    std::vector<std::pair<std::string, std::string>> files;
    const int n = 20000;
    for (int i = 0; i < n; ++i)
        files.push_back(
            {"u" + std::to_string(i),
             i == 0 ? oneshot() : oneshot("after = [\"u" + std::to_string(i - 1) + "\"]")});
    files.push_back({"u0", oneshot("after = [\"u" + std::to_string(n - 1) + "\"]")});
    files.erase(files.begin());
    Graph g = build_graph(make_units(files));
    ASSERT_EQ(g.problems.size(), 1u) << "one cycle through 20000 units";
    EXPECT_THAT(g.problems[0].message, HasSubstr("ordering cycle"));
}

}  // namespace
}  // namespace fastinit
