// Unit file parsing (parse_unit) and loading a search path (load_units).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "initd/unit/unit_loader.h"
#include "initd/unit/unit_parser.h"

#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;
using ::testing::StartsWith;

constexpr const char* kPath = "/units/svc.toml";

ParsedUnit parse(std::string_view text, std::string_view name = "svc") {
    return parse_unit(name, kPath, text);
}

// Parses text that must be valid and returns the unit.
Unit parse_ok(std::string_view text) {
    ParsedUnit parsed = parse(text);
    for (const auto& d : parsed.diagnostics)
        ADD_FAILURE() << "unexpected diagnostic: " << d.to_string();
    if (!parsed.unit) {
        ADD_FAILURE() << "no unit for:\n" << text;
        // Something callers may dereference without crashing the run.
        Unit fallback;
        fallback.service.emplace();
        return fallback;
    }
    return *parsed.unit;
}

std::string dump(const ParsedUnit& parsed) {
    std::string out;
    for (const auto& d : parsed.diagnostics)
        out += d.to_string() + "\n";
    return out;
}

// Expects the text to be rejected with exactly one error for `key`, at
// `line`:`column`, whose message contains `fragment`. Returns the message.
std::string expect_error(std::string_view text, const std::string& key, int line, int column,
                         const std::string& fragment) {
    ParsedUnit parsed = parse(text);
    EXPECT_FALSE(parsed.unit.has_value()) << text;
    const Diagnostic* found = nullptr;
    int count = 0;
    for (const auto& d : parsed.diagnostics)
        if (d.key == key) {
            found = &d;
            ++count;
        }
    EXPECT_EQ(count, 1) << "diagnostics for " << key << ":\n" << dump(parsed);
    if (!found)
        return "";
    EXPECT_EQ(found->severity, Diagnostic::Severity::error);
    EXPECT_EQ(found->file, kPath);
    EXPECT_EQ(found->line, line) << found->to_string();
    EXPECT_EQ(found->column, column) << found->to_string();
    EXPECT_THAT(found->message, HasSubstr(fragment));
    return found->message;
}

// ---- good files ---------------------------------------------------------

TEST(ParseUnit, MinimalServiceGetsTheDocumentedDefaults) {
    Unit u = parse_ok("[service]\nexec = [\"/bin/true\"]\n");
    EXPECT_EQ(u.name, "svc");
    EXPECT_EQ(u.path, kPath);
    EXPECT_EQ(u.description, "");
    EXPECT_THAT(u.requires_, IsEmpty());
    EXPECT_THAT(u.wants, IsEmpty());
    EXPECT_THAT(u.after, IsEmpty());
    EXPECT_THAT(u.before, IsEmpty());
    EXPECT_THAT(u.conflicts, IsEmpty());
    EXPECT_THAT(u.wanted_by, IsEmpty());
    EXPECT_TRUE(u.conditions.empty());
    ASSERT_TRUE(u.service.has_value());
    EXPECT_FALSE(u.is_target());
    const Service& s = *u.service;
    EXPECT_EQ(s.type, ServiceType::simple);
    EXPECT_THAT(s.exec, ElementsAre("/bin/true"));
    EXPECT_THAT(s.environment, IsEmpty());
    EXPECT_EQ(s.user, "");
    EXPECT_EQ(s.group, "");
    EXPECT_EQ(s.working_directory, "");
    EXPECT_EQ(s.restart, RestartPolicy::no);
    EXPECT_EQ(s.restart_delay, Duration(100ms));
    EXPECT_EQ(s.restart_delay_max, Duration(10s));
    EXPECT_EQ(s.start_timeout, Duration(90s));
    EXPECT_EQ(s.stop_timeout, Duration(10s));
    EXPECT_EQ(s.start_limit_burst, 5);
    EXPECT_EQ(s.start_limit_interval, Duration(10s));
    EXPECT_EQ(s.stdout_target.kind, OutputTarget::Kind::journal);
    EXPECT_EQ(s.stderr_target.kind, OutputTarget::Kind::journal);
    EXPECT_FALSE(s.stderr_set);
}

TEST(ParseUnit, ReadsEveryKey) {
    Unit u = parse_ok(R"(
[unit]
description = "Everything at once"
requires = ["network", "storage"]
wants = ["syslog"]
after = ["early-setup"]
before = ["login.target"]
conflicts = ["rescue"]
wanted_by = ["default"]

[condition]
path_exists = ["/etc/app.conf", "!/run/app.disabled"]
kernel_cmdline = ["app.enable", "!single"]

[service]
type = "notify"
exec = ["/usr/bin/app", "--config", "/etc/app.conf"]
environment = { LANG = "C.UTF-8", MODE = "production" }
user = "app"
group = "staff"
working_directory = "/var/lib/app"
restart = "on-failure"
restart_delay = "250ms"
restart_delay_max = "1min"
start_timeout = "30s"
stop_timeout = "5s"
start_limit_burst = 3
start_limit_interval = "1min 30s"
stdout = "file:/var/log/app.log"
stderr = "console"
)");
    EXPECT_EQ(u.description, "Everything at once");
    EXPECT_THAT(u.requires_, ElementsAre("network", "storage"));
    EXPECT_THAT(u.wants, ElementsAre("syslog"));
    EXPECT_THAT(u.after, ElementsAre("early-setup"));
    EXPECT_THAT(u.before, ElementsAre("login.target"));
    EXPECT_THAT(u.conflicts, ElementsAre("rescue"));
    EXPECT_THAT(u.wanted_by, ElementsAre("default"));
    EXPECT_THAT(u.conditions.path_exists, ElementsAre("/etc/app.conf", "!/run/app.disabled"));
    EXPECT_THAT(u.conditions.kernel_cmdline, ElementsAre("app.enable", "!single"));
    ASSERT_TRUE(u.service.has_value());
    const Service& s = *u.service;
    EXPECT_EQ(s.type, ServiceType::notify);
    EXPECT_THAT(s.exec, ElementsAre("/usr/bin/app", "--config", "/etc/app.conf"));
    // TOML tables iterate in key order.
    EXPECT_THAT(s.environment, ElementsAre(Pair("LANG", "C.UTF-8"), Pair("MODE", "production")));
    EXPECT_EQ(s.user, "app");
    EXPECT_EQ(s.group, "staff");
    EXPECT_EQ(s.working_directory, "/var/lib/app");
    EXPECT_EQ(s.restart, RestartPolicy::on_failure);
    EXPECT_EQ(s.restart_delay, Duration(250ms));
    EXPECT_EQ(s.restart_delay_max, Duration(60s));
    EXPECT_EQ(s.start_timeout, Duration(30s));
    EXPECT_EQ(s.stop_timeout, Duration(5s));
    EXPECT_EQ(s.start_limit_burst, 3);
    EXPECT_EQ(s.start_limit_interval, Duration(90s));
    EXPECT_EQ(s.stdout_target.kind, OutputTarget::Kind::file);
    EXPECT_EQ(s.stdout_target.path, "/var/log/app.log");
    EXPECT_EQ(s.stderr_target.kind, OutputTarget::Kind::console);
    EXPECT_TRUE(s.stderr_set);
}

