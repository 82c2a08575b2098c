// Hostile unit files: the guard in front of toml++, the 1 MiB size cap, the
// environment-name rule, and the forked pre-flight (its reporting logic
// through a fake probe, its process handling with parse functions that die
// or hang in the child).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "base/toml_guard.h"
#include "initd/unit/environment_name.h"
#include "initd/unit/parse_preflight.h"
#include "initd/unit/unit_file_reader.h"
#include "initd/unit/unit_loader.h"
#include "initd/unit/unit_parser.h"

#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

using namespace std::string_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

// ---- the guard ----------------------------------------------------------

struct Refused {
    std::string text;
    int line, column;
    const char* fragment;
};

TEST(TomlGuard, RefusesTheInputsToml3_3_0CannotSurvive) {
    const Refused cases[] = {
        {"[[[", 1, 1, "table header must begin with a key"},
        {"[ =19:0", 1, 1, "table header must begin with a key"},
        {"[unit]\n[]\n", 2, 1, "table header must begin with a key"},
        {"\xd1\xa8u", 1, 1, "non-ASCII character outside strings"},
        {"[unit]\ndescription = \xc3\xa9\n", 2, 15, "non-ASCII character outside strings"},
        {"a = 1979-05-27T;0z:32970p", 1, 15, "date-time needs a time"},
        {"a = [2000-01-01t]", 1, 16, "date-time needs a time"},
        {"a = \"\"\"x\\\n\xc3\xa9\"\"\"", 1, 9, "after a backslash in a multi-line string"},
        // Found by fuzz-unit_file: toml++ reads through a quote inside a bare
        // value and meets the non-ASCII character "inside the string".
        {"[unit]\ndescr= 0~79-05-27W\0'\xef\xbb\xb7'\n"s, 2, 20, "a quote inside a key or value"},
        {"a = 1'\xc3\xa9'", 1, 6, "a quote inside a key or value"},
        {"i =334\x13inrhe.a.'\xef\xbb\x9fZ'\n", 1, 16, "a quote inside a key or value"},
        {"a = 1=\"\xc3\xa9\"", 1, 7, "a quote inside a key or value"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        auto found = find_unsafe_toml(c.text);
        ASSERT_TRUE(found.has_value());
        EXPECT_EQ(found->line, c.line);
        EXPECT_EQ(found->column, c.column);
        EXPECT_THAT(found->message, HasSubstr(c.fragment));
    }
}

TEST(TomlGuard, LeavesValidTomlAlone) {
    const char* valid[] = {
        "",
        "[unit]\nwants = [\"a\"]\n",
        "[[a]]\n[[ a ]]\n[\"quoted\".x]\n['lit']\n",
        // Arrays that begin a line inside a value are not table headers.
        "a = [\n  [1, 2],\n  [[3]],\n  [ {b = 1} ],\n]\n",
        "a = [\n[\n]\n]\n",
        // Non-ASCII inside strings and comments is fine.
        "# é\na = \"é\" # ü\nb = '\xd1\xa8u'\nc = '''é'''\nd = \"\"\"é\\n\"\"\"\n\"é\" = 1\n",
        // Dates and date-times TOML allows.
        "a = 1979-05-27\nb = 1979-05-27T07:32:00Z\nc = 1979-05-27 07:32:00\n"
        "d = 1979-05-27t07:32:00\n",
        // A key that looks like a date.
        "\"2000-01-01T\" = 1\n",
        // Strings after each character that may precede one.
        "a = [\"x\",'y', {b = \"z\"}]\n\"k\".'l' = \"\"\"m\"\"\" # \"\n[\"t\".'u']\n",
        "a = [\n  \"x\",\n  # 'c\n  \"y\"\n]\nb = \"\"\n",
        // Inline tables: keys (bare, dotted, quoted) and values without blanks.
        "e = {A=\"x\",B.c='y',\"d\".e=1,f=[1,\"g\"],h={i=\"j\"}}\n",
    };
    for (const char* text : valid) {
        SCOPED_TRACE(text);
        auto found = find_unsafe_toml(text);
        EXPECT_FALSE(found.has_value()) << found->message;
    }
}

TEST(TomlGuard, ParseUnitReportsTheGuardsFindingWithFileAndPlace) {
    ParsedUnit parsed = parse_unit("x", "/units/x.toml", "[unit]\n[[[\n");
    EXPECT_FALSE(parsed.unit.has_value());
    ASSERT_EQ(parsed.diagnostics.size(), 1u);
    EXPECT_EQ(parsed.diagnostics[0].to_string(),
              "/units/x.toml:2:1: error: a table header must begin with a key name, as in [unit]");
}

// ---- the size cap -------------------------------------------------------

TEST(UnitFileSize, AFileOfExactlyTheLimitIsRead) {
    TempTree tree;
    std::string text = "# " + std::string(kMaxUnitFileSize - 3, 'x') + "\n";
    auto path = tree.write("big.toml", text);
    auto read = read_unit_file(path);
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(read->size(), kMaxUnitFileSize);
}

TEST(UnitFileSize, OneByteMoreIsRefusedNamingTheLimit) {
    TempTree tree;
    auto path = tree.write("big.toml", std::string(kMaxUnitFileSize + 1, '#'));
    auto read = read_unit_file(path);
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().message,
              "the file is larger than 1048576 bytes, the limit for a unit file; left out of the "
              "boot");
}

