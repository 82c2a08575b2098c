// The boot timeline: what the manager records and the JSON it writes
// (boot.json). The analyze reports built from it: test_analyze_format.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/text.h"
#include "initd/run/timeline.h"
#include "tests/unit/booted_harness.h"
#include "tests/unit/fakes.h"

namespace fastinit {
namespace {

using std::chrono::milliseconds;
using testing::booted;
using testing::Harness;
using testing::oneshot;

TEST(Timeline, RecordsWhenEachUnitStartedAndWhatItWaitedFor) {
    Harness h = booted();
    TimePoint start = h.clock.now() - milliseconds(350);
    Timeline t = make_timeline(h.manager, start);
    EXPECT_EQ(t.makespan_us, 350000);
    ASSERT_EQ(t.units.size(), 4u) << "idle was never queued";
    auto find = [&](const std::string& name) {
        for (const auto& e : t.units)
            if (e.name == name)
                return e;
        ADD_FAILURE() << name;
        return TimelineEntry{};
    };
    EXPECT_EQ(find("net").ready_us, 100000);
    EXPECT_EQ(find("db").ready_us, 300000);
    EXPECT_EQ(find("app").started_us, 300000);
    EXPECT_EQ(find("app").waited_for, "db");
    EXPECT_EQ(find("default").waited_for, "app");
    EXPECT_EQ(find("db").waited_for, "");
    EXPECT_EQ(find("default").type, "target");
    EXPECT_EQ(find("app").type, "oneshot");
}

TEST(Timeline, JsonRoundTrips) {
    Harness h = booted();
    Timeline t = make_timeline(h.manager, h.clock.now() - milliseconds(350));
    auto parsed = parse_timeline(to_json(t));
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    ASSERT_EQ(parsed->units.size(), t.units.size());
    for (size_t i = 0; i < t.units.size(); ++i) {
        EXPECT_EQ(parsed->units[i].name, t.units[i].name);
        EXPECT_EQ(parsed->units[i].ready_us, t.units[i].ready_us);
        EXPECT_EQ(parsed->units[i].waited_for, t.units[i].waited_for);
    }
    EXPECT_EQ(parsed->makespan_us, t.makespan_us);
}

TEST(Timeline, RejectsGarbage) {
    EXPECT_FALSE(parse_timeline("").ok());
    EXPECT_FALSE(parse_timeline("{\"units\": 3}").ok());
    EXPECT_FALSE(parse_timeline("[1,2]").ok());
    EXPECT_FALSE(parse_timeline("{\"units\": [{\"nam\": 1}]}").ok());
}

TEST(Timeline, FieldsOfTheWrongTypeAreRefusedNotThrown) {
    for (const char* text : {"{\"units\": [{\"name\": \"a\", \"state\": 3}]}",
                             "{\"units\": [{\"name\": \"a\", \"waited_for\": []}]}",
                             "{\"units\": [{\"name\": \"\xff\"}]}"}) {
        Result<Timeline> parsed = Error{""};
        ASSERT_NO_THROW(parsed = parse_timeline(text)) << text;
        EXPECT_FALSE(parsed.ok()) << text;
    }
}

TEST(Timeline, JsonOfBadBytesIsWellFormed) {
    Harness h({{"default", "[unit]\n"}, {"app", oneshot()}});
    ASSERT_TRUE(h.manager.start("default").ok());
    Timeline t = make_timeline(h.manager, h.clock.now());
    ASSERT_FALSE(t.units.empty());
    // As a unit file named with bad bytes, and a reason quoting STATUS=.
    t.units[0].name = "b\xff";
    t.units[0].reason = "said \xc3";
    std::string json;
    ASSERT_NO_THROW(json = to_json(t));
    EXPECT_TRUE(is_valid_utf8(json));
    auto parsed = parse_timeline(json);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    std::vector<std::string> names;
    for (const auto& e : parsed->units)
        names.push_back(e.name);
    EXPECT_THAT(names, ::testing::Contains("b\xEF\xBF\xBD"));
}

}  // namespace
}  // namespace fastinit
