// `fastinit analyze --format=prometheus` (cli/analyze_prometheus.h) and the
// boot path it reports (base/boot_path.h): every phase that was measured and
// none that was not, units' times since boot, and label values that stay
// one valid line whatever the reports hold.
#include "cli/analyze_prometheus.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/text.h"

namespace fastinit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string params_with_loader(unsigned char type) {
    std::string params(4096, '\0');
    params[0x210] = static_cast<char>(type);
    return params;
}

TEST(BootPath, TheLoaderIdOfTheSetupHeaderSaysKexecOrFirmware) {
    EXPECT_EQ(boot_path_from_params(params_with_loader(0xD0)), BootPath::kexec);
    EXPECT_EQ(boot_path_from_params(params_with_loader(0x72)), BootPath::firmware);  // GRUB 2
    EXPECT_EQ(boot_path_from_params(params_with_loader(0xB0)), BootPath::firmware);  // QEMU
    EXPECT_EQ(boot_path_from_params(params_with_loader(0x00)), BootPath::unknown);
    EXPECT_EQ(boot_path_from_params(std::string(0x210, 'x')), BootPath::unknown);
    EXPECT_EQ(read_boot_path("/nonexistent/boot_params"), BootPath::unknown);
    EXPECT_STREQ(boot_path_name(BootPath::kexec), "kexec");
}

BootMetrics metrics(const Timeline* timeline, std::string initrd_json = {}) {
    BootMetrics boot;
    boot.timeline = timeline;
    boot.initrd_json = std::move(initrd_json);
    return boot;
}

Timeline two_unit_timeline() {
    Timeline t;
    t.makespan_us = 400000;
    t.boot.manager_start_boottime_us = 3000000;
    t.boot.initrd_report =
        R"({"userspace_start_us": 2000000, "switch_root_us": 2900000,
            "devices": {"mode": "probe", "reason": "cache missing", "modules_loaded": 7,
                        "modules_failed": 1, "start_us": 2000100, "end_us": 2100100}})";
    TimelineEntry ssh;
    ssh.name = "ssh";
    ssh.state = "active";
    ssh.result = "success";
    ssh.started_us = 100000;
    ssh.ready_us = 350000;
    TimelineEntry bad;
    bad.name = "broken";
    bad.state = "failed";
    bad.result = "exit-code";
    bad.started_us = 50000;
    bad.finished_us = 60000;
    t.units = {ssh, bad};
    return t;
}

TEST(AnalyzePrometheus, PhasesDevicesUnitsAndThePathOfABoot) {
    Timeline t = two_unit_timeline();
    Stage2Report stage2;
    stage2.start_us = 3100000;
    stage2.end_us = 3600000;
    stage2.probed = Stage2Report::Probed{
        "/lib/modules/6.1", {"kvm", "floppy"}, {"ccp (ENODEV)"}, 500, false, "", {}};
    std::string out = format_prometheus({.timeline = &t,
                                         .initrd_json = t.boot.initrd_report,
                                         .stage2 = stage2,
                                         .boot_path = BootPath::kexec});
    EXPECT_THAT(out, HasSubstr("# TYPE fastinit_boot_phase_seconds gauge\n"));
    EXPECT_THAT(out, HasSubstr("fastinit_boot_phase_seconds{phase=\"kernel\"} 2.000000\n"));
    EXPECT_THAT(out, HasSubstr("fastinit_boot_phase_seconds{phase=\"initrd\"} 0.900000\n"));
    EXPECT_THAT(out, HasSubstr("fastinit_boot_phase_seconds{phase=\"initrd_devices\"} 0.100000\n"));
    EXPECT_THAT(out, HasSubstr("fastinit_boot_phase_seconds{phase=\"userspace\"} 0.500000\n"));
    EXPECT_THAT(out, HasSubstr("fastinit_boot_phase_seconds{phase=\"total\"} 3.400000\n"));
    EXPECT_THAT(out, HasSubstr("fastinit_boot_phase_seconds{phase=\"stage2_devices\"} 0.500000\n"));
    EXPECT_THAT(
        out, HasSubstr("fastinit_boot_devices_info{mode=\"probe\",reason=\"cache missing\"} 1\n"));
    EXPECT_THAT(out, HasSubstr("fastinit_boot_modules{phase=\"initrd\",outcome=\"loaded\"} 7\n"));
    EXPECT_THAT(out, HasSubstr("fastinit_boot_modules{phase=\"stage2\",outcome=\"loaded\"} 2\n"));
    EXPECT_THAT(out, HasSubstr("fastinit_boot_modules{phase=\"stage2\",outcome=\"failed\"} 1\n"));
    EXPECT_THAT(out, HasSubstr("fastinit_boot_path_info{path=\"kexec\"} 1\n"));
    EXPECT_THAT(out, HasSubstr("fastinit_boot_units_failed 1\n"));
    EXPECT_THAT(out, HasSubstr("fastinit_unit_started_seconds{unit=\"ssh\"} 3.100000\n"));
    EXPECT_THAT(out, HasSubstr("fastinit_unit_ready_seconds{unit=\"ssh\"} 3.350000\n"));
    EXPECT_THAT(out, HasSubstr("fastinit_unit_ready_seconds{unit=\"broken\"} 3.060000\n"));
    EXPECT_THAT(out,
                HasSubstr("fastinit_unit_state_info{unit=\"broken\",state=\"failed\",result=\"exit-"
                          "code\"} 1\n"));
    // Each family's HELP and TYPE come once, before its samples.
    size_t type = out.find("# TYPE fastinit_unit_started_seconds");
    EXPECT_LT(type, out.find("fastinit_unit_started_seconds{"));
    EXPECT_EQ(out.find("# TYPE fastinit_unit_started_seconds", type + 1), std::string::npos);
}

