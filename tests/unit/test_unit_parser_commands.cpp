// The service keys of issue 13's commands and signals: exec_start_pre,
// exec_start_post, exec_stop, exec_stop_post, exec_reload (with the '-'
// marker), kill_signal, reload_signal, kill_mode; good and hostile values.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

#include "base/signal_name.h"
#include "initd/unit/unit_parser.h"

namespace fastinit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kHead = "[service]\nexec = [\"/bin/d\"]\n";

ParsedUnit parse(const std::string& extra) {
    return parse_unit("svc", "/units/svc.toml", std::string(kHead) + extra);
}

// The one error, which must be at `key` on line 3 (the line after kHead).
std::string error_of(const std::string& extra, const std::string& key) {
    ParsedUnit parsed = parse(extra);
    EXPECT_FALSE(parsed.unit.has_value()) << extra;
    if (parsed.diagnostics.size() != 1) {
        ADD_FAILURE() << parsed.diagnostics.size() << " diagnostics for " << extra;
        return "";
    }
    EXPECT_EQ(parsed.diagnostics[0].key, key);
    EXPECT_EQ(parsed.diagnostics[0].line, 3);
    EXPECT_EQ(parsed.diagnostics[0].file, "/units/svc.toml");
    return parsed.diagnostics[0].message;
}

TEST(ParseCommands, ListsOfCommandsWithTheToleranceMarker) {
    ParsedUnit parsed = parse(
        "exec_start_pre = [[\"/bin/mkdir\", \"-p\", \"/run/x\"], [\"-/bin/rm\", \"/run/x/old\"]]\n"
        "exec_start_post = [\"/bin/post\", \"-a\"]\n"
        "exec_stop = [[\"/bin/stop\"]]\n"
        "exec_stop_post = [[\"-/bin/clean\"]]\n"
        "exec_reload = [[\"/bin/kill\", \"-HUP\", \"1\"]]\n");
    ASSERT_TRUE(parsed.unit.has_value());
    const Service& s = *parsed.unit->service;
    ASSERT_EQ(s.exec_start_pre.size(), 2u);
    EXPECT_THAT(s.exec_start_pre[0].argv, ElementsAre("/bin/mkdir", "-p", "/run/x"));
    EXPECT_FALSE(s.exec_start_pre[0].tolerate_failure);
    EXPECT_THAT(s.exec_start_pre[1].argv, ElementsAre("/bin/rm", "/run/x/old"));
    EXPECT_TRUE(s.exec_start_pre[1].tolerate_failure);
    ASSERT_EQ(s.exec_start_post.size(), 1u) << "a single command without the outer list";
    EXPECT_THAT(s.exec_start_post[0].argv, ElementsAre("/bin/post", "-a"));
    ASSERT_EQ(s.exec_stop.size(), 1u);
    ASSERT_EQ(s.exec_stop_post.size(), 1u);
    EXPECT_TRUE(s.exec_stop_post[0].tolerate_failure);
    EXPECT_THAT(s.exec_reload[0].argv, ElementsAre("/bin/kill", "-HUP", "1"));
}

TEST(ParseCommands, DefaultsAreNoCommandsSigtermSighupAndControlGroup) {
    ParsedUnit parsed = parse("");
    ASSERT_TRUE(parsed.unit.has_value());
    const Service& s = *parsed.unit->service;
    EXPECT_TRUE(s.exec_start_pre.empty() && s.exec_stop.empty() && s.exec_reload.empty());
    EXPECT_EQ(s.kill_signal, SIGTERM);
    EXPECT_EQ(s.reload_signal, SIGHUP);
    EXPECT_EQ(s.kill_mode, KillMode::control_group);
}

