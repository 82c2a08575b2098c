// The [service] keys for environment files, directories and process
// attributes: each with good values and hostile ones, which must be errors
// naming the file, line and key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/resource.h>

#include <string>

#include "initd/unit/process_attributes.h"
#include "initd/unit/unit_parser.h"

namespace fastinit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kPath = "/units/svc.toml";

std::string unit_text(const std::string& lines) {
    return "[service]\nexec = [\"/bin/true\"]\n" + lines + "\n";
}

Service parse_ok(const std::string& lines) {
    ParsedUnit parsed = parse_unit("svc", kPath, unit_text(lines));
    for (const auto& d : parsed.diagnostics)
        ADD_FAILURE() << "unexpected diagnostic: " << d.to_string();
    if (!parsed.unit || !parsed.unit->service)
        return Service{};
    return *parsed.unit->service;
}

// One error, for `key`, on line 3 (the line after exec), whose message has
// `fragment`; returns the full diagnostic.
std::string expect_error(const std::string& line, const std::string& key,
                         const std::string& fragment) {
    ParsedUnit parsed = parse_unit("svc", kPath, unit_text(line));
    EXPECT_FALSE(parsed.unit.has_value()) << line;
    if (parsed.diagnostics.size() != 1) {
        ADD_FAILURE() << parsed.diagnostics.size() << " diagnostics for: " << line;
        return "";
    }
    const Diagnostic& d = parsed.diagnostics[0];
    EXPECT_EQ(d.key, "service." + key) << line;
    EXPECT_EQ(d.file, kPath);
    EXPECT_EQ(d.line, 3) << line;
    EXPECT_THAT(d.message, HasSubstr(fragment)) << line;
    return d.to_string();
}

TEST(ServiceKeys, ResourceLimits) {
    Service s = parse_ok(
        "limit_nofile = 65536\nlimit_core = \"infinity\"\nlimit_memlock = \"64K:8M\"\n"
        "limit_stack = \"8M\"\nlimit_nproc = \"100:infinity\"\nlimit_cpu = 30\n");
    ASSERT_EQ(s.attributes.limits.size(), 6u);
    auto find = [&](int resource) {
        for (const auto& l : s.attributes.limits)
            if (l.resource == resource)
                return l;
        ADD_FAILURE() << "no limit for resource " << resource;
        return ResourceLimit{};
    };
    EXPECT_EQ(find(RLIMIT_NOFILE).soft, 65536u);
    EXPECT_EQ(find(RLIMIT_NOFILE).hard, 65536u);
    EXPECT_EQ(find(RLIMIT_CORE).hard, uint64_t{RLIM_INFINITY});
    EXPECT_EQ(find(RLIMIT_MEMLOCK).soft, 64u * 1024);
    EXPECT_EQ(find(RLIMIT_MEMLOCK).hard, 8u * 1024 * 1024);
    EXPECT_EQ(find(RLIMIT_NPROC).soft, 100u);
    EXPECT_EQ(find(RLIMIT_NPROC).hard, uint64_t{RLIM_INFINITY});
    EXPECT_EQ(find(RLIMIT_CPU).soft, 30u);
}

TEST(ServiceKeys, HostileResourceLimits) {
    expect_error("limit_nofile = -1", "limit_nofile", "at least 0");
    expect_error("limit_nofile = \"64K\"", "limit_nofile", "whole number");
    expect_error("limit_core = \"8X\"", "limit_core", "\"8X\"");
    expect_error("limit_core = \"99999999999999999999\"", "limit_core", "too large");
    expect_error("limit_as = \"9000000T\"", "limit_as", "too large");
    expect_error("limit_stack = \"8M:4M\"", "limit_stack", "soft limit");
    expect_error("limit_stack = \"1:2:3\"", "limit_stack", "\"2:3\"");
    expect_error("limit_stack = \"\"", "limit_stack", "expected");
    expect_error("limit_stack = true", "limit_stack", "string");
    // A typo is an unknown key with a suggestion.
    expect_error("limit_nofiles = 5", "limit_nofiles", "did you mean \"limit_nofile\"");
}

