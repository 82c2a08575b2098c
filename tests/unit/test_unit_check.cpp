// `fastinit check`'s whole-set checks: references to missing units with the
// severity the boot gives them, programs that are missing or cannot run
// (through a fake probe, and a real one on a temporary root), and the key's
// line in the file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>

#include "initd/graph/unit_check.h"
#include "initd/unit/unit_parser.h"
#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Severity = Diagnostic::Severity;

UnitSet units_of(const std::vector<std::pair<std::string, std::string>>& files) {
    UnitSet set;
    for (const auto& [name, text] : files) {
        ParsedUnit parsed = parse_unit(name, name + ".toml", text);
        if (parsed.unit)
            set.units.emplace(name, std::move(*parsed.unit));
        else
            set.broken.emplace(name, parsed.diagnostics.at(0).to_string());
    }
    return set;
}

std::string service(const std::string& unit_section, const std::string& program = "/bin/true",
                    const std::string& extra = "") {
    return "[unit]\n" + unit_section + "\n[service]\nexec = [\"" + program + "\"]\n" + extra;
}

// The texts the tests' units came from, for line numbers.
std::map<std::string, std::string>& texts() {
    static std::map<std::string, std::string> t;
    return t;
}
std::string text_of(const std::string& path) {
    auto it = texts().find(path);
    return it == texts().end() ? "" : it->second;
}

class FakeProbe : public ProgramProbe {
  public:
    std::map<std::string, std::string> missing;  // program → why
    std::string problem(const std::string& program) override {
        auto it = missing.find(program);
        return it == missing.end() ? "" : it->second;
    }
};

TEST(FindKeyLine, FindsTheKeyInItsSectionOnly) {
    std::string text =
        "# wants = x\n[unit]\ndescription = \"d\"\n  wants=[\"a\"]\n"
        "[service]\nexec = [\"/bin/true\"]\nwants = 1\n";
    EXPECT_EQ(find_key_line(text, "unit", "wants"), 4);
    EXPECT_EQ(find_key_line(text, "service", "exec"), 6);
    EXPECT_EQ(find_key_line(text, "service", "wants"), 7);
    EXPECT_EQ(find_key_line(text, "unit", "after"), 0);
    // A key that is a prefix of another is not mistaken for it.
    EXPECT_EQ(find_key_line("[service]\nexec_stop = []\n", "service", "exec"), 0);
}

TEST(ReferenceProblems, EveryUnitIsCheckedWithoutATarget) {
    std::string a = service(
        "requires = [\"nope\"]\nwants = [\"gone\"]\nafter = [\"later\"]\n"
        "before = [\"earlier\"]\nwanted_by = [\"multi\"]");
    texts()["a.toml"] = a;
    Graph g = build_graph(units_of({{"a", a}, {"ok", service("")}}));
    auto problems = reference_problems(g, text_of);
    ASSERT_EQ(problems.size(), 5u);
    std::map<std::string, Diagnostic> by_key;
    for (const auto& d : problems)
        by_key[d.key] = d;
    EXPECT_EQ(by_key["unit.requires"].severity, Severity::error);
    EXPECT_EQ(by_key["unit.requires"].file, "a.toml");
    EXPECT_EQ(by_key["unit.requires"].line, 2);
    EXPECT_THAT(by_key["unit.requires"].message, HasSubstr("nope"));
    for (const char* key : {"unit.wants", "unit.after", "unit.before", "unit.wanted_by"})
        EXPECT_EQ(by_key[key].severity, Severity::warning) << key;
    EXPECT_EQ(by_key["unit.wanted_by"].line, 6);
}

TEST(ReferenceProblems, ABrokenRequiredUnitIsAnErrorButABrokenOrderingIsLeftToItsFile) {
    UnitSet set = units_of({{"a", service("requires = [\"bad\"]\nafter = [\"bad\"]")},
                            {"bad", "[unit]\nbogus = 1\n"}});
    ASSERT_EQ(set.broken.count("bad"), 1u);
    auto problems = reference_problems(build_graph(set));
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].key, "unit.requires");
    EXPECT_EQ(problems[0].severity, Severity::error);
    EXPECT_THAT(problems[0].message, HasSubstr("broken"));
}

TEST(ReferenceProblems, NothingWhenEveryReferenceExists) {
    Graph g = build_graph(units_of({{"a", service("requires = [\"b\"]\nwanted_by = [\"t\"]")},
                                    {"b", service("")},
                                    {"t", "[unit]\n"}}));
    EXPECT_THAT(reference_problems(g), IsEmpty());
}

TEST(ProgramProblems, AMissingProgramIsAnErrorAtItsKey) {
    std::string text = service("", "/usr/bin/gone", "exec_start_pre = [[\"/bin/pre\"]]\n");
    texts()["a.toml"] = text;
    UnitSet set = units_of({{"a", text}});
    FakeProbe probe;
    probe.missing = {{"/usr/bin/gone", "No such file or directory"},
                     {"/bin/pre", "not executable"}};
    auto problems = program_problems(set, probe, {.read_text = text_of});
    ASSERT_EQ(problems.size(), 2u);
    EXPECT_EQ(problems[0].key, "service.exec");
    EXPECT_EQ(problems[0].severity, Severity::error);
    EXPECT_EQ(problems[0].line, 4);
    EXPECT_THAT(problems[0].message, HasSubstr("/usr/bin/gone"));
    EXPECT_EQ(problems[1].key, "service.exec_start_pre");
    EXPECT_THAT(problems[1].message, HasSubstr("not executable"));
}