TEST(UnitFileSize, ASparseHugeFileIsRefusedWithoutReadingIt) {
    TempTree tree;
    auto path = tree.write("sparse.toml", "");
    ASSERT_EQ(::truncate(path.c_str(), off_t{64} << 30), 0);  // 64 GiB of holes
    auto read = read_unit_file(path);
    ASSERT_FALSE(read);
    EXPECT_THAT(read.error().message, HasSubstr("larger than"));
}

TEST(UnitFileSize, TheLimitHoldsWhenTheSizeIsUnknown) {
    // A pipe-like file reports no size: reading stops past the limit.
    auto read = read_unit_file("/dev/zero", 4096);
    ASSERT_FALSE(read);
    EXPECT_THAT(read.error().message, HasSubstr("larger than 4096 bytes"));
}

TEST(UnitFileSize, AFifoDoesNotBlockTheReader) {
    TempTree tree;
    auto path = tree.path("fifo.toml");
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
    auto read = read_unit_file(path);  // would block in open() without O_NONBLOCK
    ASSERT_FALSE(read);
    EXPECT_THAT(read.error().message, HasSubstr("not a regular file"));
}

// ---- environment names --------------------------------------------------

TEST(EnvironmentName, ShellNamesAreValid) {
    for (const char* name : {"A", "_", "PATH", "lang_2", "_X9"})
        EXPECT_TRUE(check_environment_name(name)) << name;
}