TEST(ParseUnit, UnitWithoutServiceIsATarget) {
    Unit u = parse_ok("[unit]\ndescription = \"Multi-user\"\nwants = [\"getty@tty1\"]\n");
    EXPECT_TRUE(u.is_target());
    EXPECT_FALSE(u.service.has_value());
    EXPECT_EQ(u.description, "Multi-user");
    EXPECT_THAT(u.wants, ElementsAre("getty@tty1"));
}

TEST(ParseUnit, EmptyFileIsAValidTarget) {
    Unit u = parse_ok("");
    EXPECT_TRUE(u.is_target());
    EXPECT_EQ(u.name, "svc");
    Unit commented = parse_ok("# nothing here\n\n");
    EXPECT_TRUE(commented.is_target());
}

TEST(ParseUnit, ConditionsAloneMakeATargetWithConditions) {
    Unit u = parse_ok("[condition]\npath_exists = \"/dev/tpm0\"\n");
    EXPECT_TRUE(u.is_target());
    EXPECT_THAT(u.conditions.path_exists, ElementsAre("/dev/tpm0"));
    EXPECT_FALSE(u.conditions.empty());
}

TEST(ParseUnit, StderrFollowsStdoutUnlessSet) {
    Unit file = parse_ok("[service]\nexec = [\"/bin/x\"]\nstdout = \"file:/var/log/x.log\"\n");
    EXPECT_EQ(file.service->stderr_target.kind, OutputTarget::Kind::file);
    EXPECT_EQ(file.service->stderr_target.path, "/var/log/x.log");
    EXPECT_FALSE(file.service->stderr_set);

    Unit null = parse_ok("[service]\nexec = [\"/bin/x\"]\nstdout = \"null\"\n");
    EXPECT_EQ(null.service->stderr_target.kind, OutputTarget::Kind::null);

    Unit split =
        parse_ok("[service]\nexec = [\"/bin/x\"]\nstdout = \"null\"\nstderr = \"inherit\"\n");
    EXPECT_EQ(split.service->stdout_target.kind, OutputTarget::Kind::null);
    EXPECT_EQ(split.service->stderr_target.kind, OutputTarget::Kind::inherit);
    EXPECT_TRUE(split.service->stderr_set);
}

TEST(ParseUnit, EveryOutputTargetKind) {
    struct Case {
        const char* text;
        OutputTarget::Kind kind;
        const char* path;
    };
    const Case cases[] = {
        {"journal", OutputTarget::Kind::journal, ""},
        {"kmsg", OutputTarget::Kind::kmsg, ""},
        {"console", OutputTarget::Kind::console, ""},
        {"null", OutputTarget::Kind::null, ""},
        {"inherit", OutputTarget::Kind::inherit, ""},
        {"file:/tmp/out", OutputTarget::Kind::file, "/tmp/out"},
    };
    for (const auto& c : cases) {
        Unit u =
            parse_ok(std::string("[service]\nexec = [\"/bin/x\"]\nstdout = \"") + c.text + "\"\n");
        ASSERT_TRUE(u.service.has_value()) << c.text;
        EXPECT_EQ(u.service->stdout_target.kind, c.kind) << c.text;
        EXPECT_EQ(u.service->stdout_target.path, c.path) << c.text;
    }
}

TEST(ParseUnit, NameListsAcceptAStringOrAList) {
    Unit u = parse_ok(R"([unit]
requires = "network"
wants = "syslog"
after = "early"
before = "late"
conflicts = "rescue"
wanted_by = "default"
)");
    EXPECT_THAT(u.requires_, ElementsAre("network"));
    EXPECT_THAT(u.wants, ElementsAre("syslog"));
    EXPECT_THAT(u.after, ElementsAre("early"));
    EXPECT_THAT(u.before, ElementsAre("late"));
    EXPECT_THAT(u.conflicts, ElementsAre("rescue"));
    EXPECT_THAT(u.wanted_by, ElementsAre("default"));

    Unit lists = parse_ok("[unit]\nwants = [\"a\", \"b.c\", \"d@e\", \"f_g-h\"]\nafter = []\n");
    EXPECT_THAT(lists.wants, ElementsAre("a", "b.c", "d@e", "f_g-h"));
    EXPECT_THAT(lists.after, IsEmpty());
}

TEST(ParseUnit, ConditionListsAcceptAStringOrAList) {
    Unit u = parse_ok("[condition]\npath_exists = \"!/etc/skip\"\nkernel_cmdline = \"debug\"\n");
    EXPECT_THAT(u.conditions.path_exists, ElementsAre("!/etc/skip"));
    EXPECT_THAT(u.conditions.kernel_cmdline, ElementsAre("debug"));
}

