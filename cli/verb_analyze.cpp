// `fastinit analyze blame|critical-chain [TARGET] [--file PATH]`: reads the
// boot timeline the manager wrote, like systemd-analyze. `time` also works
// on a root whose init is another (systemd) after fastinit's initramfs: from
// stage 1's initrd.json alone. `--format=prometheus` writes the same boot as
// metrics (cli/analyze_prometheus.h), `plot` as an SVG picture
// (cli/analyze_plot.h).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <thread>

#include "base/args.h"
#include "base/atomic_file.h"
#include "base/paths.h"
#include "base/text.h"
#include "base/trial_boot.h"
#include "cli/analyze_format.h"
#include "cli/analyze_plot.h"
#include "cli/analyze_prometheus.h"
#include "cli/verbs.h"

namespace fastinit {
namespace {

// What runs as PID 1 here ("systemd"), from /proc/1/comm; "" if unknown.
std::string init_name() {
    auto comm = read_file_at_most("/proc/1/comm", 64);
    if (!comm)
        return "";
    std::string name = *comm;
    while (!name.empty() && (name.back() == '\n' || name.back() == ' '))
        name.pop_back();
    return name;
}

// `analyze time` from initrd.json beside the missing `timeline` file, with
// a line on why there is no timeline; nothing when there is no such report.
std::optional<std::string> initrd_time_without_timeline(const std::string& timeline) {
    std::string dir = timeline.substr(0, timeline.rfind('/') + 1);
    auto initrd = read_file_at_most(dir + paths::kInitrdReportName, 1024 * 1024);
    if (!initrd)
        return std::nullopt;
    std::string out = format_initrd_time(*initrd);
    if (out.empty())
        return std::nullopt;
    std::string init = init_name();
    if (init.rfind("fastinit", 0) == 0)
        out += "no " + timeline + " yet: fastinit's manager writes it when the boot has finished\n";
    else
        out += "no " + timeline + ": another init runs" +
               (init.empty() ? std::string() : " (" + init + ", from /proc/1/comm)") +
               ", so only the initramfs's phases are known\n";
    return out;
}

// What is known of the boot: the timeline, stage 1's and stage 2's reports,
// whichever exist (on a systemd host only stage 1's). `timeline` holds
// what boot.timeline points to.
bool load_boot(const std::string& file, const std::string& boot_params,
               std::optional<Timeline>& timeline, BootMetrics& boot) {
    std::string dir = file.substr(0, file.rfind('/') + 1);
    if (auto text = read_file(file)) {
        auto parsed = parse_timeline(*text);
        if (!parsed) {
            std::fprintf(stderr, "fastinit analyze: %s: %s\n", file.c_str(),
                         parsed.error().message.c_str());
            return false;
        }
        timeline = std::move(*parsed);
        boot.timeline = &*timeline;
        boot.initrd_json = timeline->boot.initrd_report;
    } else if (auto initrd = read_file_at_most(dir + paths::kInitrdReportName, 1024 * 1024)) {
        boot.initrd_json = *initrd;
    } else {
        std::fprintf(stderr, "fastinit analyze: %s (has a boot finished?)\n",
                     text.error().message.c_str());
        return false;
    }
    if (auto stage2 = read_file_at_most(dir + paths::kStage2ReportName, 1024 * 1024))
        if (auto report = parse_stage2_report(*stage2))
            boot.stage2 = std::move(*report);
    boot.boot_path = read_boot_path(boot_params);
    return true;
}

// To stdout, or whole or not at all to `output` (node_exporter, a browser
// may read the file at any moment).
int emit(const std::string& text, const std::string& output) {
    if (output.empty()) {
        std::fputs(text.c_str(), stdout);
        return 0;
    }
    if (auto written = write_file_atomically(output, text); !written) {
        std::fprintf(stderr, "fastinit analyze: %s\n", written.error().message.c_str());
        return 1;
    }
    return 0;
}

// Until the manager has written the timeline (the boot has finished), for
// a unit that starts during the boot to report it: a look every 100 ms,
// every second once the boot has taken a minute.
void wait_for(const std::string& file) {
    auto begin = std::chrono::steady_clock::now();
    while (::access(file.c_str(), F_OK) != 0) {
        bool long_boot = std::chrono::steady_clock::now() - begin > std::chrono::minutes(1);
        std::this_thread::sleep_for(std::chrono::milliseconds(long_boot ? 1000 : 100));
    }
}

}  // namespace

int verb_analyze(const ClientContext& context, const Args& args) {
    std::string report, target = "default", file = context.timeline_path();
    std::string format = "text", boot_params = kBootParamsPath, output;
    bool wait = false;
    auto words = arg::parse({.options = {arg::value("--file", file), arg::value("--format", format),
                                         arg::value("--boot-params", boot_params),
                                         arg::value("--output", output), arg::flag("--wait", wait)},
                             .max_positionals = 2},
                            args);
    if (!words) {
        std::fprintf(stderr, "fastinit analyze: %s\n", words.error().message.c_str());
        return 2;
    }
    if (words->size() > 0)
        report = (*words)[0];
    if (words->size() > 1)
        target = (*words)[1];
    if (report.empty())
        report = "time";
    if ((report != "time" && report != "blame" && report != "critical-chain" && report != "json" &&
         report != "plot") ||
        (format != "text" && format != "prometheus") ||
        (format == "prometheus" && report != "time")) {
        std::fprintf(stderr,
                     "usage: fastinit analyze [time|blame|critical-chain [TARGET]|json] "
                     "[--file PATH]\n"
                     "       fastinit analyze plot [--file PATH] [--output FILE.svg] [--wait]\n"
                     "       fastinit analyze [time] --format=prometheus [--file PATH] "
                     "[--output FILE] [--wait] [--boot-params FILE]\n");
        return 2;
    }
    if (format == "prometheus" || report == "plot") {
        if (wait)
            wait_for(file);
        std::optional<Timeline> timeline;
        BootMetrics boot;
        if (!load_boot(file, boot_params, timeline, boot))
            return 1;
        return emit(report == "plot" ? format_plot_svg(boot) : format_prometheus(boot), output);
    }
    auto text = read_file(file);
    if (!text && report == "time") {
        // Another init (systemd) after fastinit's initramfs: no timeline,
        // but stage 1's report is there.
        if (auto initrd = initrd_time_without_timeline(file)) {
            std::fputs(initrd->c_str(), stdout);
            return 0;
        }
    }
    if (!text) {
        std::fprintf(stderr, "fastinit analyze: %s (has a boot finished?)\n",
                     text.error().message.c_str());
        return 1;
    }
    if (report == "json") {
        std::fputs(text->c_str(), stdout);
        return 0;
    }
    auto timeline = parse_timeline(*text);
    if (!timeline) {
        std::fprintf(stderr, "fastinit analyze: %s: %s\n", file.c_str(),
                     timeline.error().message.c_str());
        return 1;
    }
    if (report == "time") {
        std::fputs(format_boot_time(*timeline).c_str(), stdout);
        // Stage 2 runs beside the units and may end after the timeline was
        // written: its report is a file of its own, next to it.
        std::string dir = file.substr(0, file.rfind('/') + 1);
        if (auto stage2 = read_file(dir + paths::kStage2ReportName))
            std::fputs(format_stage2_devices(*stage2).c_str(), stdout);
        // `fastinit kdump load` found a dump no boot had reported yet.
        if (auto capture = read_file_at_most(dir + paths::kLastCaptureName, 4096))
            std::printf("previous boot: a crash capture, dump saved in %s\n",
                        to_valid_utf8(capture->substr(0, capture->find('\n'))).c_str());
        // A trial boot (`fastinit reboot --try`) says so, and whether it
        // was blessed; the manager keeps the file beside the timeline.
        if (auto trial = read_file_at_most(dir + kTrialStateName, 4096)) {
            if (auto state = parse_trial_state(*trial))
                std::printf("%s\n", describe_trial(*state, ::time(nullptr)).c_str());
        }
        return 0;
    }
    if (report == "blame") {
        std::fputs(format_blame(*timeline).c_str(), stdout);
        return 0;
    }
    std::string chain = format_critical_chain(*timeline, target);
    if (chain.empty()) {
        std::fprintf(stderr, "fastinit analyze: %s is not in the timeline\n", target.c_str());
        return 1;
    }
    std::printf(
        "The time when unit became active or started is printed after the \"@\".\n"
        "The time the unit took to start is printed after the \"+\".\n\n%s",
        chain.c_str());
    std::printf("\nboot makespan: %.1fms\n", timeline->makespan_us / 1000.0);
    return 0;
}

}  // namespace fastinit
