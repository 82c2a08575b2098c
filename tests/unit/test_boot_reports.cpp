// The boot's reports as types: initrd.json and stage2.json written and read
// back through the same to_json/from_json; damaged ones are errors.
#include <gtest/gtest.h>

#include "base/initrd_report.h"
#include "base/stage2_report.h"

namespace fastinit {
namespace {

TEST(InitrdReport, RoundTrips) {
    InitrdReport report;
    report.userspace_start_us = 100;
    report.devices.mode = "cache-hit";
    report.devices.reason = "using the device cache";
    report.devices.modules_loaded = 7;
    report.devices.check_us = 3;
    report.devices.read_cache_us = 1;
    report.devices.root_first = {"virtio_blk"};
    report.devices.module_index = "modules.dep.bin=1:ab modules.alias.bin=2:cd";
    report.devices.start_us = 110;
    report.devices.end_us = 200;
    report.devices.all_loaded_us = 300;
    report.root = {"/dev/vda", 210, 220, 230, {"fixed", "", "/usr/sbin/fsck.ext4", 1, 205, 208}};
    report.switch_root_us = 400;
    report.next_init = "/sbin/init";
    std::string error;
    auto back = parse_initrd_report(stage1_report_text(report, error));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(error, "");
    EXPECT_EQ(nlohmann::json(*back), nlohmann::json(report));
    EXPECT_EQ(back->devices.module_index, report.devices.module_index);
}

TEST(InitrdReport, DamagedReportsAreErrorsNotExceptions) {
    EXPECT_FALSE(parse_initrd_report(std::string("")).ok());
    EXPECT_FALSE(parse_initrd_report(std::string("[1]")).ok());
    EXPECT_FALSE(parse_initrd_report(std::string(R"({"switch_root_us": "late"})")).ok());
    EXPECT_FALSE(parse_initrd_report(std::string(R"({"devices": {"root_first": 3}})")).ok());
    auto sparse = parse_initrd_report(std::string(R"({"switch_root_us": 5})"));
    ASSERT_TRUE(sparse.ok());
    EXPECT_EQ(sparse->switch_root_us, 5);
    EXPECT_EQ(sparse->devices.mode, "");
}

TEST(Stage2Report, RoundTrips) {
    Stage2Report report;
    report.start_us = 1;
    report.end_us = 2;
    report.completed = Stage2Report::Completed{3, 1, 4.5, true};
    report.probed = Stage2Report::Probed{"/lib/modules/x",    {"a"}, {"b (c)"}, 6, true,
                                         "the cache matches", {"d"}};
    auto back = parse_stage2_report(stage2_report_text(report));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(nlohmann::json(*back), nlohmann::json(report));
    EXPECT_FALSE(parse_stage2_report("{").ok());
    EXPECT_FALSE(parse_stage2_report(R"({"start_us": "soon"})").ok());
}

}  // namespace
}  // namespace fastinit