TEST(ParseUnit, AllServiceTypesAndRestartPolicies) {
    const std::pair<const char*, ServiceType> types[] = {{"simple", ServiceType::simple},
                                                         {"exec", ServiceType::exec},
                                                         {"oneshot", ServiceType::oneshot},
                                                         {"notify", ServiceType::notify}};
    for (const auto& [text, type] : types) {
        Unit u = parse_ok(std::string("[service]\nexec = [\"/bin/x\"]\ntype = \"") + text + "\"\n");
        ASSERT_TRUE(u.service.has_value()) << text;
        EXPECT_EQ(u.service->type, type) << text;
        EXPECT_STREQ(to_string(type), text);
    }
    const std::pair<const char*, RestartPolicy> policies[] = {
        {"no", RestartPolicy::no},
        {"on-failure", RestartPolicy::on_failure},
        {"always", RestartPolicy::always}};
    for (const auto& [text, policy] : policies) {
        Unit u =
            parse_ok(std::string("[service]\nexec = [\"/bin/x\"]\nrestart = \"") + text + "\"\n");
        ASSERT_TRUE(u.service.has_value()) << text;
        EXPECT_EQ(u.service->restart, policy) << text;
        EXPECT_STREQ(to_string(policy), text);
    }
}

TEST(ParseUnit, OneshotMayRestartOnFailure) {
    Unit u =
        parse_ok("[service]\ntype = \"oneshot\"\nrestart = \"on-failure\"\nexec = [\"/bin/x\"]\n");
    EXPECT_EQ(u.service->type, ServiceType::oneshot);
    EXPECT_EQ(u.service->restart, RestartPolicy::on_failure);
}

TEST(ParseUnit, EnvironmentAsASubTable) {
    Unit u = parse_ok(
        "[service]\nexec = [\"/bin/x\"]\n\n[service.environment]\nPATH = \"/opt/bin\"\nX = \"\"\n");
    EXPECT_THAT(u.service->environment, ElementsAre(Pair("PATH", "/opt/bin"), Pair("X", "")));
}

TEST(ParseUnit, RestartDelayMaxIsRaisedToRestartDelay) {
    Unit u = parse_ok(
        "[service]\nexec = [\"/bin/x\"]\nrestart_delay = \"30s\"\nrestart_delay_max = \"1s\"\n");
    EXPECT_EQ(u.service->restart_delay, Duration(30s));
    EXPECT_EQ(u.service->restart_delay_max, Duration(30s));
}

TEST(ParseUnit, StartLimitBurstBounds) {
    EXPECT_EQ(parse_ok("[service]\nexec = [\"/bin/x\"]\nstart_limit_burst = 1\n")
                  .service->start_limit_burst,
              1);
    EXPECT_EQ(parse_ok("[service]\nexec = [\"/bin/x\"]\nstart_limit_burst = 1000\n")
                  .service->start_limit_burst,
              1000);
}

TEST(ParseUnit, ZeroRestartDelayIsAllowed) {
    Unit u = parse_ok("[service]\nexec = [\"/bin/x\"]\nrestart_delay = \"0\"\n");
    EXPECT_EQ(u.service->restart_delay, Duration(0));
}

TEST(IsValidUnitName, AcceptsTheDocumentedAlphabet) {
    EXPECT_TRUE(is_valid_unit_name("a"));
    EXPECT_TRUE(is_valid_unit_name("getty@tty1"));
    EXPECT_TRUE(is_valid_unit_name("Net_work-2.target"));
    EXPECT_TRUE(is_valid_unit_name(std::string(128, 'x')));
    EXPECT_FALSE(is_valid_unit_name(""));
    EXPECT_FALSE(is_valid_unit_name(std::string(129, 'x')));
    EXPECT_FALSE(is_valid_unit_name("a b"));
    EXPECT_FALSE(is_valid_unit_name("a/b"));
    EXPECT_FALSE(is_valid_unit_name("a:b"));
    EXPECT_FALSE(is_valid_unit_name("caf\xc3\xa9"));
    EXPECT_FALSE(is_valid_unit_name(std::string_view("a\0b", 3)));
}

// ---- hostile files --------------------------------------------------------

TEST(ParseUnitErrors, TomlSyntaxErrorHasLineAndColumn) {
    // The value is missing: toml++ stops at the newline after "= ".
    ParsedUnit missing = parse("[unit]\ndescription = \n");
    ASSERT_FALSE(missing.unit.has_value());
    ASSERT_EQ(missing.diagnostics.size(), 1u) << dump(missing);
    const Diagnostic& d = missing.diagnostics[0];
    EXPECT_EQ(d.severity, Diagnostic::Severity::error);
    EXPECT_EQ(d.file, kPath);
    EXPECT_EQ(d.line, 2);
    EXPECT_EQ(d.column, 15);
    EXPECT_EQ(d.key, "");
    EXPECT_THAT(d.message, HasSubstr("expected value"));
    EXPECT_THAT(d.to_string(), StartsWith("/units/svc.toml:2:15: error: "));

    ParsedUnit header = parse("# comment\n[unit\n");
    ASSERT_EQ(header.diagnostics.size(), 1u) << dump(header);
    EXPECT_EQ(header.diagnostics[0].line, 2);
    EXPECT_EQ(header.diagnostics[0].column, 6);
    EXPECT_THAT(header.diagnostics[0].message, HasSubstr("table header"));
}

TEST(ParseUnitErrors, DuplicateKeyIsASyntaxError) {
    ParsedUnit parsed = parse("[unit]\ndescription = \"a\"\ndescription = \"b\"\n");
    ASSERT_FALSE(parsed.unit.has_value());
    ASSERT_EQ(parsed.diagnostics.size(), 1u) << dump(parsed);
    EXPECT_EQ(parsed.diagnostics[0].line, 3);
    EXPECT_THAT(parsed.diagnostics[0].message, HasSubstr("description"));
}

TEST(ParseUnitErrors, UnterminatedStringNamesItsLine) {
    ParsedUnit parsed = parse("[unit]\n\n\ndescription = \"no end\n");
    ASSERT_FALSE(parsed.unit.has_value());
    ASSERT_EQ(parsed.diagnostics.size(), 1u) << dump(parsed);
    EXPECT_EQ(parsed.diagnostics[0].line, 4);
    EXPECT_THAT(parsed.diagnostics[0].message, HasSubstr("string"));
}

TEST(ParseUnitErrors, UnknownSectionSuggestsTheClosest) {
    std::string message = expect_error("[unit]\n\n[servce]\nexec = [\"/bin/x\"]\n", "servce", 3, 2,
                                       "unknown section \"servce\"");
    EXPECT_THAT(message, HasSubstr("(did you mean \"service\"?)"));

    message = expect_error("[Unit]\n", "Unit", 1, 2, "unknown section \"Unit\"");
    EXPECT_THAT(message, HasSubstr("did you mean \"unit\"?"));
}