TEST(ServiceKeys, UmaskNiceOomAndNoNewPrivileges) {
    Service s =
        parse_ok("umask = \"0027\"\nnice = -5\noom_score_adj = -900\nno_new_privileges = true\n");
    EXPECT_EQ(s.attributes.umask, 027u);
    EXPECT_EQ(s.attributes.nice, -5);
    EXPECT_EQ(s.attributes.oom_score_adj, -900);
    EXPECT_TRUE(s.attributes.no_new_privileges);
    expect_error("umask = 22", "umask", "string");
    expect_error("umask = \"0800\"", "umask", "octal");
    expect_error("umask = \"1777\"", "umask", "0777");
    expect_error("nice = 20", "nice", "-20 to 19");
    expect_error("nice = -21", "nice", "-20 to 19");
    expect_error("nice = \"5\"", "nice", "integer");
    expect_error("oom_score_adj = 1001", "oom_score_adj", "-1000 to 1000");
    expect_error("no_new_privileges = \"yes\"", "no_new_privileges", "true or false");
}

TEST(ServiceKeys, IoClassAndPriority) {
    Service s = parse_ok("io_class = \"idle\"\nio_priority = 7\n");
    EXPECT_EQ(s.attributes.io_class, IoClass::idle);
    EXPECT_EQ(s.attributes.io_priority, 7);
    expect_error("io_class = \"best_effort\"", "io_class", "did you mean \"best-effort\"");
    expect_error("io_priority = 8", "io_priority", "0 to 7");
}

TEST(ServiceKeys, CpuAffinity) {
    EXPECT_THAT(parse_ok("cpu_affinity = [0, \"2-3\", 2]").attributes.cpu_affinity,
                ElementsAre(0, 2, 3));
    EXPECT_THAT(parse_ok("cpu_affinity = \"1,5-6\"").attributes.cpu_affinity, ElementsAre(1, 5, 6));
    expect_error("cpu_affinity = [1024]", "cpu_affinity", "0 to 1023");
    expect_error("cpu_affinity = \"3-1\"", "cpu_affinity", "\"3-1\"");
    expect_error("cpu_affinity = \"1,,2\"", "cpu_affinity", "ranges");
    expect_error("cpu_affinity = [-1]", "cpu_affinity", "0 to 1023");
    expect_error("cpu_affinity = []", "cpu_affinity", "at least one");
    expect_error("cpu_affinity = [true]", "cpu_affinity", "CPU numbers");
}

TEST(ServiceKeys, Capabilities) {
    Service s = parse_ok(
        "ambient_capabilities = [\"CAP_NET_BIND_SERVICE\"]\n"
        "capability_bounding_set = [\"cap_net_bind_service\", \"CAP_CHOWN\"]\n");
    EXPECT_EQ(s.attributes.ambient_capabilities, uint64_t{1} << CAP_NET_BIND_SERVICE);
    EXPECT_EQ(s.attributes.capability_bounding_set,
              (uint64_t{1} << CAP_NET_BIND_SERVICE) | (uint64_t{1} << CAP_CHOWN));
    EXPECT_EQ(parse_ok("capability_bounding_set = []").attributes.capability_bounding_set, 0u);
    expect_error("ambient_capabilities = [\"CAP_NET_BIND_SERVIC\"]", "ambient_capabilities",
                 "not a capability name");
    expect_error("ambient_capabilities = [\"12\"]", "ambient_capabilities",
                 "not a capability name");
    expect_error("ambient_capabilities = [\"NET_ADMIN\"]", "ambient_capabilities",
                 "not a capability name");
    ParsedUnit parsed = parse_unit("svc", kPath,
                                   unit_text("ambient_capabilities = [\"CAP_NET_RAW\"]\n"
                                             "capability_bounding_set = [\"CAP_CHOWN\"]"));
    EXPECT_FALSE(parsed.unit);
    ASSERT_EQ(parsed.diagnostics.size(), 1u);
    EXPECT_THAT(parsed.diagnostics[0].message, HasSubstr("also be in capability_bounding_set"));
}