TEST(EnvironmentName, InvalidNamesAreRefusedAndShownEscaped) {
    struct Case {
        std::string name;
        const char* fragment;
    };
    const Case cases[] = {
        {"", "must not be empty"},
        {"A=B", "\"A=B\" is not a valid variable name"},
        {"A\nB", "\"A\\nB\" is not a valid"},
        {"A\0B"s, "\"A\\0B\" is not a valid"},
        {"A\x1b[2J", "\"A\\x1b[2J\" is not a valid"},
        {"MY-VAR", "(did you mean \"MY_VAR\"?)"},
        {"1X", "(did you mean \"_1X\"?)"},
        {"é", "\"\\xc3\\xa9\""},
        {std::string(256, 'A'), "longer than 255"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(escape_for_message(c.name));
        auto checked = check_environment_name(c.name);
        ASSERT_FALSE(checked);
        EXPECT_THAT(checked.error().message, HasSubstr(c.fragment));
        EXPECT_EQ(checked.error().message.find('\n'), std::string::npos);
    }
}

TEST(EnvironmentName, TheParserNamesFileLineAndKeyForEachBadName) {
    ParsedUnit parsed = parse_unit("svc", "/units/svc.toml",
                                   "[service]\nexec = [\"/bin/x\"]\n[service.environment]\n"
                                   "GOOD = \"1\"\n\"A=B\" = \"2\"\n\"A\\nB\" = \"3\"\n"
                                   "\"A\\u0000B\" = \"4\"\nNUL = \"a\\u0000b\"\n");
    EXPECT_FALSE(parsed.unit.has_value());
    std::vector<std::string> lines;
    for (const auto& d : parsed.diagnostics)
        lines.push_back(d.to_string());
    EXPECT_THAT(lines, UnorderedElementsAre(
                           "/units/svc.toml:5:1: error: service.environment.A=B: \"A=B\" is not "
                           "a valid variable name (letters, digits and _, not starting with a "
                           "digit) (did you mean \"A_B\"?)",
                           HasSubstr("/units/svc.toml:6:1: error: service.environment.A\\nB: "
                                     "\"A\\nB\" is not a valid variable name"),
                           HasSubstr("/units/svc.toml:7:1: error: service.environment.A\\0B: "
                                     "\"A\\0B\" is not a valid variable name"),
                           "/units/svc.toml:8:1: error: service.environment.NUL: the value "
                           "contains a NUL byte, which would cut it short"));
}

TEST(EnvironmentName, GoodNamesStillReachTheService) {
    ParsedUnit parsed = parse_unit("svc", "/units/svc.toml",
                                   "[service]\nexec = [\"/bin/x\"]\n"
                                   "environment = { LANG = \"C\", _X1 = \"\" }\n");
    ASSERT_TRUE(parsed.unit.has_value());
    EXPECT_THAT(parsed.unit->service->environment, ElementsAre(Pair("LANG", "C"), Pair("_X1", "")));
}

// ---- the pre-flight's reporting logic -----------------------------------

// Plays back scripted child runs and records where each began.
class ScriptedProbe : public ParserProbe {
  public:
    explicit ScriptedProbe(std::vector<ProbeRun> runs) : m_runs(std::move(runs)) {}
    ProbeRun run(const std::vector<std::string_view>&, size_t first) override {
        starts.push_back(first);
        if (m_next >= m_runs.size())
            return {};
        return m_runs[m_next++];
    }
    std::vector<size_t> starts;

  private:
    std::vector<ProbeRun> m_runs;
    size_t m_next = 0;
};

ProbeRun died_at(size_t index, int sig) {
    ProbeRun r;
    r.outcome = ProbeRun::Outcome::died;
    r.reached = index;
    r.signal = sig;
    return r;
}

const std::vector<std::string_view> kFiveTexts = {"a", "b", "c", "d", "e"};

TEST(Preflight, OneChildWhenNothingDies) {
    ScriptedProbe probe({ProbeRun{}});
    PreflightReport report = run_preflight(kFiveTexts, probe);
    EXPECT_THAT(probe.starts, ElementsAre(0u));
    EXPECT_THAT(report.verdicts, ElementsAre("", "", "", "", ""));
    EXPECT_EQ(report.unavailable, "");
}

TEST(Preflight, NoChildForNoFiles) {
    ScriptedProbe probe({});
    PreflightReport report = run_preflight({}, probe);
    EXPECT_THAT(probe.starts, IsEmpty());
}

TEST(Preflight, EachFileThatKillsAChildIsBlamedAndTheRestGoOn) {
    ProbeRun hung;
    hung.outcome = ProbeRun::Outcome::timed_out;
    hung.reached = 3;
    ProbeRun exited = died_at(4, 0);
    exited.exit_status = 1;
    ScriptedProbe probe({died_at(1, SIGABRT), hung, exited});
    PreflightReport report = run_preflight(kFiveTexts, probe);
    EXPECT_THAT(probe.starts, ElementsAre(0u, 2u, 4u));
    EXPECT_EQ(report.verdicts[0], "");
    EXPECT_EQ(report.verdicts[1],
              "the TOML parser crashed on this file (signal 6, SIGABRT); left out of the boot");
    EXPECT_EQ(report.verdicts[2], "");
    EXPECT_EQ(report.verdicts[3],
              "the TOML parser did not finish this file in time; left out of the boot");
    EXPECT_EQ(report.verdicts[4],
              "the TOML parser crashed on this file (exit status 1); left out of the boot");
}

TEST(Preflight, NoForkMeansTheGuardAloneWithAReason) {
    ProbeRun no_fork;
    no_fork.outcome = ProbeRun::Outcome::unavailable;
    no_fork.why = "cannot fork: Resource temporarily unavailable";
    ScriptedProbe probe({no_fork});
    PreflightReport report = run_preflight(kFiveTexts, probe);
    EXPECT_EQ(report.unavailable, "cannot fork: Resource temporarily unavailable");
    EXPECT_THAT(report.verdicts, ElementsAre("", "", "", "", ""));
}

TEST(Preflight, AChildThatDiesBeforeAnyFileBlamesNoFile) {
    ProbeRun early;
    early.outcome = ProbeRun::Outcome::died;
    early.signal = SIGKILL;
    ScriptedProbe probe({early, early});
    PreflightReport report = run_preflight(kFiveTexts, probe);
    EXPECT_THAT(probe.starts, ElementsAre(0u, 0u));
    EXPECT_THAT(report.verdicts, ElementsAre("", "", "", "", ""));
    EXPECT_THAT(report.unavailable, HasSubstr("died before it parsed a file"));
}

// ---- the real child -----------------------------------------------------

void crash_on_marker(std::string_view text) {
    if (text == "segv")
        ::raise(SIGSEGV);
    if (text == "abort")
        ::abort();
    if (text == "hang")
        ::pause();
}

TEST(ForkParserProbe, ReportsTheFileTheChildDiedOn) {
    ForkParserProbe probe(crash_on_marker);
    std::vector<std::string_view> texts = {"fine", "fine", "segv", "fine"};
    ProbeRun run = probe.run(texts, 0);
    EXPECT_EQ(run.outcome, ProbeRun::Outcome::died);
    ASSERT_TRUE(run.reached.has_value());
    EXPECT_EQ(*run.reached, 2u);
    EXPECT_EQ(run.signal, SIGSEGV);
}

TEST(ForkParserProbe, KillsAChildThatHangsAndBlamesItsFile) {
    ForkParserProbe probe(crash_on_marker, std::chrono::milliseconds(200));
    std::vector<std::string_view> texts = {"fine", "hang", "fine"};
    ProbeRun run = probe.run(texts, 0);
    EXPECT_EQ(run.outcome, ProbeRun::Outcome::timed_out);
    ASSERT_TRUE(run.reached.has_value());
    EXPECT_EQ(*run.reached, 1u);
}

TEST(ForkParserProbe, TheWholePreflightOverRealChildren) {
    ForkParserProbe probe(crash_on_marker);
    std::vector<std::string_view> texts = {"abort", "fine", "segv", "fine", "abort"};
    PreflightReport report = run_preflight(texts, probe);
    EXPECT_THAT(report.verdicts[0], HasSubstr("(signal 6, SIGABRT)"));
    EXPECT_EQ(report.verdicts[1], "");
    EXPECT_THAT(report.verdicts[2], HasSubstr("(signal 11, SIGSEGV)"));
    EXPECT_EQ(report.verdicts[3], "");
    EXPECT_THAT(report.verdicts[4], HasSubstr("(signal 6, SIGABRT)"));
    EXPECT_EQ(report.unavailable, "");
}

TEST(ForkParserProbe, TheRealParseFunctionSurvivesTheKnownInputs) {
    ForkParserProbe probe(parse_like_pid1);
    std::vector<std::string_view> texts = {"[[[", "a = [[[", "\xd1\xa8u",
                                           "a = 1979-05-27T;0z:32970p", "[unit]\n"};
    ProbeRun run = probe.run(texts, 0);
    EXPECT_EQ(run.outcome, ProbeRun::Outcome::finished);
}

// ---- load_units with the pre-flight -------------------------------------

TEST(LoadUnitsHostile, APreflightVerdictLeavesTheFileOutNamingIt) {
    TempTree tree;
    tree.write("units/good.toml", "[service]\nexec = [\"/bin/true\"]\n");
    tree.write("units/killer.toml", "[unit]\n");
    tree.write("units/later.toml", "[unit]\n");
    // Files are in name order: good, killer, later.
    ScriptedProbe probe({died_at(1, SIGSEGV)});
    UnitSet set = load_units({tree.path("units")}, probe);
    EXPECT_EQ(set.units.count("good"), 1u);
    EXPECT_EQ(set.units.count("later"), 1u);
    ASSERT_EQ(set.broken.count("killer"), 1u);
    EXPECT_EQ(set.broken.at("killer"),
              tree.path("units/killer.toml").string() +
                  ": error: the TOML parser crashed on this file (signal 11, SIGSEGV); left out "
                  "of the boot");
}

TEST(LoadUnitsHostile, WithoutAChildTheUnitsStillLoadWithAWarning) {
    TempTree tree;
    tree.write("units/good.toml", "[service]\nexec = [\"/bin/true\"]\n");
    tree.write("units/bad.toml", "[[[");
    ProbeRun no_fork;
    no_fork.outcome = ProbeRun::Outcome::unavailable;
    no_fork.why = "cannot fork: Resource temporarily unavailable";
    ScriptedProbe probe({no_fork});
    UnitSet set = load_units({tree.path("units")}, probe);
    EXPECT_EQ(set.units.count("good"), 1u);
    EXPECT_EQ(set.broken.count("bad"), 1u);
    ASSERT_FALSE(set.diagnostics.empty());
    EXPECT_EQ(set.diagnostics[0].to_string(),
              "warning: unit files are parsed without a pre-flight in a child process (cannot "
              "fork: Resource temporarily unavailable); only the built-in guard protects PID 1");
}

TEST(LoadUnitsHostile, AnOversizedFileIsBrokenAndTheOthersLoad) {
    TempTree tree;
    tree.write("units/good.toml", "[unit]\n");
    tree.write("units/huge.toml", std::string(kMaxUnitFileSize + 100, '#'));
    UnitSet set = load_units({tree.path("units")});
    EXPECT_EQ(set.units.count("good"), 1u);
    ASSERT_EQ(set.broken.count("huge"), 1u);
    EXPECT_EQ(set.broken.at("huge"), tree.path("units/huge.toml").string() +
                                         ": error: the file is larger than 1048576 bytes, the "
                                         "limit for a unit file; left out of the boot");
}

TEST(LoadUnitsHostile, EveryKnownCrashInputIsBrokenAndTheRestLoad) {
    TempTree tree;
    tree.write("units/good.toml", "[service]\nexec = [\"/bin/true\"]\n");
    tree.write("units/c1.toml", "[[[");
    tree.write("units/c2.toml", "a = [[[");
    tree.write("units/c3.toml", "\xd1\xa8u");
    tree.write("units/c4.toml", "a = 1979-05-27T;0z:32970p");
    UnitSet set = load_units({tree.path("units")});
    EXPECT_EQ(set.units.size(), 1u);
    for (const char* name : {"c1", "c2", "c3", "c4"}) {
        ASSERT_EQ(set.broken.count(name), 1u) << name;
        EXPECT_THAT(set.broken.at(name), HasSubstr(std::string(name) + ".toml:"));
    }
}

}  // namespace
}  // namespace fastinit