TEST(ParseUnitErrors, UnknownSectionFarFromAnyHasNoSuggestion) {
    std::string message =
        expect_error("[networking]\nx = 1\n", "networking", 1, 2, "unknown section \"networking\"");
    EXPECT_THAT(message, Not(HasSubstr("did you mean")));
}

TEST(ParseUnitErrors, TopLevelKeyIsAnUnknownSection) {
    expect_error("description = \"x\"\n", "description", 1, 1, "unknown section \"description\"");
}

TEST(ParseUnitErrors, SectionMustBeATable) {
    expect_error("unit = \"x\"\n", "unit", 1, 1, "expected a table: write [unit]");
    expect_error("[[condition]]\npath_exists = \"/x\"\n", "condition", 1, 3,
                 "expected a table: write [condition]");
}

TEST(ParseUnitErrors, UnknownKeySuggestsTheClosest) {
    std::string message =
        expect_error("[service]\nexec = [\"/bin/x\"]\nrestart_dealy = \"1s\"\n",
                     "service.restart_dealy", 3, 1, "unknown key \"restart_dealy\"");
    EXPECT_THAT(message, HasSubstr("(did you mean \"restart_delay\"?)"));

    message = expect_error("[unit]\n  requirs = [\"network\"]\n", "unit.requirs", 2, 3,
                           "unknown key \"requirs\"");
    EXPECT_THAT(message, HasSubstr("(did you mean \"requires\"?)"));

    message = expect_error("[unit]\nwanted-by = \"default\"\n", "unit.wanted-by", 2, 1,
                           "unknown key \"wanted-by\"");
    EXPECT_THAT(message, HasSubstr("did you mean \"wanted_by\"?"));

    message = expect_error("[condition]\npath_exist = \"/x\"\n", "condition.path_exist", 2, 1,
                           "unknown key");
    EXPECT_THAT(message, HasSubstr("did you mean \"path_exists\"?"));
}

TEST(ParseUnitErrors, UnknownKeyFarFromAnyHasNoSuggestion) {
    std::string message =
        expect_error("[unit]\ncolour = \"blue\"\n", "unit.colour", 2, 1, "unknown key \"colour\"");
    EXPECT_THAT(message, Not(HasSubstr("did you mean")));
}

TEST(ParseUnitErrors, KeysOfOneSectionAreUnknownInAnother) {
    expect_error("[unit]\nexec = [\"/bin/x\"]\n", "unit.exec", 2, 1, "unknown key \"exec\"");
}

TEST(ParseUnitErrors, WrongValueTypes) {
    expect_error("[unit]\n  description = 5\n", "unit.description", 2, 3, "expected a string");
    expect_error("[unit]\nrequires = 5\n", "unit.requires", 2, 1, "expected a list of unit names");
    expect_error("[unit]\nwants = [\"a\", 1]\n", "unit.wants", 2, 1,
                 "expected a list of unit names");
    expect_error("[condition]\npath_exists = 5\n", "condition.path_exists", 2, 1,
                 "expected a string or a list of strings");
    expect_error("[condition]\nkernel_cmdline = [\"quiet\", true]\n", "condition.kernel_cmdline", 2,
                 1, "expected a string or a list of strings");
    expect_error("[service]\nexec = \"/bin/x\"\n", "service.exec", 2, 1,
                 "expected a non-empty list of strings");
    expect_error("[service]\nexec = [\"/bin/x\", 3]\n", "service.exec", 2, 1,
                 "every element must be a string");
    expect_error("[service]\nexec = [\"/bin/x\"]\nuser = 0\n", "service.user", 3, 1,
                 "expected a string");
    expect_error("[service]\nexec = [\"/bin/x\"]\ngroup = [\"a\"]\n", "service.group", 3, 1,
                 "expected a string");
    expect_error("[service]\nexec = [\"/bin/x\"]\ntype = 1\n", "service.type", 3, 1,
                 "expected a string");
    expect_error("[service]\nexec = [\"/bin/x\"]\nenvironment = \"A=B\"\n", "service.environment",
                 3, 1, "expected a table");
    expect_error("[service]\nexec = [\"/bin/x\"]\nenvironment = { A = 1 }\n",
                 "service.environment.A", 3, 17, "the value must be a string");
    expect_error("[service]\nexec = [\"/bin/x\"]\nstdout = false\n", "service.stdout", 3, 1,
                 "expected a string");
    expect_error("[service]\nexec = [\"/bin/x\"]\nrestart_delay = 5\n", "service.restart_delay", 3,
                 1, "expected a duration string");
}

TEST(ParseUnitErrors, StartLimitBurstMustBeASmallPositiveInteger) {
    for (const char* value : {"0", "-1", "1001", "\"5\"", "2.5", "true"}) {
        SCOPED_TRACE(value);
        expect_error(
            std::string("[service]\nexec = [\"/bin/x\"]\nstart_limit_burst = ") + value + "\n",
            "service.start_limit_burst", 3, 1, "expected an integer from 1 to 1000");
    }
}

TEST(ParseUnitErrors, BadDurations) {
    std::string message =
        expect_error("[service]\nexec = [\"/bin/x\"]\n\nrestart_delay = \"10 parsecs\"\n",
                     "service.restart_delay", 4, 1, "invalid duration \"10 parsecs\"");
    EXPECT_THAT(message, HasSubstr("unknown unit \"parsecs\""));
    expect_error("[service]\nexec = [\"/bin/x\"]\nstop_timeout = \"\"\n", "service.stop_timeout", 3,
                 1, "invalid duration \"\": empty");
    expect_error("[service]\nexec = [\"/bin/x\"]\nstart_timeout = \"367d\"\n",
                 "service.start_timeout", 3, 1, "too large");
    expect_error("[service]\nexec = [\"/bin/x\"]\nstart_limit_interval = \"soon\"\n",
                 "service.start_limit_interval", 3, 1, "expected a number");
    expect_error("[service]\nexec = [\"/bin/x\"]\nrestart_delay_max = \"5fortnights\"\n",
                 "service.restart_delay_max", 3, 1, "unknown unit \"fortnights\"");
}

