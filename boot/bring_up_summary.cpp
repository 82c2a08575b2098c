#include "boot/bring_up_summary.h"

#include "base/log.h"
#include "base/text.h"

namespace fastinit {

namespace {

// From the start of the bring-up until the last module was in.
long long loaded_after_us(const BringUpFinish& finished) {
    return finished.report ? finished.report->check_us + finished.report->load_us : 0;
}

}  // namespace

BringUpStarted started_summary(const Result<ApplyReport>& started, const std::string& root_source) {
    BringUpStarted out;
    InitrdReport::Devices& d = out.devices;
    if (!started) {
        d.mode = "none";
        d.reason = started.error().message;
        return out;
    }
    const ApplyReport& report = *started;
    d.mode = report.decision.path == DevicePath::use_cache ? "cache-hit" : "probe";
    d.reason = report.decision.reason;
    d.module_index = report.module_index;
    if (report.cache_error)
        d.reason += "; " + report.cache_error->message;
    ModuleCounts counts = count_modules(report.modules);
    d.modules_loaded = counts.loaded;
    d.modules_failed = counts.failed;
    d.check_us = report.check_us;
    d.read_cache_us = report.read_us;
    d.enumerate_us = report.enumerate_us;
    d.fingerprint_us = report.fingerprint_us;
    d.root_first = report.root_first;
    out.loading_behind = report.left_behind;
    if (report.cached_root.source == root_source) {
        out.root_hint = {report.cached_root.device, report.cached_root.fstype};
        out.root_record = report.cached_root;
    }
    return out;
}

void log_started(const BringUpStarted& started, long long took_us) {
    const InitrdReport::Devices& d = started.devices;
    std::string behind;
    if (started.loading_behind > 0)
        behind = "; the root's first (" + join(d.root_first, ", ") + "), " +
                 std::to_string(started.loading_behind) + " more later";
    log::info("devices: ", d.mode, d.reason.empty() ? "" : " (" + d.reason + ")", ", ",
              d.modules_loaded, " modules loaded, ", d.modules_failed, " failed, in ",
              took_us / 1000.0, " ms", behind);
}

void record_finish(const BringUpFinish& finished, const BringUpStarted& started,
                   InitrdReport::Devices& devices) {
    ModuleCounts counts =
        finished.report ? count_modules(finished.report->modules) : ModuleCounts{};
    devices.modules_loaded = counts.loaded;
    devices.modules_failed = counts.failed;
    devices.left_for_the_real_root = finished.left_for_the_real_root;
    if (finished.left_for_the_real_root == 0)
        devices.all_loaded_us = started.loading_behind > 0
                                    ? devices.start_us + loaded_after_us(finished)
                                    : devices.end_us;
}

void log_finished(const BringUpFinish& finished, const BringUpStarted& started) {
    if (started.loading_behind > 0 && finished.left_for_the_real_root == 0) {
        ModuleCounts counts =
            finished.report ? count_modules(finished.report->modules) : ModuleCounts{};
        log::info("devices: all ", counts.loaded, " modules loaded, ", counts.failed, " failed, ",
                  loaded_after_us(finished) / 1000.0, " ms after the device phase began");
    }
    for (const std::string& note : finished.notes)
        log::info("devices: ", note);
}

}  // namespace fastinit
