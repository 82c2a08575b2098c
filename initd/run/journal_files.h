// The persistent journal's files in /var/log/fastinit/: their names, their
// format, which to remove when rotating, which belong to which boot.
//
// Rule: the directory is hostile input like any file PID 1 or the client
// reads. A name that is not a journal file's is left alone (never removed,
// never read); a file whose first line is not the header, or that is larger
// than kMaxJournalFileRead, is an error naming it; a record that does not
// parse is skipped and counted, never a crash.
//
// Names: BOOT-PART.log, both decimal numbers from 1 without leading zeros
// (e.g. "12-3.log": boot 12, its third file). Each boot of PID 1 that writes
// takes the next boot number after the highest it finds; a boot's files are
// numbered in the order they were written, so sorting by (boot, part) sorts
// the whole directory oldest first.
//
// Format: journal records (base/journal_record.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/journal_record.h"
#include "base/result.h"
#include "initd/run/journal.h"

namespace fastinit {

inline constexpr const char* kJournalDir = "/var/log/fastinit";
// What a reader takes in from one file at most (the writer's files are
// smaller: kMaxJournalFileSize).
inline constexpr size_t kMaxJournalFileRead = 64 << 20;

// The persistent journal's bounds: each file from 64 KiB to 64 MiB, from 2 to
// 64 files. Defaults: 8 files of 4 MiB, so at most 32 MiB on disk.
inline constexpr uint64_t kMinJournalFileSize = 64 << 10;
inline constexpr uint64_t kMaxJournalFileSize = 64 << 20;
inline constexpr uint64_t kDefaultJournalFileSize = 4 << 20;
inline constexpr uint64_t kMinJournalFiles = 2;
inline constexpr uint64_t kMaxJournalFiles = 64;
inline constexpr uint64_t kDefaultJournalFiles = 8;

struct JournalFileName {
    uint64_t boot = 0;
    uint64_t part = 0;
    auto operator<=>(const JournalFileName&) const = default;
};

std::string format_journal_file_name(JournalFileName name);
// Nothing for a name that is not exactly BOOT-PART.log.
std::optional<JournalFileName> parse_journal_file_name(std::string_view name);

// The journal files among a directory's names, oldest first.
std::vector<JournalFileName> journal_files_among(const std::vector<std::string>& names);
// The journal files in `dir`, oldest first (an unreadable directory is an
// error).
Result<std::vector<JournalFileName>> list_journal_files(const std::string& dir);

// The boot number a new boot writes as: one past the highest present.
uint64_t next_journal_boot(const std::vector<JournalFileName>& files);

// Rotation: the files (oldest first) to remove so that one more file keeps
// the directory within `max_files` of ours.
std::vector<JournalFileName> journal_files_to_remove(const std::vector<JournalFileName>& files,
                                                     uint64_t max_files);

// The boot `back` boots before `current` (1: the boot before) among those
// that have files; `current` 0 when the running boot writes none (then the
// newest boot with files is 1 back). Nothing when there is no such boot.
std::optional<uint64_t> select_journal_boot(const std::vector<JournalFileName>& files,
                                            uint64_t current, uint64_t back);

// Stage 1's messages (paths::kInitrdJournalName): the records of `path`
// into `journal`, with their own times, then the file is removed so that
// they are taken in once. At most kMaxInitrdJournal bytes are read; a file
// that is not a journal file is an error (and is removed too). Returns the
// damaged records skipped. A missing file is no error and no lines.
inline constexpr size_t kMaxInitrdJournal = 1 << 20;
Result<uint64_t> take_in_journal_records(Journal& journal, const std::string& path);

}  // namespace fastinit