TEST(ParseUnitErrors, ExecMustBeAnAbsolutePath) {
    expect_error("[service]\nexec = [\"bin/sh\", \"-c\", \"true\"]\n", "service.exec", 2, 1,
                 "the program \"bin/sh\" must be an absolute path");
    expect_error("[service]\nexec = [\"\"]\n", "service.exec", 2, 1,
                 "the program \"\" must be an absolute path");
}

TEST(ParseUnitErrors, EmptyExec) {
    expect_error("[service]\nexec = []\n", "service.exec", 2, 1,
                 "expected a non-empty list of strings");
}

TEST(ParseUnitErrors, ServiceWithoutExecPointsAtTheSection) {
    expect_error("# comment\n\n[service]\ntype = \"oneshot\"\n", "service.exec", 3, 1,
                 "a [service] needs exec");
}

TEST(ParseUnitErrors, MisspelledTypeSuggestsOneshot) {
    std::string message = expect_error("[service]\nexec = [\"/bin/x\"]\ntype = \"oneshott\"\n",
                                       "service.type", 3, 1, "\"oneshott\" is not one of");
    EXPECT_THAT(message, HasSubstr("simple, exec, oneshot, notify"));
    EXPECT_THAT(message, HasSubstr("(did you mean \"oneshot\"?)"));
}

TEST(ParseUnitErrors, MisspelledRestartPolicy) {
    std::string message = expect_error("[service]\nexec = [\"/bin/x\"]\nrestart = \"on_failure\"\n",
                                       "service.restart", 3, 1, "\"on_failure\" is not one of");
    EXPECT_THAT(message, HasSubstr("did you mean \"on-failure\"?"));

    message =
        expect_error("[service]\nexec = [\"/bin/x\"]\nrestart = \"sometimes\"\n", "service.restart",
                     3, 1, "\"sometimes\" is not one of no, on-failure, always");
    EXPECT_THAT(message, Not(HasSubstr("did you mean")));
}

TEST(ParseUnitErrors, OneshotWithRestartAlwaysIsRejected) {
    expect_error(
        "[unit]\n\n[service]\ntype = \"oneshot\"\nrestart = \"always\"\nexec = [\"/bin/x\"]\n",
        "service.restart", 3, 1, "not allowed for oneshot");
}

TEST(ParseUnitErrors, InvalidUnitNamesInLists) {
    expect_error("[unit]\nrequires = [\"net work\"]\n", "unit.requires", 2, 1,
                 "\"net work\" is not a valid unit name");
    expect_error("[unit]\nwants = [\"\"]\n", "unit.wants", 2, 1, "\"\" is not a valid unit name");
    expect_error("[unit]\nafter = \"../etc/passwd\"\n", "unit.after", 2, 1,
                 "\"../etc/passwd\" is not a valid unit name");
    expect_error("[unit]\nbefore = [\"" + std::string(129, 'a') + "\"]\n", "unit.before", 2, 1,
                 "is not a valid unit name");
    expect_error("[unit]\nconflicts = [\"ok\", \"bad!\"]\n", "unit.conflicts", 2, 1,
                 "\"bad!\" is not a valid unit name");
    expect_error("[unit]\nwanted_by = [\"default target\"]\n", "unit.wanted_by", 2, 1,
                 "\"default target\" is not a valid unit name");
}

TEST(ParseUnitErrors, InvalidFileNameIsAnError) {
    ParsedUnit parsed = parse_unit("my unit", "/units/my unit.toml", "[unit]\n");
    EXPECT_FALSE(parsed.unit.has_value());
    ASSERT_EQ(parsed.diagnostics.size(), 1u) << dump(parsed);
    EXPECT_EQ(parsed.diagnostics[0].line, 0);
    EXPECT_EQ(parsed.diagnostics[0].message, "\"my unit\" is not a valid unit name");
    EXPECT_EQ(parsed.diagnostics[0].to_string(),
              "/units/my unit.toml: error: \"my unit\" is not a valid unit name");
}

TEST(ParseUnitErrors, ConditionPathsMustBeAbsolute) {
    expect_error("[condition]\npath_exists = [\"/ok\", \"etc/x\"]\n", "condition.path_exists", 2, 1,
                 "\"etc/x\" is not an absolute path");
    expect_error("[condition]\npath_exists = \"!run/x\"\n", "condition.path_exists", 2, 1,
                 "\"!run/x\" is not an absolute path");
    expect_error("[condition]\npath_exists = \"!\"\n", "condition.path_exists", 2, 1,
                 "\"!\" is not an absolute path");
}

TEST(ParseUnitErrors, WorkingDirectoryMustBeAbsolute) {
    expect_error("[service]\nexec = [\"/bin/x\"]\nworking_directory = \"var/lib\"\n",
                 "service.working_directory", 3, 1, "must be an absolute path");
    expect_error("[service]\nexec = [\"/bin/x\"]\nworking_directory = \"\"\n",
                 "service.working_directory", 3, 1, "must be an absolute path");
}

TEST(ParseUnitErrors, BadOutputTargets) {
    expect_error("[service]\nexec = [\"/bin/x\"]\nstdout = \"syslog\"\n", "service.stdout", 3, 1,
                 "expected journal, kmsg, console, null, inherit or file:/absolute/path, got "
                 "\"syslog\"");
    expect_error("[service]\nexec = [\"/bin/x\"]\nstderr = \"file:log/x\"\n", "service.stderr", 3,
                 1, "got \"file:log/x\"");
    expect_error("[service]\nexec = [\"/bin/x\"]\nstdout = \"file:\"\n", "service.stdout", 3, 1,
                 "got \"file:\"");
}

TEST(ParseUnitErrors, BadEnvironmentNames) {
    // Reported where the name is, under its own key (see also
    // test_hostile_units.cpp for the rule itself).
    expect_error("[service]\nexec = [\"/bin/x\"]\nenvironment = { \"A=B\" = \"x\" }\n",
                 "service.environment.A=B", 3, 17, "\"A=B\" is not a valid variable name");
    expect_error("[service]\nexec = [\"/bin/x\"]\nenvironment = { \"\" = \"x\" }\n",
                 "service.environment.", 3, 17, "a variable name must not be empty");
}

