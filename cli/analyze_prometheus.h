// `fastinit analyze --format=prometheus`: the last boot in Prometheus's
// text exposition format (version 0.0.4), for node_exporter's textfile
// collector. Rule: only what was measured is written — a phase the boot did
// not have (no initramfs, no stage 2) or cannot know (the firmware's time
// on a machine that does not report it) is left out, never written as 0 —
// and every label value is escaped and valid UTF-8, whatever the reports
// hold (they are files; the cache they quote is input).
//
// Times are seconds since the kernel started (CLOCK_BOOTTIME), so a unit's
// start can be compared with the phases and across machines.
#pragma once

#include <optional>
#include <string>

#include "base/boot_path.h"
#include "base/initrd_report.h"
#include "base/stage2_report.h"
#include "initd/run/timeline.h"

namespace fastinit {

struct BootMetrics {
    const Timeline* timeline = nullptr;      // the manager's, when it ran
    std::string initrd_json;                 // stage 1's report, when there was one
    std::optional<Stage2Report> stage2;      // stage 2's, when it ran
    BootPath boot_path = BootPath::unknown;  // how this kernel was entered
};

std::string format_prometheus(const BootMetrics& boot);

// Stage 1's report of `boot`, when it has one that reached the switch to
// the root (shared with the picture, cli/analyze_plot.h).
std::optional<InitrdReport> initrd_report_of(const BootMetrics& boot);

// A label value as the format wants it: \ " and newline escaped, bytes that
// are not UTF-8 replaced.
std::string prometheus_label_value(std::string_view value);

}  // namespace fastinit
