// Drop-ins: how they merge over a unit file (a key replaces, a list whole, a
// table merges key by key), which files apply and in which order across the
// search path, templates and instances, and hostile drop-ins (a broken one
// breaks its unit with the drop-in's file, line and key; a crash in the
// pre-flight names the drop-in; an oversized one is never read whole).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

#include "initd/unit/unit_dropins.h"
#include "initd/unit/unit_file_reader.h"
#include "initd/unit/unit_loader.h"
#include "initd/unit/unit_parser.h"
#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr const char* kWeb =
    "[unit]\ndescription = \"web\"\nwants = [\"a\", \"b\"]\n\n[service]\n"
    "exec = [\"/bin/web\", \"--port\", \"80\"]\nenvironment = { A = \"1\", B = \"2\" }\n"
    "restart = \"always\"\n";

ParsedUnit parse_with(std::vector<std::pair<std::string, std::string>> dropins) {
    static std::vector<std::pair<std::string, std::string>> keep;
    keep = std::move(dropins);
    std::vector<DropIn> views;
    for (const auto& [path, text] : keep)
        views.push_back({path, text});
    return parse_unit("web", "/usr/lib/web.toml", kWeb, nullptr, views);
}

TEST(DropInMerge, AScalarReplacesAndTheRestStays) {
    ParsedUnit p = parse_with({{"/etc/web.toml.d/10.toml", "[unit]\ndescription = \"mine\"\n"}});
    ASSERT_TRUE(p.unit) << p.diagnostics.at(0).to_string();
    EXPECT_EQ(p.unit->description, "mine");
    EXPECT_THAT(p.unit->wants, ElementsAre("a", "b"));
    EXPECT_EQ(p.unit->service->exec[0], "/bin/web");
    EXPECT_EQ(p.unit->service->restart, RestartPolicy::always);
    EXPECT_THAT(p.unit->dropins, ElementsAre("/etc/web.toml.d/10.toml"));
}

TEST(DropInMerge, AListReplacesWholeAndAnEmptyListClearsIt) {
    ParsedUnit p = parse_with({{"/d/10.toml",
                                "[unit]\nwants = [\"c\"]\n[service]\n"
                                "exec = [\"/bin/web\", \"--port\", \"8080\"]\n"}});
    ASSERT_TRUE(p.unit);
    EXPECT_THAT(p.unit->wants, ElementsAre("c"));
    EXPECT_THAT(p.unit->service->exec, ElementsAre("/bin/web", "--port", "8080"));
    ParsedUnit cleared = parse_with({{"/d/10.toml", "[unit]\nwants = []\n"}});
    ASSERT_TRUE(cleared.unit);
    EXPECT_TRUE(cleared.unit->wants.empty());
}

TEST(DropInMerge, AnInlineTableIsOneValueButASectionMergesKeyByKey) {
    // environment is one key: it is replaced whole, like a list.
    ParsedUnit p = parse_with({{"/d/10.toml", "[service]\nenvironment = { C = \"3\" }\n"}});
    ASSERT_TRUE(p.unit);
    EXPECT_THAT(p.unit->service->environment, ElementsAre(Pair("C", "3")));
    // A section only a drop-in has is added.
    ParsedUnit added = parse_with({{"/d/10.toml", "[condition]\npath_exists = [\"/etc/web\"]\n"}});
    ASSERT_TRUE(added.unit);
    EXPECT_THAT(added.unit->conditions.path_exists, ElementsAre("/etc/web"));
}

TEST(DropInMerge, LaterDropInsWin) {
    ParsedUnit p = parse_with({{"/d/10.toml", "[unit]\ndescription = \"ten\"\n"},
                               {"/d/20.toml", "[unit]\ndescription = \"twenty\"\n"}});
    ASSERT_TRUE(p.unit);
    EXPECT_EQ(p.unit->description, "twenty");
    EXPECT_THAT(p.unit->dropins, ElementsAre("/d/10.toml", "/d/20.toml"));
}

TEST(DropInMerge, AnErrorNamesTheDropInLineAndKey) {
    ParsedUnit p = parse_with({{"/d/10.toml", "# comment\n[service]\nrestart = \"sometimes\"\n"}});
    EXPECT_FALSE(p.unit);
    ASSERT_EQ(p.diagnostics.size(), 1u);
    EXPECT_EQ(p.diagnostics[0].file, "/d/10.toml");
    EXPECT_EQ(p.diagnostics[0].line, 3);
    EXPECT_EQ(p.diagnostics[0].key, "service.restart");
}

TEST(DropInMerge, ATypoGetsItsSuggestionAndTheDropInsName) {
    ParsedUnit p = parse_with({{"/d/10.toml", "[service]\nrestrat = \"no\"\n"}});
    EXPECT_FALSE(p.unit);
    ASSERT_EQ(p.diagnostics.size(), 1u);
    EXPECT_EQ(p.diagnostics[0].file, "/d/10.toml");
    EXPECT_THAT(p.diagnostics[0].message, HasSubstr("did you mean \"restart\""));
}