TEST(ParseUnitErrors, EveryErrorOfAFileIsReported) {
    ParsedUnit parsed = parse(R"([unit]
requirs = "a"
wants = 3

[service]
type = "forked"
exec = ["relative"]
stdout = "syslog"
)");
    EXPECT_FALSE(parsed.unit.has_value());
    std::vector<std::string> keys;
    for (const auto& d : parsed.diagnostics)
        keys.push_back(d.key);
    EXPECT_THAT(keys, ::testing::UnorderedElementsAre("unit.requirs", "unit.wants", "service.type",
                                                      "service.exec", "service.stdout"))
        << dump(parsed);
}

TEST(ParseUnitErrors, DiagnosticToStringFormat) {
    ParsedUnit parsed = parse("[unit]\nrequirs = \"a\"\n");
    ASSERT_EQ(parsed.diagnostics.size(), 1u);
    EXPECT_EQ(parsed.diagnostics[0].to_string(),
              "/units/svc.toml:2:1: error: unit.requirs: unknown key \"requirs\" (did you mean "
              "\"requires\"?)");

    Diagnostic warning;
    warning.severity = Diagnostic::Severity::warning;
    warning.file = "a.toml";
    warning.line = 4;
    warning.column = 7;
    warning.message = "careful";
    EXPECT_EQ(warning.to_string(), "a.toml:4:7: warning: careful");
}

// Hostile input must produce an error, never a crash or a hang.
void expect_rejected(const std::string& text) {
    ParsedUnit parsed = parse(text);
    EXPECT_FALSE(parsed.unit.has_value());
    ASSERT_FALSE(parsed.diagnostics.empty());
    EXPECT_EQ(parsed.diagnostics[0].severity, Diagnostic::Severity::error);
    EXPECT_EQ(parsed.diagnostics[0].file, kPath);
    EXPECT_FALSE(parsed.diagnostics[0].message.empty());
}

TEST(ParseUnitHostile, RandomBinaryGarbage) {
    std::mt19937 random(12345);
    for (size_t size : {1u, 7u, 100u, 4096u, 4u << 20}) {
        SCOPED_TRACE(size);
        std::string text(size, '\0');
        for (auto& c : text)
            c = static_cast<char>(random() & 0xff);
        // Make sure the first byte alone is already invalid TOML.
        text[0] = '\x01';
        expect_rejected(text);
    }
}

TEST(ParseUnitHostile, InvalidUtf8IsLocated) {
    ParsedUnit parsed = parse("[unit]\ndescription = \"\xff\xfe\"\n");
    EXPECT_FALSE(parsed.unit.has_value());
    ASSERT_EQ(parsed.diagnostics.size(), 1u) << dump(parsed);
    EXPECT_EQ(parsed.diagnostics[0].line, 2);
    EXPECT_THAT(parsed.diagnostics[0].message, HasSubstr("UTF-8"));
}

TEST(ParseUnitHostile, EmbeddedNulBytes) {
    expect_rejected("[unit]\ndescription = \"a\0b\"\n"s);
    expect_rejected("\0\0\0\0"s);
}

TEST(ParseUnitHostile, HugeLineWithoutStructure) {
    expect_rejected(std::string(8u << 20, 'x'));
}

TEST(ParseUnitHostile, DeeplyNestedArrays) {
    expect_rejected("[unit]\nwants = " + std::string(100000, '[') + "\n");
}

TEST(ParseUnitHostile, DeeplyNestedInlineTables) {
    std::string text = "[service]\nenvironment = ";
    for (int i = 0; i < 50000; ++i)
        text += "{a=";
    expect_rejected(text + "\n");
}

TEST(ParseUnitHostile, DeeplyDottedTableHeader) {
    std::string text = "[";
    for (int i = 0; i < 200000; ++i)
        text += "a.";
    ParsedUnit parsed = parse(text + "b]\n");
    EXPECT_FALSE(parsed.unit.has_value());
    ASSERT_EQ(parsed.diagnostics.size(), 1u);
    // "[a.a.": the k-th dot is in column 1 + 2k; the 257th is one too many.
    EXPECT_EQ(parsed.diagnostics[0].line, 1);
    EXPECT_EQ(parsed.diagnostics[0].column, 515);
    EXPECT_THAT(parsed.diagnostics[0].message, HasSubstr("more than 256 dots outside strings"));
}

TEST(ParseUnitHostile, DeeplyDottedKey) {
    std::string text = "[unit]\n";
    for (int i = 0; i < 200000; ++i)
        text += "a.";
    ParsedUnit parsed = parse(text + "b = 1\n");
    EXPECT_FALSE(parsed.unit.has_value());
    ASSERT_EQ(parsed.diagnostics.size(), 1u);
    EXPECT_EQ(parsed.diagnostics[0].line, 2);
    EXPECT_EQ(parsed.diagnostics[0].column, 514);
    EXPECT_THAT(parsed.diagnostics[0].message, HasSubstr("nested this deeply"));
}

TEST(ParseUnitHostile, DottedKeysSpreadOverManyLines) {
    // Each line alone is harmless; together they would nest just as deep.
    std::string text = "[service]\nexec = [\"/bin/x\"]\nenvironment = [\n";
    for (int i = 0; i < 2000; ++i)
        text += "  {a.a.a.a.a.a.a.a = [\n";
    ParsedUnit parsed = parse(text);
    EXPECT_FALSE(parsed.unit.has_value());
    ASSERT_EQ(parsed.diagnostics.size(), 1u);
    // Seven dots a line from line 4: the 257th is the 5th dot of line 40,
    // in column 3 + 2 * 5.
    EXPECT_EQ(parsed.diagnostics[0].line, 40);
    EXPECT_EQ(parsed.diagnostics[0].column, 13);
    EXPECT_THAT(parsed.diagnostics[0].message, HasSubstr("nested this deeply"));
}

