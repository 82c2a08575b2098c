// `fastinit analyze blame|critical-chain [TARGET] [--file PATH]`: reads the
// boot timeline the manager wrote, like systemd-analyze.
#include <cstdio>

#include "base/args.h"
#include "base/paths.h"
#include "base/text.h"
#include "cli/analyze_format.h"
#include "cli/verbs.h"

namespace fastinit {

int verb_analyze(const ClientContext& context, const Args& args) {
    std::string report, target = "default", file = context.timeline_path();
    auto words = arg::parse({.options = {arg::value("--file", file)}, .max_positionals = 2}, args);
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
    if (report != "time" && report != "blame" && report != "critical-chain" && report != "json") {
        std::fprintf(stderr,
                     "usage: fastinit analyze [time|blame|critical-chain [TARGET]|json] "
                     "[--file PATH]\n");
        return 2;
    }
    auto text = read_file(file);
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
