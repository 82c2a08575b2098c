// The boot timeline: for every unit of a start job, when it was queued,
// started and became ready (or failed), and which predecessor it waited for
// last. Written to <runtime dir>/boot.json. This is what PID 1 records and
// writes, and the one definition of that file's format (parse_timeline is
// its reader); turning it into text for people is the client's job
// (cli/analyze_format.h).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "initd/run/manager.h"

namespace fastinit {

struct TimelineEntry {
    std::string name;
    std::string state;
    std::string result;
    std::string reason;
    std::string type;  // service type, or "target"
    // Microseconds since the manager started; absent when it never happened.
    std::optional<long long> queued_us, started_us, ready_us, finished_us;
    std::string waited_for;  // empty when nothing held it back
};

// Facts about the boot around the manager: when it started on the kernel's
// clock, and what stage 1 (the initramfs) reported, if there was one.
struct BootFacts {
    long long manager_start_boottime_us = 0;  // CLOCK_BOOTTIME: since the kernel started
    // When this init's code began to run (its role chosen, before any set-up
    // of its own): where an initramfs's work ends. 0 when unknown.
    long long init_start_boottime_us = 0;
    std::string initrd_report;  // JSON written by stage 1, or ""
};

struct Timeline {
    long long manager_start_us = 0;  // CLOCK_MONOTONIC of the manager's start
    BootFacts boot;
    long long makespan_us = 0;  // first queued → last ready/finished
    std::vector<TimelineEntry> units;
};

Timeline make_timeline(const Manager& manager, TimePoint manager_start, const BootFacts& boot = {});

// boot.json's format, for the writer and the reader alike. Strings that are
// not UTF-8 are written with U+FFFD. from_json throws nlohmann's exceptions
// on a field of the wrong type; readers use parse_timeline.
void to_json(nlohmann::json& out, const TimelineEntry& entry);
void from_json(const nlohmann::json& in, TimelineEntry& entry);
void to_json(nlohmann::json& out, const Timeline& timeline);
void from_json(const nlohmann::json& in, Timeline& timeline);

// The file's text, which never throws; and back, an error for anything that
// is not a timeline (never an exception).
std::string to_json(const Timeline& timeline);
Result<Timeline> parse_timeline(const std::string& json);

}  // namespace fastinit
