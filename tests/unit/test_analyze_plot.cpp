// `fastinit analyze plot` (cli/analyze_plot.h): what the picture holds for a
// boot with an initramfs, for a manager in a container, and escaping.
#include "cli/analyze_plot.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/text.h"

namespace fastinit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TimelineEntry entry(std::string name, std::string type, long long queued, long long started,
                    long long ready) {
    TimelineEntry e;
    e.name = std::move(name);
    e.type = std::move(type);
    e.state = "active";
    e.result = "success";
    e.queued_us = queued;
    e.started_us = started;
    e.ready_us = ready;
    return e;
}

TEST(AnalyzePlot, ABootWithAnInitramfsShowsItsPhasesAndEveryUnit) {
    Timeline t;
    t.makespan_us = 500000;
    t.boot.manager_start_boottime_us = 3000000;
    t.units = {entry("ssh", "notify", 0, 100000, 350000), entry("default", "target", 0, 0, 400000)};
    BootMetrics boot;
    boot.timeline = &t;
    boot.initrd_json =
        R"({"userspace_start_us": 2000000, "switch_root_us": 2900000,
            "devices": {"mode": "cache-hit", "modules_loaded": 7, "start_us": 2000100,
                        "end_us": 2100100},
            "root": {"device": "/dev/vda", "mounted_us": 2800000}})";
    std::string svg = format_plot_svg(boot);
    EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
    EXPECT_THAT(svg, HasSubstr("from the kernel&apos;s start"));
    for (const char* text :
         {">kernel 2.00s<", ">initramfs 900.0ms<",
          ">initramfs devices: cache-hit, 7 modules 100.0ms<", ">root /dev/vda mounted 699.9ms<",
          ">ssh 250.0ms<", ">default 400.0ms<", ">switch_root<"})
        EXPECT_THAT(svg, HasSubstr(text)) << text;
    EXPECT_TRUE(is_valid_utf8(svg));
}

TEST(AnalyzePlot, AManagerStartedLongAfterTheKernelIsDrawnFromItsOwnStart) {
    Timeline t;
    t.makespan_us = 400000;
    t.boot.manager_start_boottime_us = 86400LL * 1000000;  // a container on a day-old host
    t.units = {entry("db", "notify", 0, 0, 300000)};
    BootMetrics boot;
    boot.timeline = &t;
    std::string svg = format_plot_svg(boot);
    EXPECT_THAT(svg, Not(HasSubstr(">kernel")));
    EXPECT_THAT(svg, HasSubstr("from the manager&apos;s start"));
    EXPECT_THAT(svg, HasSubstr(">db 300.0ms<"));
    // Not a day wide.
    auto width = svg.find("width=\"");
    ASSERT_NE(width, std::string::npos);
    EXPECT_LT(std::stod(svg.substr(width + 7)), 3000.0);
}

TEST(AnalyzePlot, TextIsEscapedIntoValidXml) {
    EXPECT_EQ(xml_text("<a & \"b\" 'c'>"), "&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;");
    EXPECT_EQ(xml_text(std::string("x\x01y", 3)), "x\xEF\xBF\xBDy");
    EXPECT_TRUE(is_valid_utf8(xml_text("\xff\xfe")));
    Timeline t;
    t.units = {entry("a", "simple", 0, 0, 10)};
    t.units[0].state = "failed</text><script>";
    BootMetrics boot;
    boot.timeline = &t;
    EXPECT_THAT(format_plot_svg(boot), Not(HasSubstr("<script>")));
}

}  // namespace
}  // namespace fastinit
