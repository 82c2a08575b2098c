// A saved crash dump: one directory under the kdump target per capture,
// named by the capture's UTC time (20261206-214501), holding `vmcore`,
// `dmesg.txt` when the crashed kernel's log could be read, and
// `fastinit-dump.json`, the record, written last. The rule: a directory
// without a record is a capture that did not finish, and says so; a record
// is read as hostile input (the disk held a crashed system's files).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace fastinit {

inline constexpr char kDumpRecordName[] = "fastinit-dump.json";

struct DumpRecord {
    long long captured_at = 0;          // seconds since the epoch (UTC), when it began
    std::string kernel;                 // the capture kernel's release
    std::string method;                 // "makedumpfile -l -d 31" or "copy of /proc/vmcore"
    std::string vmcore;                 // file name in the directory, "" when none was saved
    uint64_t vmcore_bytes = 0;          // its size as saved
    std::string dmesg;                  // file name, "" when the log could not be read
    double seconds = 0;                 // how long the capture took
    std::vector<std::string> problems;  // what went wrong, in order
};

// The directory name for a capture that began at `epoch_seconds`.
std::string dump_directory_name(long long epoch_seconds);

std::string dump_record_text(const DumpRecord& record);
Result<DumpRecord> parse_dump_record(const std::string& text);

struct SavedDump {
    std::string directory;             // full path
    std::optional<DumpRecord> record;  // nullopt: unfinished, or unreadable
    std::string problem;               // why there is no record
};

// Every dump directory under `target`, oldest first; an empty list when
// `target` does not exist.
std::vector<SavedDump> list_dumps(const std::string& target);

// `fastinit kdump list`'s table.
std::string format_dumps(const std::vector<SavedDump>& dumps);

}  // namespace fastinit
