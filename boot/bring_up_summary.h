// What stage 1 records and logs of the bring-up: the device-cache's
// ApplyReport turned into initrd.json's "devices" object, in one place (the
// report is not mirrored field by field anywhere else).
#pragma once

#include <optional>
#include <string>

#include "base/initrd_report.h"
#include "boot/bring_up.h"
#include "initd/stage1/root_mount.h"

namespace fastinit {

// The first half, as the rest of stage 1 needs it.
struct BringUpStarted {
    InitrdReport::Devices devices;          // mode, reason, counts, check times, root_first
    int loading_behind = 0;                 // cached modules left for finish()
    RootHint root_hint;                     // where the cache says this root= was last time
    std::optional<RootRecord> root_record;  // the cache's, when it is for this root=
};

// From start()'s report, or its error (mode "none", the error as reason).
BringUpStarted started_summary(const Result<ApplyReport>& started, const std::string& root_source);
// "devices: cache-hit (...), N modules loaded, F failed, in X ms ..."
void log_started(const BringUpStarted& started, long long took_us);

// Fills in what finish() did: the counts of the whole bring-up, the modules
// left for the real root, when the last module was in.
void record_finish(const BringUpFinish& finished, const BringUpStarted& started,
                   InitrdReport::Devices& devices);
void log_finished(const BringUpFinish& finished, const BringUpStarted& started);

}  // namespace fastinit