TEST(ServiceKeys, Directories) {
    Service s = parse_ok(
        "runtime_directory = \"sshd\"\nstate_directory = [\"app\", \"app/cache\"]\n"
        "logs_directory = [\"app\"]\nruntime_directory_mode = \"0700\"\n");
    EXPECT_THAT(s.directories.runtime, ElementsAre("sshd"));
    EXPECT_THAT(s.directories.state, ElementsAre("app", "app/cache"));
    EXPECT_THAT(s.directories.logs, ElementsAre("app"));
    EXPECT_EQ(s.directories.runtime_mode, 0700u);
    EXPECT_EQ(s.directories.state_mode, 0755u);
    expect_error("runtime_directory = \"/run/x\"", "runtime_directory", "absolute");
    expect_error("state_directory = \"../etc\"", "state_directory", "\"..\"");
    expect_error("state_directory = \"a/../../etc\"", "state_directory", "\"..\"");
    expect_error("logs_directory = \"a//b\"", "logs_directory", "empty");
    expect_error("logs_directory = \"a/\"", "logs_directory", "empty");
    expect_error("logs_directory = \".\"", "logs_directory", "\".\"");
    expect_error("logs_directory = \"\"", "logs_directory", "1 to 1024");
    expect_error("runtime_directory = \"a\\nb\"", "runtime_directory", "control character");
    expect_error("runtime_directory_mode = \"999\"", "runtime_directory_mode", "octal");
    // A directory's mode may have the setgid (and sticky, setuid) bits, as
    // Debian's redis-server.service asks; a umask may not (above).
    EXPECT_EQ(parse_ok("runtime_directory_mode = \"2755\"").directories.runtime_mode, 02755u);
    EXPECT_EQ(parse_ok("state_directory_mode = \"1777\"").directories.state_mode, 01777u);
    EXPECT_EQ(parse_ok("logs_directory_mode = \"02750\"").directories.logs_mode, 02750u);
    expect_error("logs_directory_mode = \"17777\"", "logs_directory_mode", "\"7777\"");
}

TEST(ServiceKeys, EnvironmentFiles) {
    Service s = parse_ok("environment_file = [\"/etc/default/a\", \"-/etc/default/b\"]");
    ASSERT_EQ(s.environment_files.size(), 2u);
    EXPECT_EQ(s.environment_files[0].path, "/etc/default/a");
    EXPECT_FALSE(s.environment_files[0].optional);
    EXPECT_EQ(s.environment_files[1].path, "/etc/default/b");
    EXPECT_TRUE(s.environment_files[1].optional);
    expect_error("environment_file = \"relative\"", "environment_file", "absolute path");
    expect_error("environment_file = \"-\"", "environment_file", "absolute path");
    expect_error("environment_file = [1]", "environment_file", "list of strings");
}

TEST(ServiceKeys, Watchdog) {
    using namespace std::chrono_literals;
    EXPECT_EQ(parse_ok("").watchdog, Duration(0)) << "off unless asked for";
    struct Good {
        const char* line;
        Duration value;
    };
    for (const Good& good : {Good{"watchdog = \"30s\"", 30s}, Good{"watchdog = \"500ms\"", 500ms},
                             Good{"watchdog = \"1min 30s\"", 90s}, Good{"watchdog = \"0\"", 0s}})
        EXPECT_EQ(parse_ok(good.line).watchdog, good.value) << good.line;
    expect_error("watchdog = 30", "watchdog", "duration string");
    expect_error("watchdog = \"\"", "watchdog", "invalid duration");
    expect_error("watchdog = \"-5s\"", "watchdog", "expected a number");
    expect_error("watchdog = \"10 parsecs\"", "watchdog", "unknown unit");
    expect_error("watchdog = \"99999999999999999999h\"", "watchdog", "too large");
    expect_error("watchdog = \"400d\"", "watchdog", "too large");
    expect_error("watchdog = [\"1s\"]", "watchdog", "duration string");
}

}  // namespace
}  // namespace fastinit
