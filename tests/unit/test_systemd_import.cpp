// fastinit import-systemd: the INI parser, systemd's word and Exec syntax,
// specifiers, time spans, and the conversion of whole service files.
#include <gtest/gtest.h>

#include "cli/systemd_import.h"
#include "cli/systemd_unit_file.h"
#include "cli/systemd_words.h"

namespace fastinit {
namespace {

using std::chrono::microseconds;

TEST(SystemdUnitFile, SectionsKeysCommentsAndContinuations) {
    auto f = parse_systemd_unit("x.service",
                                "# comment\n[Unit]\nDescription = A  b \n; other\n"
                                "[Service]\nExecStart=/bin/echo a \\\n# skipped\n  b\n");
    ASSERT_TRUE(f.problems.empty());
    ASSERT_EQ(f.entries.size(), 2u);
    EXPECT_EQ(f.entries[0].section, "Unit");
    EXPECT_EQ(f.entries[0].value, "A  b");
    EXPECT_EQ(f.entries[1].value, "/bin/echo a  b");
    EXPECT_EQ(f.entries[1].line, 6);
}

TEST(SystemdUnitFile, EmptyAssignmentResetsAList) {
    auto f = parse_systemd_unit("x", "[Unit]\nAfter=a\nAfter=\nAfter=b\nAfter=c\n");
    auto v = f.values("Unit", "After");
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0]->value, "b");
    EXPECT_EQ(f.last("Unit", "After")->value, "c");
    auto g = parse_systemd_unit("x", "[Unit]\nAfter=a\nAfter=\n");
    EXPECT_EQ(g.last("Unit", "After"), nullptr);
}

TEST(SystemdUnitFile, BadLinesAreProblemsWithFileAndLine) {
    auto f = parse_systemd_unit("x.service", "Key=outside\n[Unit\nnonsense\n[Unit]\n=v\nA=1\n");
    ASSERT_EQ(f.problems.size(), 4u);
    EXPECT_EQ(f.problems[0].rfind("x.service:1: ", 0), 0u);
    EXPECT_EQ(f.problems[1].rfind("x.service:2: ", 0), 0u);
    ASSERT_EQ(f.entries.size(), 1u);
    EXPECT_EQ(f.entries[0].key, "A");
}

TEST(SystemdUnitFile, HostileSizesAreBounded) {
    std::string big(kSystemdUnitMaxSize + 1, 'a');
    auto f = parse_systemd_unit("x", big);
    EXPECT_TRUE(f.entries.empty());
    ASSERT_EQ(f.problems.size(), 1u);
    std::string longline = "[Unit]\nA=" + std::string(kSystemdLineMax + 1, 'b') + "\nB=1\n";
    auto g = parse_systemd_unit("x", longline);
    ASSERT_EQ(g.entries.size(), 1u);
    EXPECT_EQ(g.entries[0].key, "B");
    auto h = parse_systemd_unit("x", std::string("[Unit]\nA=\xff\nB=\\"));
    EXPECT_EQ(h.problems.size(), 2u);  // bad UTF-8, and the file ends continued
}

TEST(SystemdWords, QuotesAndEscapes) {
    auto w = split_systemd_words("a \"b c\" 'd \"e' f\\x41\\s \"\\n\"");
    ASSERT_TRUE(w);
    EXPECT_EQ(*w, (std::vector<std::string>{"a", "b c", "d \"e", "fA ", "\n"}));
    EXPECT_FALSE(split_systemd_words("\"open"));
    EXPECT_FALSE(split_systemd_words("a\\"));
    EXPECT_FALSE(split_systemd_words("\\x00"));
    EXPECT_FALSE(split_systemd_words("\\q"));
}

