// Stage 2's report, <runtime dir>/stage2.json (paths::kStage2Report): what
// `fastinit devices stage2` did on the real root, for `fastinit analyze
// time`. One type for the writer and the readers.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace fastinit {

struct Stage2Report {
    // Completing the bring-up with the modules stage 1 left.
    struct Completed {
        int loaded = 0, failed = 0;
        double ms = 0;
        bool cache_rewritten = false;  // at paths::kHandedOverCache
    };
    // The real root's own module tree: its cache (paths::kRootModulesCache)
    // when it matches, else a probe.
    struct Probed {
        std::string dir;
        std::vector<std::string> loaded, failed;  // failed: "name (reason)"
        double ms = 0;
        bool from_cache = false;  // the cached modules, no probe
        std::string why;          // the decision's reason, in one sentence
        // Modules whose init said ENODEV: no device for them here, not a
        // failure (udev's modprobe would meet the same). From the cache
        // they are not tried again.
        std::vector<std::string> no_device;
    };
    long long start_us = 0, end_us = 0;  // CLOCK_BOOTTIME
    std::optional<Completed> completed;  // when the initramfs left modules
    std::optional<Probed> probed;        // when the root has a module tree
};

void to_json(nlohmann::json& out, const Stage2Report& report);
// Throws nlohmann's exceptions on a field of the wrong type; a missing field
// keeps its default, and a list of names keeps only its strings.
void from_json(const nlohmann::json& in, Stage2Report& report);

// The report as its file holds it; never throws (bytes that are not UTF-8
// become U+FFFD).
std::string stage2_report_text(const Stage2Report& report);
// An error, never an exception, for text that is not a report.
Result<Stage2Report> parse_stage2_report(const std::string& text);

}  // namespace fastinit
