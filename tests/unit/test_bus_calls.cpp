// The bus methods apart from sd-bus: every string a reply carries is
// well-formed UTF-8 whatever the unit files and STATUS= lines held, only
// root changes anything, echoed arguments are bounded; and the rule that
// drops a client that does not read.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/text.h"
#include "initd/control/backlog.h"
#include "initd/control/bus_calls.h"
#include "initd/run/notify_message.h"
#include "tests/unit/fakes.h"

namespace fastinit {
namespace {

using testing::Harness;
using testing::oneshot;
using testing::service;

const std::string kBadName = "bad\xff\xfe";
const std::string kReplacement = "\xEF\xBF\xBD";

struct Calls {
    Harness h{{{"default", "[unit]\nrequires = [\"app\"]\n"},
               {"app", service("notify")},
               {kBadName, oneshot()}}};
    std::vector<std::string> reboots;

    BusReply call(uid_t uid, std::string_view method, std::string_view argument = "") {
        BusCallContext context{h.manager, uid,
                               [this](const std::string& mode) {
                                   reboots.push_back(mode);
                                   return std::string();
                               },
                               [] { return std::string("{\"bad\": \"\xff\"}"); }};
        return handle_bus_call(context, method, argument);
    }
};

void expect_all_valid(const BusReply& reply) {
    EXPECT_TRUE(is_valid_utf8(reply.error_message)) << reply.error_message;
    EXPECT_TRUE(is_valid_utf8(reply.text));
    for (const auto& u : reply.units)
        for (const auto* s : {&u.name, &u.description, &u.state, &u.result, &u.status_text}) {
            EXPECT_TRUE(is_valid_utf8(*s)) << *s;
        }
    for (const auto& [key, value] : reply.properties) {
        if (const auto* s = std::get_if<std::string>(&value)) {
            EXPECT_TRUE(is_valid_utf8(*s)) << key;
        }
    }
}

TEST(BusCalls, ListUnitsShowsBadBytesAsReplacementCharacters) {
    Calls c;
    ASSERT_TRUE(c.h.manager.start("default").ok());
    pid_t pid = c.h.spawned("app");
    c.h.manager.on_notify(pid, 0, parse_notify_message("STATUS=half \xc3 a char\nREADY=1"));
    BusReply reply = c.call(1000, "ListUnits");
    ASSERT_TRUE(reply.ok()) << reply.error_message;
    expect_all_valid(reply);
    std::vector<std::string> names, statuses;
    for (const auto& u : reply.units) {
        names.push_back(u.name);
        statuses.push_back(u.status_text);
    }
    EXPECT_THAT(names, ::testing::Contains("bad" + kReplacement + kReplacement));
    EXPECT_THAT(statuses, ::testing::Contains("half " + kReplacement + " a char"));
}

TEST(BusCalls, GetUnitFindsARawNameAndRepliesWellFormed) {
    Calls c;
    BusReply reply = c.call(1000, "GetUnit", kBadName);
    ASSERT_TRUE(reply.ok()) << reply.error_message;
    expect_all_valid(reply);
    ASSERT_FALSE(reply.properties.empty());
    EXPECT_EQ(reply.properties[0].first, "Name");
    EXPECT_EQ(std::get<std::string>(reply.properties[0].second),
              "bad" + kReplacement + kReplacement);
}

TEST(BusCalls, OnlyRootChangesAnything) {
    Calls c;
    for (std::string method :
         {"StartUnit", "StopUnit", "RestartUnit", "ReloadUnit", "Reboot", "Reload"}) {
        BusReply reply = c.call(65534, method, method == "Reboot" ? "poweroff" : "app");
        EXPECT_EQ(reply.error_name, kErrorAccessDenied) << method;
        EXPECT_FALSE(reply.reload) << method;
    }
    EXPECT_TRUE(c.reboots.empty());
    EXPECT_EQ(c.h.state("app"), UnitState::inactive);
    EXPECT_TRUE(c.call(0, "StartUnit", "app").ok());
    EXPECT_NE(c.h.state("app"), UnitState::inactive);
    EXPECT_TRUE(c.call(0, "Reboot", "poweroff").ok());
    EXPECT_EQ(c.reboots, std::vector<std::string>{"poweroff"});
}

std::string property(const BusReply& reply, const std::string& key) {
    for (const auto& [name, value] : reply.properties)
        if (name == key)
            return std::get<std::string>(value);
    return "(absent)";
}

TEST(BusCalls, ReloadIsOwedToRootAndPendingDefinitionsAreShown) {
    Calls c;
    BusReply reply = c.call(0, "Reload");
    EXPECT_TRUE(reply.ok());
    EXPECT_TRUE(reply.reload) << "answered once the reload has run";

    ASSERT_TRUE(c.h.manager.start("app").ok());
    c.h.spawned("app");
    EXPECT_EQ(property(c.call(0, "GetUnit", "app"), "Pending"), "(absent)");
    ASSERT_TRUE(c.h.manager
                    .apply_reload(build_graph(
                        testing::make_units({{"default", "[unit]\n"}, {"app", service("simple")}})))
                    .ok());
    EXPECT_EQ(property(c.call(0, "GetUnit", "app"), "Pending"),
              "definition changed; restart to apply");
    EXPECT_EQ(property(c.call(0, "GetUnit", kBadName), "Pending"), "(absent)")
        << "removed but down: missing at once, nothing pending";
}

TEST(BusCalls, WaitUnitIsOwedWhileTheUnitHasAJobAndAnsweredWithoutOne) {
    Calls c;
    EXPECT_EQ(c.call(1000, "WaitUnit", "nope").error_name, kErrorNoSuchUnit);
    BusReply idle = c.call(1000, "WaitUnit", "app");
    ASSERT_TRUE(idle.ok());
    EXPECT_FALSE(idle.wait_for.has_value());
    EXPECT_EQ(property(idle, "State"), "inactive");
    EXPECT_EQ(property(idle, "Job"), "");

    ASSERT_TRUE(c.call(0, "StartUnit", "app").ok());
    BusReply pending = c.call(1000, "WaitUnit", "app");
    ASSERT_TRUE(pending.ok());
    EXPECT_EQ(pending.wait_for, c.h.id("app"));
    EXPECT_EQ(property(c.call(1000, "GetUnit", "app"), "Job"), "start");

    pid_t pid = c.h.spawned("app");
    c.h.manager.on_notify(pid, 0, parse_notify_message("READY=1"));
    BusReply done = c.call(1000, "WaitUnit", "app");
    EXPECT_FALSE(done.wait_for.has_value());
    EXPECT_EQ(property(done, "State"), "active");
}

TEST(BusCalls, ReloadUnitSaysWhyAUnitCannotReload) {
    Calls c;
    BusReply reply = c.call(0, "ReloadUnit", "default");
    EXPECT_EQ(reply.error_name, kErrorRequestFailed);
    EXPECT_THAT(reply.error_message, ::testing::HasSubstr("default cannot reload"));
    EXPECT_EQ(c.call(0, "ReloadUnit", "nope").error_name, kErrorNoSuchUnit);
}

TEST(BusCalls, EchoedArgumentsAreBoundedAndWellFormed) {
    Calls c;
    std::string huge(1 << 20, '\xff');
    for (const char* method : {"GetUnit", "StartUnit", "NoSuchMethod"}) {
        BusReply reply = c.call(0, method, huge);
        ASSERT_FALSE(reply.ok()) << method;
        expect_all_valid(reply);
        EXPECT_LT(reply.error_message.size(), 2048u) << method;
    }
    EXPECT_EQ(c.call(0, "GetUnit", "../../etc/passwd").error_name, kErrorNoSuchUnit);
    // A name that looks like an instance reaches the manager (which may make
    // it from a template); its error is bounded too.
    BusReply instance = c.call(0, "StartUnit", "x@" + huge);
    ASSERT_FALSE(instance.ok());
    expect_all_valid(instance);
    EXPECT_LT(instance.error_message.size(), 2048u);
    EXPECT_THAT(c.call(0, "StartUnit", "nosuch@x").error_message,
                ::testing::HasSubstr("no such unit: nosuch@x"));
    EXPECT_EQ(c.call(0, "NoSuchMethod").error_name, kErrorUnknownMethod);
}

TEST(BusCalls, TimelineTextIsWellFormed) {
    Calls c;
    BusReply reply = c.call(1000, "BootTimeline");
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply.text, "{\"bad\": \"" + kReplacement + "\"}");
}

TEST(BusCalls, WatchdogForAnyoneOffWithoutOne) {
    Calls c;
    BusReply off = c.call(1000, "Watchdog");
    ASSERT_TRUE(off.ok());
    ASSERT_EQ(off.properties.size(), 1u);
    EXPECT_EQ(std::get<std::string>(off.properties[0].second), "off");

    BusCallContext context{c.h.manager, 1000, nullptr, nullptr, [] {
                               return std::vector<std::pair<std::string, PropertyValue>>{
                                   {"State", std::string("running")}, {"TimeoutSec", 30u}};
                           }};
    BusReply on = handle_bus_call(context, "Watchdog", "");
    ASSERT_TRUE(on.ok());
    ASSERT_EQ(on.properties.size(), 2u);
    EXPECT_EQ(std::get<std::string>(on.properties[0].second), "running");
    EXPECT_EQ(std::get<uint32_t>(on.properties[1].second), 30u);
}

TEST(BusCalls, BlessIsRootsAndSaysWhenThereIsNoTrial) {
    Calls c;
    BusReply none = c.call(0, "Bless");
    ASSERT_TRUE(none.ok());
    EXPECT_EQ(none.text, "not a trial boot: nothing to bless");

    int blessed = 0;
    BusCallContext context{c.h.manager, 1000, nullptr, nullptr};
    context.bless = [&blessed]() -> Result<std::string> {
        if (++blessed > 1)
            return Error{"too late"};
        return std::string("trial boot blessed");
    };
    EXPECT_EQ(handle_bus_call(context, "Bless", "").error_name, kErrorAccessDenied);
    EXPECT_EQ(blessed, 0);
    context.uid = 0;
    BusReply first = handle_bus_call(context, "Bless", "");
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first.text, "trial boot blessed");
    BusReply late = handle_bus_call(context, "Bless", "");
    EXPECT_EQ(late.error_name, kErrorRequestFailed);
    EXPECT_EQ(late.error_message, "too late");
}