TEST(SystemdExec, PrefixesSeparatorsAndVariables) {
    auto c = parse_systemd_exec("-/bin/rm -f /x ; /bin/true");
    ASSERT_TRUE(c);
    ASSERT_EQ(c->size(), 2u);
    EXPECT_EQ((*c)[0].argv, (std::vector<std::string>{"-/bin/rm", "-f", "/x"}));
    EXPECT_EQ((*c)[1].argv, (std::vector<std::string>{"/bin/true"}));

    auto at = parse_systemd_exec("@/usr/bin/foo foo-name --x");
    ASSERT_TRUE(at);
    EXPECT_EQ((*at)[0].argv, (std::vector<std::string>{"/usr/bin/foo", "--x"}));
    EXPECT_EQ((*at)[0].notes.size(), 1u);

    auto plus = parse_systemd_exec("+/bin/x");
    ASSERT_TRUE(plus);
    EXPECT_EQ((*plus)[0].argv[0], "/bin/x");
    EXPECT_EQ((*plus)[0].notes.size(), 1u);

    auto v = parse_systemd_exec("/usr/sbin/sshd -D $OPTS \"a ${B}\" '$$'");
    ASSERT_TRUE(v);
    EXPECT_EQ((*v)[0].argv,
              (std::vector<std::string>{"/bin/sh", "-c",
                                        "exec /usr/sbin/sshd -D $OPTS \"a ${B}\" \"\\$\""}));
    auto literal = parse_systemd_exec("/bin/echo $$HOME");
    ASSERT_TRUE(literal);
    EXPECT_EQ((*literal)[0].argv, (std::vector<std::string>{"/bin/echo", "$HOME"}));
    auto colon = parse_systemd_exec(":/bin/echo $HOME");
    ASSERT_TRUE(colon);
    EXPECT_EQ((*colon)[0].argv, (std::vector<std::string>{"/bin/echo", "$HOME"}));
    EXPECT_FALSE(parse_systemd_exec(""));
    EXPECT_FALSE(parse_systemd_exec("-"));
    EXPECT_FALSE(parse_systemd_exec("@/bin/x"));
}

TEST(SystemdSpecifiers, TemplatesKeepInstanceSpecifiers) {
    EXPECT_EQ(*translate_specifiers("%t/%i %I 5%%", "getty@", true), "/run/%i %I 5%%");
    EXPECT_EQ(*translate_specifiers("%n %p", "getty@", true), "getty@%i.service getty");
    EXPECT_EQ(*translate_specifiers("%S/x 5%%", "redis", false), "/var/lib/x 5%");
    EXPECT_FALSE(translate_specifiers("%i", "redis", false));
    EXPECT_FALSE(translate_specifiers("%Z", "redis", false));
    EXPECT_FALSE(translate_specifiers("50%", "redis", false));
}