TEST(ParseCommands, HostileCommandsAreRejectedAtTheirKey) {
    EXPECT_THAT(error_of("exec_stop = []\n", "service.exec_stop"), HasSubstr("list of commands"));
    EXPECT_THAT(error_of("exec_stop = \"/bin/stop\"\n", "service.exec_stop"),
                HasSubstr("list of commands"));
    EXPECT_THAT(error_of("exec_stop = [[]]\n", "service.exec_stop"),
                HasSubstr("must not be empty"));
    EXPECT_THAT(error_of("exec_stop = [[\"stop\"]]\n", "service.exec_stop"),
                HasSubstr("\"stop\" must be an absolute path"));
    EXPECT_THAT(error_of("exec_stop = [[\"-\"]]\n", "service.exec_stop"),
                HasSubstr("absolute path"));
    EXPECT_THAT(error_of("exec_stop = [[\"--/bin/x\"]]\n", "service.exec_stop"),
                HasSubstr("absolute path"));
    EXPECT_THAT(error_of("exec_reload = [[\"/bin/x\", 3]]\n", "service.exec_reload"),
                HasSubstr("list of commands"));
    EXPECT_THAT(error_of("exec_start_pre = [[\"/bin/x\"], \"/bin/y\"]\n", "service.exec_start_pre"),
                HasSubstr("list of commands"));
    std::string many = "exec_stop_post = [";
    for (int i = 0; i < 65; ++i)
        many += "[\"/bin/x\"],";
    EXPECT_THAT(error_of(many + "]\n", "service.exec_stop_post"), HasSubstr("at most 64"));
}

TEST(ParseCommands, SignalsByNameWithOrWithoutSig) {
    ParsedUnit parsed = parse("kill_signal = \"INT\"\nreload_signal = \"SIGRTMIN+2\"\n");
    ASSERT_TRUE(parsed.unit.has_value());
    EXPECT_EQ(parsed.unit->service->kill_signal, SIGINT);
    EXPECT_EQ(parsed.unit->service->reload_signal, SIGRTMIN + 2);
    ParsedUnit none = parse("reload_signal = \"none\"\n");
    ASSERT_TRUE(none.unit.has_value());
    EXPECT_EQ(none.unit->service->reload_signal, 0);
}

TEST(ParseCommands, HostileSignalsAndKillModesAreRejected) {
    EXPECT_THAT(error_of("kill_signal = \"SIGKILL\"\n", "service.kill_signal"),
                HasSubstr("cannot be caught"));
    EXPECT_THAT(error_of("kill_signal = \"none\"\n", "service.kill_signal"),
                HasSubstr("signal name"));
    EXPECT_THAT(error_of("kill_signal = 15\n", "service.kill_signal"), HasSubstr("string"));
    EXPECT_THAT(error_of("reload_signal = \"SIGSTOP\"\n", "service.reload_signal"),
                HasSubstr("cannot be caught"));
    EXPECT_THAT(error_of("reload_signal = \"SIGRTMIN+999\"\n", "service.reload_signal"),
                HasSubstr("or \"none\""));
    EXPECT_THAT(error_of("kill_mode = \"control_group\"\n", "service.kill_mode"),
                HasSubstr("did you mean \"control-group\""));
    EXPECT_THAT(error_of("kill_mode = \"none\"\n", "service.kill_mode"),
                HasSubstr("control-group, mixed, process"));
    ParsedUnit mixed = parse("kill_mode = \"mixed\"\n");
    ASSERT_TRUE(mixed.unit.has_value());
    EXPECT_EQ(mixed.unit->service->kill_mode, KillMode::mixed);
}

TEST(SignalName, ParsesNamesAndRefusesEverythingElse) {
    EXPECT_EQ(*parse_signal_name("SIGHUP"), SIGHUP);
    EXPECT_EQ(*parse_signal_name("USR2"), SIGUSR2);
    EXPECT_EQ(*parse_signal_name("RTMIN"), SIGRTMIN);
    EXPECT_EQ(*parse_signal_name("SIGRTMIN+0"), SIGRTMIN);
    EXPECT_EQ(*parse_signal_name("RTMIN+" + std::to_string(SIGRTMAX - SIGRTMIN)), SIGRTMAX);
    for (const char* bad : {"", "SIG", "15", "sigterm", "TERM ", "RTMIN+", "RTMIN+-1", "RTMIN+1x",
                            "RTMIN+99999999999999999999", "SIGSIGTERM"})
        EXPECT_FALSE(parse_signal_name(bad).ok()) << bad;
    EXPECT_EQ(signal_name(SIGTERM), "TERM");
    EXPECT_EQ(signal_name(SIGRTMIN + 3), "RTMIN+3");
    EXPECT_EQ(signal_name(100000), "unknown");
}

}  // namespace
}  // namespace fastinit
