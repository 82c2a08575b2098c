// The boot timeline as PID 1 keeps it. It holds the facts of this boot
// (when the manager and the init before it began, stage 1's report) and
// rewrites <runtime dir>/boot.json after each round of events in which units
// changed and every start job has settled. The first write also logs the
// line people and tests look for: "startup finished in ...".
#pragma once

#include <string>

#include "initd/run/manager.h"
#include "initd/run/timeline.h"

namespace fastinit {

class TimelineWriter {
  public:
    // Measures the manager's start now: make it when the manager starts.
    TimelineWriter(const std::string& runtime_dir, long long init_start_boottime_us);

    TimePoint started_at() const { return m_started_at; }
    const BootFacts& boot_facts() const { return m_boot; }

    // A unit changed state: the file is stale.
    void units_changed() { m_dirty = true; }
    // After a round of events: writes the file if it is stale and no unit
    // is waiting or starting.
    void after_round(const Manager& manager);
    // The timeline as it stands, in the file's format (the bus's
    // BootTimeline).
    std::string json(const Manager& manager) const;

  private:
    void write(const Manager& manager);

    TimePoint m_started_at;
    BootFacts m_boot;
    std::string m_path;
    bool m_dirty = false;
    bool m_boot_reported = false;
};

}  // namespace fastinit