TEST(ProgramProblems, ToleratedConditionedAndOtherRootAreWarnings) {
    UnitSet set = units_of(
        {{"tolerant", service("", "/bin/true", "exec_stop = [[\"-/bin/gone\"]]\n")},
         {"conditioned", service("", "/bin/gone", "[condition]\npath_exists = [\"/dev/x\"]\n")},
         {"plain", service("", "/bin/gone")}});
    ASSERT_EQ(set.units.size(), 3u);
    FakeProbe probe;
    probe.missing = {{"/bin/gone", "No such file or directory"}};
    std::map<std::string, Severity> severity;
    for (const auto& d : program_problems(set, probe, {}))
        severity[d.file] = d.severity;
    EXPECT_EQ(severity.at("tolerant.toml"), Severity::warning);
    EXPECT_EQ(severity.at("conditioned.toml"), Severity::warning);
    EXPECT_EQ(severity.at("plain.toml"), Severity::error);
    for (const auto& d : program_problems(set, probe, {.other_root = true}))
        EXPECT_EQ(d.severity, Severity::warning) << d.to_string();
}

class FakeUsers : public UserProbe {
  public:
    std::string problem(const std::string& user, const std::string& group) override {
        if (user == "ghost")
            return "no user named ghost in /etc/passwd";
        if (group == "nogroup-here")
            return "no group named nogroup-here in /etc/group";
        return "";
    }
};

TEST(UserProblems, AMissingUserOrGroupIsNamedAtItsKey) {
    std::string ghost = service("", "/bin/true", "user = \"ghost\"\n");
    texts()["ghost.toml"] = ghost;
    UnitSet set = units_of({{"ghost", ghost},
                            {"group", service("", "/bin/true", "group = \"nogroup-here\"\n")},
                            {"fine", service("", "/bin/true", "user = \"daemon\"\n")},
                            {"root", service("")}});
    FakeUsers users;
    auto problems = user_problems(set, users, {.read_text = text_of});
    ASSERT_EQ(problems.size(), 2u);
    std::map<std::string, Diagnostic> by_file;
    for (const auto& d : problems)
        by_file[d.file] = d;
    EXPECT_EQ(by_file["ghost.toml"].key, "service.user");
    EXPECT_EQ(by_file["ghost.toml"].line, 5);
    EXPECT_EQ(by_file["ghost.toml"].severity, Severity::error);
    EXPECT_THAT(by_file["ghost.toml"].message, HasSubstr("no user named ghost"));
    EXPECT_EQ(by_file["group.toml"].key, "service.group");
    for (const auto& d : user_problems(set, users, {.other_root = true}))
        EXPECT_EQ(d.severity, Severity::warning);
}

TEST(RootProgramProbe, ResolvesInsideTheRootFollowingAbsoluteLinksThere) {
    TempTree root;
    auto tool = root.write("usr/bin/tool", "#!/bin/sh\n");
    ::chmod(tool.c_str(), 0755);
    auto plain = root.write("usr/bin/plain", "data\n");
    ::chmod(plain.c_str(), 0644);
    root.link("bin/tool", "/usr/bin/tool");  // absolute: must stay in the root
    root.link("bin/rel", "../usr/bin/tool");
    root.link("bin/dangling", "/usr/bin/nothing");
    root.link("bin/loop", "/bin/loop");
    // A directory link in the middle of the path, absolute: /usr/bin/env
    // exists on this system but not in the root.
    root.link("hostbin", "/usr/bin");
    root.link("up", "../../../../../..");
    RootProgramProbe probe(root.root().string());
    EXPECT_EQ(probe.problem("/usr/bin/tool"), "");
    EXPECT_EQ(probe.problem("/bin/tool"), "");
    EXPECT_EQ(probe.problem("/bin/rel"), "");
    EXPECT_EQ(probe.problem("/usr/bin/plain"), "not executable");
    EXPECT_THAT(probe.problem("/bin/dangling"), HasSubstr("No such file"));
    EXPECT_THAT(probe.problem("/usr/bin"), HasSubstr("not a regular file"));
    EXPECT_THAT(probe.problem("/bin/loop"), HasSubstr("symbolic links"));
    EXPECT_EQ(probe.problem("/hostbin/tool"), "");
    EXPECT_THAT(probe.problem("/hostbin/env"), HasSubstr("No such file"));
    EXPECT_THAT(probe.problem("/up/usr/bin/env"), HasSubstr("No such file"));
    EXPECT_THAT(probe.problem("/../../usr/bin/env"), HasSubstr("No such file"));
    EXPECT_EQ(RootProgramProbe("/").problem("/bin/sh"), "");
}

}  // namespace
}  // namespace fastinit
