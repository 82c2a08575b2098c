// `fastinit logs --boot PREV`: a boot's lines from the persistent journal's
// files (initd/run/journal_files.h), read by the client itself, so the boot
// before can be read whatever the manager is doing.
//
// Rule: the files are hostile input. A file that is not a journal file, too
// large or unreadable is a problem reported by name and skipped; damaged
// records are skipped and counted per file; the rest is still shown.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "cli/client.h"

namespace fastinit {

struct BootLog {
    uint64_t boot = 0;
    std::vector<LogLine> lines;
    std::vector<std::string> problems;
};

// The running boot's number in the persistent journal (from the runtime
// directory's journal-boot), 0 when it writes none.
uint64_t running_journal_boot(const std::string& runtime_dir);

// The boot `back` boots before `current` (select_journal_boot), its files
// in order. An error when the directory cannot be read or has no such boot.
Result<BootLog> read_boot_log(const std::string& dir, uint64_t current, uint64_t back);

}  // namespace fastinit