TEST(AnalyzePrometheus, OnlyWhatWasMeasured) {
    // Another init after fastinit's initramfs: stage 1's report alone.
    Timeline t = two_unit_timeline();
    std::string initrd_only = format_prometheus(metrics(nullptr, t.boot.initrd_report));
    EXPECT_THAT(initrd_only, HasSubstr("{phase=\"initrd\"} 0.900000"));
    EXPECT_THAT(initrd_only, Not(HasSubstr("phase=\"userspace\"")));
    EXPECT_THAT(initrd_only, Not(HasSubstr("phase=\"total\"")));
    EXPECT_THAT(initrd_only, Not(HasSubstr("fastinit_unit_")));
    EXPECT_THAT(initrd_only, Not(HasSubstr("stage2")));
    EXPECT_THAT(initrd_only, HasSubstr("fastinit_boot_path_info{path=\"unknown\"} 1\n"));
    // No initramfs (a container, a kernel booted without one).
    t.boot.initrd_report.clear();
    std::string no_initrd = format_prometheus(metrics(&t));
    EXPECT_THAT(no_initrd, HasSubstr("{phase=\"kernel\"} 3.000000"));
    EXPECT_THAT(no_initrd, HasSubstr("{phase=\"userspace\"} 0.400000"));
    EXPECT_THAT(no_initrd, Not(HasSubstr("phase=\"initrd")));
    EXPECT_THAT(no_initrd, Not(HasSubstr("fastinit_boot_devices_info")));
    // A report that is not one: left out, not a crash.
    EXPECT_THAT(format_prometheus(metrics(nullptr, "{\"switch_root_us\": \"soon\"}")),
                Not(HasSubstr("phase")));
}

TEST(AnalyzePrometheus, HostileLabelValuesStayOneValidLine) {
    EXPECT_EQ(prometheus_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    Timeline t = two_unit_timeline();
    t.units[1].result = "x\"} 1\nfake_metric 99\n\xff\xfe";
    std::string out = format_prometheus(metrics(&t));
    EXPECT_TRUE(is_valid_utf8(out));
    EXPECT_THAT(out, Not(HasSubstr("\nfake_metric")));
    for (size_t start = 0, end; (end = out.find('\n', start)) != std::string::npos;
         start = end + 1) {
        std::string line = out.substr(start, end - start);
        EXPECT_TRUE(line.rfind("fastinit_", 0) == 0 || line.rfind("# ", 0) == 0) << line;
    }
}

}  // namespace
}  // namespace fastinit