TEST(DropInMerge, ASyntaxErrorOrGuardFindingBreaksTheUnit) {
    for (const char* bad : {"[service\n", "[[[", "a = \"\xd1\xa8u\"\n\xd1\xa8u"}) {
        ParsedUnit p = parse_with({{"/d/bad.toml", bad}});
        EXPECT_FALSE(p.unit) << bad;
        ASSERT_FALSE(p.diagnostics.empty()) << bad;
        EXPECT_EQ(p.diagnostics[0].file, "/d/bad.toml") << bad;
        EXPECT_GT(p.diagnostics[0].line, 0) << bad;
    }
}

TEST(DropInMerge, AServiceKeyOverATargetMakesItAService) {
    std::string text = "[unit]\ndescription = \"t\"\n";
    DropIn d{"/d/10.toml", "[service]\nrestart = \"no\"\n"};
    ParsedUnit p = parse_unit("t", "/t.toml", text, nullptr, {d});
    EXPECT_FALSE(p.unit);  // a [service] needs exec, said at the drop-in's section
    ASSERT_FALSE(p.diagnostics.empty());
    EXPECT_EQ(p.diagnostics[0].key, "service.exec");
}

// ---- which drop-ins apply, from the directories -------------------------

TEST(FindDropIns, SortedByFileNameAcrossDirectoriesEarlierDirectoryHidesLater) {
    TempTree tree;
    tree.write("etc/web.toml.d/20-b.toml", "");
    tree.write("lib/web.toml.d/20-b.toml", "");
    tree.write("lib/web.toml.d/10-a.toml", "");
    tree.write("lib/web.toml.d/30-c.toml", "");
    tree.write("lib/web.toml.d/notes.txt", "");
    tree.write("lib/web.toml.d/dir.toml/x", "");  // a directory, not a drop-in
    tree.write("etc/other.toml.d/1.toml", "");
    tree.link("etc/web.toml.d/25-link.toml", tree.path("lib/web.toml.d/10-a.toml"));
    tree.write("etc/notadir.toml.d", "");  // a file named like a drop-in directory
    auto found = find_dropins({tree.path("etc"), tree.path("missing"), tree.path("lib")});
    ASSERT_EQ(found.count("web"), 1u);
    EXPECT_THAT(found.at("web"), ElementsAre(tree.path("lib/web.toml.d/10-a.toml"),
                                             tree.path("etc/web.toml.d/20-b.toml"),
                                             tree.path("etc/web.toml.d/25-link.toml"),
                                             tree.path("lib/web.toml.d/30-c.toml")));
    EXPECT_THAT(found.at("other"), ElementsAre(tree.path("etc/other.toml.d/1.toml")));
    EXPECT_EQ(found.count("notadir"), 0u);
}

TEST(LoadDropIns, AnEtcDropInChangesAShippedUnit) {
    TempTree tree;
    tree.write("lib/web.toml", kWeb);
    tree.write("lib/web.toml.d/10-port.toml", "[service]\nexec = [\"/bin/web\", \"-p\", \"1\"]\n");
    tree.write("etc/web.toml.d/10-port.toml", "[service]\nexec = [\"/bin/web\", \"-p\", \"2\"]\n");
    UnitSet set = load_units({tree.path("etc"), tree.path("lib")});
    ASSERT_EQ(set.units.count("web"), 1u);
    EXPECT_THAT(set.units.at("web").service->exec, ElementsAre("/bin/web", "-p", "2"));
    EXPECT_THAT(set.units.at("web").dropins,
                ElementsAre(tree.path("etc/web.toml.d/10-port.toml").string()));
}

TEST(LoadDropIns, ABrokenDropInBreaksOnlyItsUnit) {
    TempTree tree;
    tree.write("lib/web.toml", kWeb);
    tree.write("lib/other.toml", "[unit]\n");
    tree.write("etc/web.toml.d/10.toml", "[service]\nexec = 5\n");
    UnitSet set = load_units({tree.path("etc"), tree.path("lib")});
    EXPECT_EQ(set.units.count("other"), 1u);
    ASSERT_EQ(set.broken.count("web"), 1u);
    EXPECT_THAT(set.broken.at("web"), HasSubstr(tree.path("etc/web.toml.d/10.toml").string() +
                                                ":2:1: error: service.exec"));
}

TEST(LoadDropIns, AnOversizedDropInBreaksItsUnitNamingTheDropIn) {
    TempTree tree;
    tree.write("lib/web.toml", kWeb);
    tree.write("lib/web.toml.d/huge.toml", std::string(kMaxUnitFileSize + 10, '#'));
    UnitSet set = load_units({tree.path("lib")});
    ASSERT_EQ(set.broken.count("web"), 1u);
    EXPECT_THAT(set.broken.at("web"), HasSubstr(tree.path("lib/web.toml.d/huge.toml").string()));
    EXPECT_THAT(set.broken.at("web"), HasSubstr("larger than"));
}