TEST(Backlog, AClientThatReadsIsKeptOneThatDoesNotIsDropped) {
    EXPECT_FALSE(backlog_exceeded(0, 0));
    EXPECT_FALSE(backlog_exceeded(kMaxQueuedForClient, kMaxUnhandledFromClient));
    EXPECT_TRUE(backlog_exceeded(kMaxQueuedForClient + 1, 0));
    EXPECT_TRUE(backlog_exceeded(0, kMaxUnhandledFromClient + 1));
}

}  // namespace
}  // namespace fastinit

namespace fastinit {
namespace {

TEST(BusReadLog, ValidatesItsArgumentsAndBoundsTheReply) {
    Journal journal;
    for (int i = 0; i < 3 * static_cast<int>(kMaxReadLogLines); ++i)
        journal.append("flood", 9, kPriorityInfo, "x", 0, 0);
    journal.append("bad", 9, kPriorityInfo, "text \xff from the manager", 0, 0);

    BusReply tooMany = read_log(journal, std::vector<std::string>(kMaxReadLogUnits + 1, "u"), 0, 0);
    EXPECT_EQ(tooMany.error_name, kErrorInvalidArgs);
    BusReply longName = read_log(journal, {std::string(1000, 'n')}, 0, 0);
    EXPECT_EQ(longName.error_name, kErrorInvalidArgs);
    EXPECT_LT(longName.error_message.size(), 400u) << "the echo is bounded";
    EXPECT_EQ(read_log(journal, {""}, 0, 0).error_name, kErrorInvalidArgs);

    BusReply all = read_log(journal, {}, 0, 0);
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all.log.lines.size(), kMaxReadLogLines);
    EXPECT_TRUE(all.log.more);

    BusReply bad = read_log(journal, {"bad"}, 0, 0);
    ASSERT_EQ(bad.log.lines.size(), 1u);
    EXPECT_TRUE(is_valid_utf8(bad.log.lines[0].text));

    BusReply huge_tail = read_log(journal, {"flood"}, 0, UINT32_MAX);
    ASSERT_TRUE(huge_tail.ok());
    EXPECT_EQ(huge_tail.log.lines.size(), kMaxReadLogLines);
}

}  // namespace
}  // namespace fastinit