TEST(SystemdTimespan, UnitsAndInfinity) {
    EXPECT_EQ(**parse_systemd_timespan("1min 30s"), microseconds(90'000'000));
    EXPECT_EQ(**parse_systemd_timespan("5"), microseconds(5'000'000));
    EXPECT_EQ(**parse_systemd_timespan("200ms"), microseconds(200'000));
    EXPECT_EQ(**parse_systemd_timespan("1h2m"), microseconds(3'720'000'000LL));
    EXPECT_FALSE(parse_systemd_timespan("infinity")->has_value());
    EXPECT_FALSE(parse_systemd_timespan(""));
    EXPECT_FALSE(parse_systemd_timespan("5 parsecs"));
    EXPECT_FALSE(parse_systemd_timespan("-5"));
    EXPECT_FALSE(parse_systemd_timespan("99999999999999999999y"));
}

TEST(SystemdNames, TargetsServicesAndDropped) {
    std::string why;
    EXPECT_EQ(map_systemd_unit_name("network-online.target", why), "network-online");
    EXPECT_EQ(map_systemd_unit_name("multi-user.target", why), "multi-user");
    EXPECT_EQ(map_systemd_unit_name("auditd.service", why), "auditd");
    EXPECT_EQ(map_systemd_unit_name("dbus.socket", why), "");
    EXPECT_NE(why, "");
    EXPECT_EQ(map_systemd_unit_name("systemd-journald.service", why), "");
    EXPECT_EQ(map_systemd_unit_name("nss-lookup.target", why), "");
}

bool has_note(const ImportedUnit& u, std::string_view part) {
    for (const auto& n : u.not_carried)
        if (n.find(part) != std::string::npos)
            return true;
    return false;
}

TEST(SystemdImport, SshServiceCarriesWhatMatters) {
    auto u = import_systemd_unit("ssh.service", "/x/ssh.service",
                                 "[Unit]\nDescription=ssh\nAfter=network.target auditd.service\n"
                                 "[Service]\nEnvironmentFile=-/etc/default/ssh\n"
                                 "ExecStartPre=/usr/sbin/sshd -t\nExecStart=/usr/sbin/sshd -D "
                                 "$SSHD_OPTS\nExecReload=/bin/kill -HUP $MAINPID\n"
                                 "KillMode=process\nRestart=on-failure\n"
                                 "RestartPreventExitStatus=255\nType=notify\n"
                                 "RuntimeDirectory=sshd\nRuntimeDirectoryMode=0755\n"
                                 "TimeoutStartSec=1min 30s\n"
                                 "[Install]\nWantedBy=multi-user.target\nAlias=sshd.service\n");
    EXPECT_TRUE(u.parses);
    EXPECT_EQ(u.name, "ssh");
    EXPECT_NE(u.toml.find("exec_start_pre = [[\"/usr/sbin/sshd\", \"-t\"]]"), std::string::npos);
    EXPECT_NE(u.toml.find("runtime_directory = [\"sshd\"]"), std::string::npos);
    EXPECT_NE(u.toml.find("environment_file = [\"-/etc/default/ssh\"]"), std::string::npos);
    EXPECT_NE(u.toml.find("type = \"notify\""), std::string::npos);
    EXPECT_NE(u.toml.find("start_timeout = \"90s\""), std::string::npos) << u.toml;
    EXPECT_NE(u.toml.find("wanted_by = [\"multi-user\"]"), std::string::npos);
    EXPECT_TRUE(has_note(u, "Service.RestartPreventExitStatus (line 11)"));
    EXPECT_TRUE(has_note(u, "Install.Alias"));
    EXPECT_FALSE(has_note(u, "ExecStartPre"));
}

TEST(SystemdImport, TypesRestartsAndTimeouts) {
    auto u = import_systemd_unit("x.service", "x.service",
                                 "[Service]\nType=notify-reload\nExecStart=/bin/x\n"
                                 "TimeoutStopSec=infinity\nRestart=on-abnormal\nRestartSec=5\n"
                                 "LimitNOFILE=1024:4096\nPIDFile=/run/x.pid\nWatchdogSec=3min\n");
    EXPECT_TRUE(u.parses) << u.toml;
    EXPECT_NE(u.toml.find("watchdog = \"3min\""), std::string::npos) << u.toml;
    EXPECT_NE(u.toml.find("type = \"notify\""), std::string::npos);
    EXPECT_NE(u.toml.find("reload_signal = \"SIGHUP\""), std::string::npos);
    EXPECT_NE(u.toml.find("stop_timeout = \"365d\""), std::string::npos) << u.toml;
    EXPECT_NE(u.toml.find("restart = \"on-failure\""), std::string::npos);
    EXPECT_NE(u.toml.find("limit_nofile = \"1024:4096\""), std::string::npos);
    EXPECT_TRUE(has_note(u, "TimeoutStopSec"));
    EXPECT_TRUE(has_note(u, "on-abnormal"));
}

// Debian's redis-server.service, in the parts fastinit carries or says it
// does not: a setgid runtime directory, a pid file a notify service does not
// need, and an empty bounding set.
TEST(SystemdImport, RedisServerLikeService) {
    auto u = import_systemd_unit("redis-server.service", "redis-server.service",
                                 "[Service]\nType=notify\nExecStart=/usr/bin/redis-server\n"
                                 "PIDFile=/run/redis/redis-server.pid\nUser=redis\n"
                                 "RuntimeDirectory=redis\nRuntimeDirectoryMode=2755\n"
                                 "CapabilityBoundingSet=\nNoNewPrivileges=true\n");
    EXPECT_TRUE(u.parses) << u.toml;
    EXPECT_NE(u.toml.find("runtime_directory_mode = \"2755\""), std::string::npos) << u.toml;
    EXPECT_FALSE(has_note(u, "RuntimeDirectoryMode"));
    EXPECT_EQ(u.toml.find("pid_file"), std::string::npos) << u.toml;
    EXPECT_TRUE(has_note(u,
                         "Service.PIDFile (line 4): fastinit reads a pid file for a forking "
                         "service only; a notify service's main process"));
    EXPECT_NE(u.toml.find("capability_bounding_set = []"), std::string::npos) << u.toml;
    EXPECT_FALSE(has_note(u, "CapabilityBoundingSet"));
}

TEST(SystemdImport, ForkingServiceKeepsItsPidFile) {
    auto u = import_systemd_unit("nginx.service", "nginx.service",
                                 "[Service]\nPIDFile=/run/nginx.pid\nType=forking\n"
                                 "ExecStart=/usr/sbin/nginx -g 'daemon on;'\n");
    EXPECT_TRUE(u.parses) << u.toml;
    EXPECT_NE(u.toml.find("pid_file = \"/run/nginx.pid\""), std::string::npos) << u.toml;
    EXPECT_FALSE(has_note(u, "PIDFile"));
}

TEST(SystemdImport, BoundingSetLinesAddUpAndAnEmptyOneEmptiesThem) {
    auto added = import_systemd_unit("x.service", "x.service",
                                     "[Service]\nExecStart=/bin/x\n"
                                     "CapabilityBoundingSet=CAP_CHOWN\n"
                                     "CapabilityBoundingSet=CAP_KILL\n");
    EXPECT_NE(added.toml.find("capability_bounding_set = [\"CAP_CHOWN\", \"CAP_KILL\"]"),
              std::string::npos)
        << added.toml;
    auto emptied = import_systemd_unit("x.service", "x.service",
                                       "[Service]\nExecStart=/bin/x\n"
                                       "CapabilityBoundingSet=CAP_CHOWN\nCapabilityBoundingSet=\n");
    EXPECT_TRUE(emptied.parses) << emptied.toml;
    EXPECT_NE(emptied.toml.find("capability_bounding_set = []"), std::string::npos) << emptied.toml;
    auto again = import_systemd_unit("x.service", "x.service",
                                     "[Service]\nExecStart=/bin/x\nCapabilityBoundingSet=\n"
                                     "CapabilityBoundingSet=CAP_KILL\n");
    EXPECT_NE(again.toml.find("capability_bounding_set = [\"CAP_KILL\"]"), std::string::npos)
        << again.toml;
    // An empty ambient set is the default: nothing to write.
    auto ambient = import_systemd_unit("x.service", "x.service",
                                       "[Service]\nExecStart=/bin/x\nAmbientCapabilities=\n");
    EXPECT_EQ(ambient.toml.find("ambient_capabilities"), std::string::npos) << ambient.toml;
}

TEST(SystemdImport, ValuesFastinitRejectsAreLeftOutAndNamed) {
    auto u = import_systemd_unit("x.service", "x.service",
                                 "[Service]\nExecStart=/bin/x\nKillSignal=SIGNOPE\n"
                                 "LimitNOFILE=lots\nRequires=\n");
    EXPECT_TRUE(u.parses) << u.toml;
    EXPECT_EQ(u.toml.find("kill_signal"), std::string::npos);
    EXPECT_EQ(u.toml.find("limit_nofile"), std::string::npos);
    EXPECT_TRUE(has_note(u, "Service.KillSignal (line 3): fastinit rejects it"));
    EXPECT_TRUE(has_note(u, "Service.LimitNOFILE (line 4): fastinit rejects it"));
}

TEST(SystemdImport, TemplateKeepsInstanceSpecifiers) {
    auto u = import_systemd_unit("getty@.service", "getty@.service",
                                 "[Service]\nExecStart=-/sbin/agetty %I $TERM\n"
                                 "[Install]\nWantedBy=getty.target\n");
    EXPECT_EQ(u.name, "getty@");
    EXPECT_TRUE(u.parses) << u.toml;
    EXPECT_NE(u.toml.find("exec = [\"/bin/sh\", \"-c\", \"exec /sbin/agetty %I $TERM\"]"),
              std::string::npos)
        << u.toml;
    EXPECT_TRUE(has_note(u, "getty.target"));
    EXPECT_TRUE(has_note(u, "\"-\" of the main program"));
}

TEST(SystemdImport, NoExecStartDoesNotLoadAndSaysSo) {
    auto u = import_systemd_unit("x.service", "x.service", "[Unit]\nDescription=x\n");
    EXPECT_FALSE(u.parses);
    EXPECT_TRUE(has_note(u, "does not load in fastinit"));
    auto bad = import_systemd_unit("x.socket", "x.socket", "[Socket]\n");
    EXPECT_EQ(bad.name, "");
    EXPECT_FALSE(bad.not_carried.empty());
}

}  // namespace
}  // namespace fastinit