// The pre-flight child dies on the file with index `at`.
class DiesAt : public ParserProbe {
  public:
    explicit DiesAt(size_t at) : m_at(at) {}
    ProbeRun run(const std::vector<std::string_view>& texts, size_t first) override {
        ProbeRun r;
        if (first <= m_at && m_at < texts.size()) {
            r.outcome = ProbeRun::Outcome::died;
            r.reached = m_at;
            r.signal = SIGSEGV;
        }
        return r;
    }

  private:
    size_t m_at;
};

TEST(LoadDropIns, ADropInThatKillsThePreflightBreaksItsUnit) {
    TempTree tree;
    tree.write("lib/web.toml", kWeb);
    tree.write("lib/ok.toml", "[unit]\n");
    tree.write("lib/web.toml.d/10.toml", "[unit]\n");
    DiesAt probe(2);  // the files first (ok, web), then the drop-in
    UnitSet set = load_units({tree.path("lib")}, probe);
    EXPECT_EQ(set.units.count("ok"), 1u);
    ASSERT_EQ(set.broken.count("web"), 1u);
    EXPECT_THAT(set.broken.at("web"), HasSubstr(tree.path("lib/web.toml.d/10.toml").string()));
    EXPECT_THAT(set.broken.at("web"), HasSubstr("crashed"));
}

TEST(LoadDropIns, TemplateDropInsApplyToEveryInstanceThenTheInstancesOwn) {
    TempTree tree;
    tree.write("lib/getty@.toml", "[service]\nexec = [\"/sbin/agetty\", \"%I\"]\n");
    tree.write("lib/default.toml", "[unit]\nwants = [\"getty@tty1\", \"getty@ttyS0\"]\n");
    tree.write("etc/getty@.toml.d/10.toml", "[unit]\ndescription = \"login on %I\"\n");
    tree.write("etc/getty@ttyS0.toml.d/10.toml",
               "[service]\nexec = [\"/sbin/agetty\", \"-L\", \"%I\"]\n");
    tree.write("etc/getty@ttyS0.toml.d/20.toml", "[unit]\ndescription = \"serial %i\"\n");
    UnitSet set = load_units({tree.path("etc"), tree.path("lib")});
    ASSERT_EQ(set.units.count("getty@tty1"), 1u);
    ASSERT_EQ(set.units.count("getty@ttyS0"), 1u);
    EXPECT_EQ(set.units.at("getty@tty1").description, "login on tty1");
    EXPECT_THAT(set.units.at("getty@tty1").service->exec, ElementsAre("/sbin/agetty", "tty1"));
    EXPECT_EQ(set.units.at("getty@ttyS0").description, "serial ttyS0");
    EXPECT_THAT(set.units.at("getty@ttyS0").service->exec,
                ElementsAre("/sbin/agetty", "-L", "ttyS0"));
    EXPECT_EQ(set.units.at("getty@ttyS0").dropins.size(), 3u);
}

TEST(LoadDropIns, ABrokenInstanceDropInBreaksThatInstanceOnly) {
    TempTree tree;
    tree.write("lib/getty@.toml", "[service]\nexec = [\"/sbin/agetty\", \"%I\"]\n");
    tree.write("lib/default.toml", "[unit]\nwants = [\"getty@tty1\", \"getty@ttyS0\"]\n");
    tree.write("etc/getty@ttyS0.toml.d/10.toml", "[service]\nexec = [\"%x\"]\n");
    UnitSet set = load_units({tree.path("etc"), tree.path("lib")});
    EXPECT_EQ(set.units.count("getty@tty1"), 1u);
    ASSERT_EQ(set.broken.count("getty@ttyS0"), 1u);
    EXPECT_THAT(set.broken.at("getty@ttyS0"),
                HasSubstr(tree.path("etc/getty@ttyS0.toml.d/10.toml").string()));
}

TEST(LoadDropIns, ADropInForNoUnitIsAWarningNamingIt) {
    TempTree tree;
    tree.write("lib/web.toml", kWeb);
    tree.write("etc/wbe.toml.d/10.toml", "[unit]\n");
    tree.write("etc/nothing@x.toml.d/10.toml", "[unit]\n");
    UnitSet set = load_units({tree.path("etc"), tree.path("lib")});
    EXPECT_EQ(set.units.count("web"), 1u);
    std::vector<std::string> warnings;
    for (const auto& d : set.diagnostics)
        if (d.severity == Diagnostic::Severity::warning)
            warnings.push_back(d.to_string());
    EXPECT_THAT(warnings, ::testing::UnorderedElementsAre(
                              HasSubstr(tree.path("etc/wbe.toml.d/10.toml").string() +
                                        ": warning: a drop-in for wbe, but there is no unit wbe"),
                              HasSubstr(tree.path("etc/nothing@x.toml.d/10.toml").string())));
}

}  // namespace
}  // namespace fastinit