TEST(ParseUnitHostile, AMultiLineStringCannotHideDottedKeys) {
    // """a"""" is the string a" followed by the inline table: its dots count.
    std::string text = "[unit]\nwants = [\"\"\"a\"\"\"\", {";
    for (int i = 0; i < 300; ++i)
        text += "a.";
    ParsedUnit parsed = parse(text + "b = 1}]\n");
    EXPECT_FALSE(parsed.unit.has_value());
    ASSERT_EQ(parsed.diagnostics.size(), 1u);
    EXPECT_EQ(parsed.diagnostics[0].line, 2);
    EXPECT_THAT(parsed.diagnostics[0].message, HasSubstr("nested this deeply"));
}

TEST(ParseUnitHostile, DotsInStringsAndCommentsAreNotKeys) {
    // Dotted keys are legal TOML; a few levels fail only as unknown keys.
    std::string message =
        expect_error("[unit]\na.b.c.d.e = 1\n", "unit.a", 2, 1, "unknown key \"a\"");
    EXPECT_THAT(message, Not(HasSubstr("nested")));

    const std::string dots(300, '.');
    Unit u =
        parse_ok("[unit] # " + dots + "\n# " + dots + "\ndescription = \"\\\"" + dots + "\\\"\"\n");
    EXPECT_EQ(u.description, "\"" + dots + "\"");

    Unit literal = parse_ok("[unit]\ndescription = '" + dots + "'\n");
    EXPECT_EQ(literal.description, dots);

    // Multi-line strings, a line-ending backslash, quotes before the closing
    // delimiter.
    Unit multi = parse_ok("[service]\nexec = [\"/bin/sh\", \"-c\", \"\"\"\n" + dots + "\n" + dots +
                          "\\\n  x\"\"\"\"]\nworking_directory = '''\n/" + dots + "'''\n");
    ASSERT_EQ(multi.service->exec.size(), 3u);
    EXPECT_EQ(multi.service->exec[2], dots + "\n" + dots + "x\"");
    EXPECT_EQ(multi.service->working_directory, "/" + dots);
}

// ---- load_units -------------------------------------------------------------

class LoadUnits : public ::testing::Test {
  protected:
    void SetUp() override { m_root = m_tree.root().string(); }

    std::string dir(const std::string& name) {
        std::string path = m_root + "/" + name;
        std::filesystem::create_directories(path);
        return path;
    }
    static void write(const std::string& path, const std::string& text) {
        std::ofstream out(path, std::ios::binary);
        out << text;
        ASSERT_TRUE(out.good()) << path;
    }

    TempTree m_tree;
    std::string m_root;
};

TEST_F(LoadUnits, EarlierDirectoryHidesASameNamedUnit) {
    std::string etc = dir("etc"), lib = dir("lib");
    write(etc + "/sshd.toml", "[unit]\ndescription = \"local override\"\n");
    write(lib + "/sshd.toml", "[unit]\ndescription = \"packaged\"\n");
    write(lib + "/network.toml", "[unit]\ndescription = \"network\"\n");

    UnitSet set = load_units({etc, lib});
    EXPECT_THAT(set.broken, IsEmpty());
    EXPECT_THAT(set.diagnostics, IsEmpty());
    ASSERT_EQ(set.units.size(), 2u);
    EXPECT_EQ(set.units.at("sshd").description, "local override");
    EXPECT_EQ(set.units.at("sshd").path, etc + "/sshd.toml");
    EXPECT_EQ(set.units.at("sshd").name, "sshd");
    EXPECT_EQ(set.units.at("network").path, lib + "/network.toml");

    // The order of the path decides, not the names of the directories.
    UnitSet reversed = load_units({lib, etc});
    EXPECT_EQ(reversed.units.at("sshd").description, "packaged");
}

TEST_F(LoadUnits, ABrokenOverrideStillHidesThePackagedUnit) {
    std::string etc = dir("etc"), lib = dir("lib");
    write(etc + "/sshd.toml", "[unit]\ndescription = \n");
    write(lib + "/sshd.toml", "[unit]\ndescription = \"packaged\"\n");

    UnitSet set = load_units({etc, lib});
    EXPECT_EQ(set.units.count("sshd"), 0u);
    ASSERT_EQ(set.broken.count("sshd"), 1u);
    EXPECT_THAT(set.broken.at("sshd"), StartsWith(etc + "/sshd.toml:2:15: error: "));
}

TEST_F(LoadUnits, OnlyRegularTomlFilesAreUnits) {
    std::string d = dir("units");
    write(d + "/good.toml", "[unit]\n");
    write(d + "/notes.txt", "not toml at all [[[");
    write(d + "/README", "[[[");
    write(d + "/old.toml.bak", "[[[");
    write(d + "/upper.TOML", "[[[");
    write(d + "/.toml", "[[[");
    std::filesystem::create_directories(d + "/subdir.toml");
    write(d + "/subdir.toml/inner.toml", "[[[");
    std::filesystem::create_symlink(d + "/good.toml", d + "/alias.toml");
    std::filesystem::create_symlink(d + "/missing-target", d + "/dangling.toml");

    UnitSet set = load_units({d});
    EXPECT_THAT(set.broken, IsEmpty());
    EXPECT_THAT(set.diagnostics, IsEmpty());
    std::vector<std::string> names;
    for (const auto& [name, unit] : set.units)
        names.push_back(name);
    // A symlink to a regular file counts, named after the link.
    EXPECT_THAT(names, ElementsAre("alias", "good"));
}

TEST_F(LoadUnits, ABrokenFileIsReportedAndTheRestLoad) {
    std::string d = dir("units");
    write(d + "/alpha.toml", "[service]\nexec = [\"/bin/true\"]\n");
    write(d + "/broken.toml", "[unit]\nrequirs = [\"alpha\"]\n");
    write(d + "/zulu.toml", "[unit]\nwants = [\"alpha\"]\n");
    write(d + "/garbage.toml", std::string("\x01\x02\xff\xfe", 4));

    UnitSet set = load_units({d});
    ASSERT_EQ(set.units.size(), 2u);
    EXPECT_EQ(set.units.count("alpha"), 1u);
    EXPECT_EQ(set.units.count("zulu"), 1u);
    ASSERT_EQ(set.broken.size(), 2u);
    EXPECT_EQ(set.broken.at("broken"),
              d + "/broken.toml:2:1: error: unit.requirs: unknown key \"requirs\" (did you mean "
                  "\"requires\"?)");
    EXPECT_THAT(set.broken.at("garbage"), StartsWith(d + "/garbage.toml:1:"));
    // Diagnostics come file by file, in name order.
    ASSERT_EQ(set.diagnostics.size(), 2u);
    EXPECT_EQ(set.diagnostics[0].file, d + "/broken.toml");
    EXPECT_EQ(set.diagnostics[0].key, "unit.requirs");
    EXPECT_EQ(set.diagnostics[1].file, d + "/garbage.toml");
}

