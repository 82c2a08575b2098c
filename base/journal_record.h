// Journal records: how a journal line is written as text, one line each,
// in the persistent journal's files (initd/run/journal_files.h) and in
// stage 1's messages for the manager (/run/fastinit/initrd-journal.log).
//
// Rule: what is read back is hostile input. A file whose first line is not
// the header is an error; a record that does not parse is skipped and
// counted; what comes back holds no control byte (they are shown as \xNN)
// and is valid UTF-8.
//
// Format: the header
//
//   fastinit journal 1
//
// then a record per line:
//
//   REALTIME_US BOOTTIME_US PRIORITY PID UNIT TEXT
//
// (numbers in decimal, UNIT without spaces, TEXT to the end of the line with
// control bytes written as \xNN, so that a record is always one line).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace fastinit {

// Syslog priorities (sd-daemon(3)'s "<N>" prefixes).
inline constexpr int kPriorityError = 3;
inline constexpr int kPriorityWarning = 4;
inline constexpr int kPriorityInfo = 6;
inline constexpr int kPriorityDebug = 7;

struct JournalLine {
    uint64_t seq = 0;  // 0: a line the journal made up ("N lines dropped")
    std::string unit;
    pid_t pid = 0;
    long long realtime_us = 0;  // CLOCK_REALTIME
    long long boottime_us = 0;  // CLOCK_BOOTTIME
    int priority = kPriorityInfo;
    std::string text;
};

inline constexpr std::string_view kJournalFileHeader = "fastinit journal 1\n";

// One record line (with its newline).
std::string format_journal_record(const JournalLine& line);

struct JournalFileContent {
    std::vector<JournalLine> lines;
    uint64_t damaged = 0;        // records skipped
    uint64_t first_damaged = 0;  // the line number of the first one (1: the header)
};

// A file's text; an error when it is not a journal file (no header).
Result<JournalFileContent> parse_journal_file(std::string_view text);

}  // namespace fastinit
