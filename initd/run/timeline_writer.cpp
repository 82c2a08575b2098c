#include "initd/run/timeline_writer.h"

#include <malloc.h>

#include "base/atomic_file.h"
#include "base/boot_clock.h"
#include "base/log.h"
#include "base/paths.h"
#include "base/text.h"

namespace fastinit {

TimelineWriter::TimelineWriter(const std::string& runtime_dir, long long init_start_boottime_us)
    : m_started_at(Clock::now()), m_path(runtime_dir + "/" + paths::kBootReportName) {
    m_boot.manager_start_boottime_us = boottime_us();
    m_boot.init_start_boottime_us = init_start_boottime_us;
    // Stage 1 (the initramfs) leaves its report in /run, which it moved into
    // the real root for us.
    if (auto report = read_file(runtime_dir + "/" + paths::kInitrdReportName))
        m_boot.initrd_report = *report;
}

void TimelineWriter::after_round(const Manager& manager) {
    if (m_dirty && manager.settled()) {
        m_dirty = false;
        write(manager);
    }
}

std::string TimelineWriter::json(const Manager& manager) const {
    return to_json(make_timeline(manager, m_started_at, m_boot));
}

void TimelineWriter::write(const Manager& manager) {
    Timeline timeline = make_timeline(manager, m_started_at, m_boot);
    if (!m_boot_reported) {
        // The line tests and people look for on the console; it counts the
        // units of the timeline (those of a start job).
        m_boot_reported = true;
        int active = 0, failed = 0, skipped = 0;
        for (UnitId i = 0; i < manager.graph().nodes.size(); ++i) {
            const UnitRuntime& u = manager.runtime(i);
            if (!u.queued_at)
                continue;
            active += u.state == UnitState::active;
            failed += u.state == UnitState::failed;
            skipped += u.state == UnitState::skipped;
        }
        log::info("startup finished in ", timeline.makespan_us / 1000.0, " ms: ", active,
                  " units active, ", failed, " failed, ", skipped, " skipped");
    }
    auto written = write_file_atomically(m_path, to_json(timeline));
    if (!written)
        log::warning(written.error().message);
    // Loading the units and building the timeline's JSON leave freed heap
    // behind; PID 1 lives for as long as the machine, so give it back.
    ::malloc_trim(0);
}

}  // namespace fastinit