TEST_F(LoadUnits, InvalidFileNameIsBroken) {
    std::string d = dir("units");
    write(d + "/bad name.toml", "[unit]\n");
    write(d + "/ok.toml", "[unit]\n");
    UnitSet set = load_units({d});
    EXPECT_EQ(set.units.size(), 1u);
    ASSERT_EQ(set.broken.count("bad name"), 1u);
    EXPECT_THAT(set.broken.at("bad name"), HasSubstr("\"bad name\" is not a valid unit name"));
}

TEST_F(LoadUnits, MissingDirectoriesAreFine) {
    std::string d = dir("units");
    write(d + "/one.toml", "[unit]\n");
    UnitSet set = load_units({m_root + "/does-not-exist", d, "/nonexistent/fastinit/units"});
    EXPECT_THAT(set.broken, IsEmpty());
    EXPECT_THAT(set.diagnostics, IsEmpty());
    ASSERT_EQ(set.units.size(), 1u);
    EXPECT_EQ(set.units.begin()->first, "one");

    UnitSet none = load_units({m_root + "/nothing", m_root + "/neither"});
    EXPECT_THAT(none.units, IsEmpty());
    EXPECT_THAT(none.broken, IsEmpty());
    EXPECT_THAT(load_units({}).units, IsEmpty());
}

TEST_F(LoadUnits, ManyFilesInParallel) {
    std::string d = dir("units");
    for (int i = 0; i < 300; ++i)
        write(d + "/u" + std::to_string(i) + ".toml",
              i % 10 == 7 ? "[unit]\nwnats = []\n"
                          : "[service]\nexec = [\"/bin/u" + std::to_string(i) + "\"]\n");
    UnitSet set = load_units({d});
    EXPECT_EQ(set.units.size(), 270u);
    EXPECT_EQ(set.broken.size(), 30u);
    EXPECT_EQ(set.diagnostics.size(), 30u);
    ASSERT_EQ(set.units.count("u42"), 1u);
    EXPECT_THAT(set.units.at("u42").service->exec, ElementsAre("/bin/u42"));
    ASSERT_EQ(set.broken.count("u17"), 1u);
    EXPECT_THAT(set.broken.at("u17"), HasSubstr("did you mean \"wants\"?"));
}

TEST(UnitSearchPath, EtcComesBeforeUsrLib) {
    EXPECT_THAT(kDefaultUnitPath, ElementsAre("/etc/fastinit/units", "/usr/lib/fastinit/units"));
}

}  // namespace
}  // namespace fastinit

// ---- cgroup limits ---------------------------------------------------------

namespace fastinit {
namespace {

TEST(ParseUnitCgroup, LimitsAreStoredAsTheKernelFilesTakeThem) {
    Unit u = parse_ok(
        "[service]\nexec = [\"/bin/x\"]\nmemory_max = \"512M\"\ntasks_max = 64\n"
        "cpu_weight = 200\n");
    EXPECT_EQ(u.service->memory_max, "536870912");
    EXPECT_EQ(u.service->tasks_max, "64");
    EXPECT_EQ(u.service->cpu_weight, "200");
    Unit bytes =
        parse_ok("[service]\nexec = [\"/bin/x\"]\nmemory_max = 1048576\ntasks_max = \"max\"\n");
    EXPECT_EQ(bytes.service->memory_max, "1048576");
    EXPECT_EQ(bytes.service->tasks_max, "max");
    EXPECT_EQ(parse_ok("[service]\nexec = [\"/bin/x\"]\nmemory_max = \"2G\"\n").service->memory_max,
              "2147483648");
    EXPECT_EQ(
        parse_ok("[service]\nexec = [\"/bin/x\"]\nmemory_max = \"max\"\n").service->memory_max,
        "max");
    Unit none = parse_ok("[service]\nexec = [\"/bin/x\"]\n");
    EXPECT_FALSE(none.service->memory_max || none.service->tasks_max || none.service->cpu_weight);
}

TEST(ParseUnitCgroup, BadLimitsNameFileLineAndKey) {
    expect_error("[service]\nexec = [\"/bin/x\"]\nmemory_max = \"lots\"\n", "service.memory_max", 3,
                 1, "like \"512M\"");
    expect_error("[service]\nexec = [\"/bin/x\"]\nmemory_max = \"12Q\"\n", "service.memory_max", 3,
                 1, "expected bytes");
    expect_error("[service]\nexec = [\"/bin/x\"]\nmemory_max = \"99999999999T\"\n",
                 "service.memory_max", 3, 1, "too large");
    expect_error("[service]\nexec = [\"/bin/x\"]\nmemory_max = 12\n", "service.memory_max", 3, 1,
                 "at least 4096");
    expect_error("[service]\nexec = [\"/bin/x\"]\ntasks_max = 0\n", "service.tasks_max", 3, 1,
                 "from 1 to 4194304");
    expect_error("[service]\nexec = [\"/bin/x\"]\ncpu_weight = 0\n", "service.cpu_weight", 3, 1,
                 "from 1 to 10000");
    expect_error("[service]\nexec = [\"/bin/x\"]\ncpu_weight = \"high\"\n", "service.cpu_weight", 3,
                 1, "from 1 to 10000");
}

TEST(ParseUnitCgroup, ATypoIsAnsweredWithTheKey) {
    std::string message = expect_error("[service]\nexec = [\"/bin/x\"]\nmemory_mx = \"1G\"\n",
                                       "service.memory_mx", 3, 1, "unknown key");
    EXPECT_THAT(message, HasSubstr("did you mean \"memory_max\"?"));
}

}  // namespace
}  // namespace fastinit
