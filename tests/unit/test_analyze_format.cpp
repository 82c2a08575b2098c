// `fastinit analyze` reports (cli/analyze_format.h): blame, the critical
// chain, the boot time split and stage 2's device lines, from the timeline
// the manager records.
#include "cli/analyze_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/stage2_report.h"
#include "tests/unit/booted_harness.h"

namespace fastinit {
namespace {

using std::chrono::milliseconds;
using testing::booted;
using testing::Harness;
using ::testing::HasSubstr;

TEST(AnalyzeFormat, BlameListsSlowestFirst) {
    Harness h = booted();
    std::string blame = format_blame(make_timeline(h.manager, h.clock.now()));
    size_t db = blame.find("db"), net = blame.find("net"), app = blame.find("app");
    ASSERT_NE(db, std::string::npos);
    EXPECT_LT(db, net);
    EXPECT_LT(net, app);
    EXPECT_THAT(blame, HasSubstr("300.0ms db"));
}

TEST(AnalyzeFormat, CriticalChainFollowsWhatEachUnitWaitedFor) {
    Harness h = booted();
    std::string chain = format_critical_chain(
        make_timeline(h.manager, h.clock.now() - milliseconds(350)), "default");
    EXPECT_EQ(chain,
              "default @350.0ms\n"
              "  app @350.0ms +50.0ms\n"
              "    db @300.0ms +300.0ms\n");
    EXPECT_EQ(format_critical_chain(make_timeline(h.manager, h.clock.now()), "nope"), "");
}

TEST(AnalyzeFormat, BootTimeSplitsKernelInitrdAndUserspace) {
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

TEST(AnalyzeFormat, Stage2DevicesReportRoundTripsIntoAnalyzeTime) {
    Stage2Report report;
    report.start_us = 3100000;
    report.end_us = 3350000;
    report.completed = Stage2Report::Completed{11, 1, 42.5, false};
    report.probed = Stage2Report::Probed{"/lib/modules/6.1.0-56-amd64",
                                         {"pcspkr", "snd_hda_intel"},
                                         {"i2c_piix4 (No such device)"},
                                         180.25,
                                         false,
                                         "probing: there is no device cache at /x",
                                         {"edac_mce_amd"}};
    EXPECT_EQ(format_stage2_devices(stage2_report_text(report)),
              "stage 2 devices: @3100.0ms +250.0ms\n"
              "  left by the initramfs: 11 modules in the kernel, 1 failed (42.5ms)\n"
              "  probed with /lib/modules/6.1.0-56-amd64: loaded pcspkr, snd_hda_intel; "
              "failed: i2c_piix4 (No such device); no device for: edac_mce_amd (180.2ms)\n");

    // A root without modules of its own, nothing left by the initramfs.
    Stage2Report quiet;
    quiet.start_us = 1000;
    quiet.end_us = 1500;
    EXPECT_EQ(format_stage2_devices(stage2_report_text(quiet)), "stage 2 devices: @1.0ms +0.5ms\n");
    Stage2Report nothing_new = report;
    nothing_new.completed.reset();
    nothing_new.probed->loaded.clear();
    nothing_new.probed->failed.clear();
    nothing_new.probed->no_device.clear();
    EXPECT_THAT(format_stage2_devices(stage2_report_text(nothing_new)),
                ::testing::EndsWith(": nothing more to load (180.2ms)\n"));

    // The next boot, from the root tree's cache.
    Stage2Report hit = nothing_new;
    hit.probed->from_cache = true;
    hit.probed->loaded = {"pcspkr"};
    EXPECT_THAT(
        format_stage2_devices(stage2_report_text(hit)),
        ::testing::EndsWith("  from the cache of /lib/modules/6.1.0-56-amd64: loaded pcspkr "
                            "(180.2ms)\n"));
}

TEST(AnalyzeFormat, ADamagedStage2ReportPrintsNothing) {
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

TEST(AnalyzeFormat, AnInitrdReportOfTheWrongTypesIsLeftOut) {
    Timeline t;
    t.boot.initrd_report = R"({"userspace_start_us": "x", "switch_root_us": []})";
    std::string out;
    ASSERT_NO_THROW(out = format_boot_time(t));
    EXPECT_THAT(out, HasSubstr("userspace"));
}

// Another init after fastinit's initramfs: initrd.json alone.
TEST(AnalyzeFormat, InitrdTimeAloneWhenAnotherInitRuns) {
    std::string text = format_initrd_time(
        R"({"userspace_start_us": 900000, "switch_root_us": 1100000,
            "next_init": "/lib/systemd/systemd",
            "devices": {"mode": "probe", "reason": "probing: no cache", "modules_loaded": 4,
                        "start_us": 910000, "end_us": 960000},
            "root": {"device": "/dev/vda1", "mounted_us": 1000000}})");
    EXPECT_EQ(text,
              "kernel 900.0ms + initrd 200.0ms = 1100.0ms (until the switch to the root and "
              "/lib/systemd/systemd)\n"
              "initrd devices: probe (probing: no cache), 4 modules in 50.0ms\n"
              "initrd root: /dev/vda1 mounted at 1000.0ms\n");
    EXPECT_EQ(format_initrd_time("not json"), "");
    EXPECT_EQ(format_initrd_time(R"({"devices": {}})"), "");
    EXPECT_EQ(format_initrd_time(R"({"userspace_start_us": "x", "switch_root_us": 1})"), "");
}

}  // namespace
}  // namespace fastinit
