// The boot timeline: what the manager records, the JSON it writes, and the
// analyze reports built from it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/stage2_report.h"
#include "base/text.h"
#include "initd/run/timeline.h"
#include "tests/unit/fakes.h"

namespace fastinit {
namespace {

using std::chrono::milliseconds;
using testing::Harness;
using ::testing::HasSubstr;
using testing::oneshot;

// default ← app ← {db (300ms), net (100ms)}: the chain goes through db.
Harness booted() {
    Harness h({{"default", "[unit]\nrequires = [\"app\"]\n"},
               {"app", oneshot("requires = [\"db\", \"net\"]")},
               {"db", oneshot()},
               {"net", oneshot()},
               {"idle", oneshot()}});
    EXPECT_TRUE(h.manager.start("default").ok());
    h.spawned("db");
    h.spawned("net");
    h.clock.advance(milliseconds(100));
    h.exited("net");
    h.clock.advance(milliseconds(200));
    h.exited("db");
    h.spawned("app");
    h.clock.advance(milliseconds(50));
    h.exited("app");
    return h;
}

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

TEST(Timeline, FieldsOfTheWrongTypeAreRefusedNotThrown) {
    for (const char* text : {"{\"units\": [{\"name\": \"a\", \"state\": 3}]}",
                             "{\"units\": [{\"name\": \"a\", \"waited_for\": []}]}",
                             "{\"units\": [{\"name\": \"\xff\"}]}"}) {
        Result<Timeline> parsed = Error{""};
        ASSERT_NO_THROW(parsed = parse_timeline(text)) << text;
        EXPECT_FALSE(parsed.ok()) << text;
    }
    Timeline t;
    t.boot.initrd_report = R"({"userspace_start_us": "x", "switch_root_us": []})";
    std::string out;
    ASSERT_NO_THROW(out = format_boot_time(t));
    EXPECT_THAT(out, HasSubstr("userspace"));
}

TEST(Timeline, BlameListsSlowestFirst) {
    Harness h = booted();
    std::string blame = format_blame(make_timeline(h.manager, h.clock.now()));
    size_t db = blame.find("db"), net = blame.find("net"), app = blame.find("app");
    ASSERT_NE(db, std::string::npos);
    EXPECT_LT(db, net);
    EXPECT_LT(net, app);
    EXPECT_THAT(blame, HasSubstr("300.0ms db"));
}

TEST(Timeline, CriticalChainFollowsWhatEachUnitWaitedFor) {
    Harness h = booted();
    std::string chain = format_critical_chain(
        make_timeline(h.manager, h.clock.now() - milliseconds(350)), "default");
    EXPECT_EQ(chain,
              "default @350.0ms\n"
              "  app @350.0ms +50.0ms\n"
              "    db @300.0ms +300.0ms\n");
    EXPECT_EQ(format_critical_chain(make_timeline(h.manager, h.clock.now()), "nope"), "");
}

}  // namespace
}  // namespace fastinit

namespace fastinit {
namespace {

TEST(Timeline, BootTimeSplitsKernelInitrdAndUserspace) {
    Timeline t;
    t.makespan_us = 400000;
    t.boot.manager_start_boottime_us = 3000000;
    t.boot.initrd_report =
        R"({"userspace_start_us": 2000000, "switch_root_us": 2900000,
            "devices": {"mode": "cache-hit", "modules_loaded": 7, "start_us": 2000100,
                        "end_us": 2100100},
            "root": {"device": "/dev/vda", "mounted_us": 2800000}})";
    EXPECT_EQ(format_boot_time(t),
              "kernel 2000.0ms + initrd 900.0ms + userspace 500.0ms = 3400.0ms\n"
              "initrd devices: cache-hit, 7 modules in 100.0ms\n"
              "initrd root: /dev/vda mounted at 2800.0ms\n");
    t.boot.init_start_boottime_us = 2950000;
    auto parsed = parse_timeline(to_json(t));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(format_boot_time(*parsed), format_boot_time(t)) << "survives boot.json";
    EXPECT_EQ(parsed->boot.init_start_boottime_us, 2950000);

    Timeline no_initrd;
    no_initrd.makespan_us = 1000;
    no_initrd.boot.manager_start_boottime_us = 5000;
    EXPECT_EQ(format_boot_time(no_initrd), "kernel 5.0ms + userspace 1.0ms = 6.0ms\n");
}

TEST(Timeline, Stage2DevicesReportRoundTripsIntoAnalyzeTime) {
    Stage2Report report;
    report.start_us = 3100000;
    report.end_us = 3350000;
    report.completed = Stage2Report::Completed{11, 1, 42.5, false};
    report.probed = Stage2Report::Probed{"/lib/modules/6.1.0-56-amd64",
                                         {"pcspkr", "snd_hda_intel"},
                                         {"i2c_piix4 (No such device)"},
                                         180.25};
    EXPECT_EQ(format_stage2_devices(stage2_report_text(report)),
              "stage 2 devices: @3100.0ms +250.0ms\n"
              "  left by the initramfs: 11 modules in the kernel, 1 failed (42.5ms)\n"
              "  probed with /lib/modules/6.1.0-56-amd64: loaded pcspkr, snd_hda_intel; "
              "failed: i2c_piix4 (No such device) (180.2ms)\n");

    // A root without modules of its own, nothing left by the initramfs.
    Stage2Report quiet;
    quiet.start_us = 1000;
    quiet.end_us = 1500;
    EXPECT_EQ(format_stage2_devices(stage2_report_text(quiet)), "stage 2 devices: @1.0ms +0.5ms\n");
    Stage2Report nothing_new = report;
    nothing_new.completed.reset();
    nothing_new.probed->loaded.clear();
    nothing_new.probed->failed.clear();
    EXPECT_THAT(format_stage2_devices(stage2_report_text(nothing_new)),
                ::testing::EndsWith(": nothing more to load (180.2ms)\n"));
}

TEST(Timeline, ADamagedStage2ReportPrintsNothing) {
    EXPECT_EQ(format_stage2_devices(""), "");
    EXPECT_EQ(format_stage2_devices("{\"start_us\": 12"), "");
    EXPECT_EQ(format_stage2_devices("[1, 2]"), "");
    EXPECT_EQ(format_stage2_devices(R"({"start_us": "soon"})"), "");
    EXPECT_EQ(format_stage2_devices(R"({"completed": {"loaded": "many"}})"), "");
    // Wrong types inside are skipped, not thrown.
    EXPECT_EQ(
        format_stage2_devices(R"({"start_us": 0, "end_us": 0, "probed": {"loaded": [1, "x"]}})"),
        "stage 2 devices: @0.0ms +0.0ms\n  probed with ?: loaded x (0.0ms)\n");
}

}  // namespace
}  // namespace fastinit
