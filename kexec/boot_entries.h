// Boot Loader Spec type #1 entries (<boot>/loader/entries/*.conf), read the
// way a boot loader picks its default, so that `fastinit reboot` jumps into
// the kernel a cold boot would have started.
//
// An entry is a text file of "key value" lines. The keys used here are
// `linux` (the kernel), `initrd` (repeatable; the pieces are concatenated in
// order) and `options` (repeatable; joined by spaces: the whole kernel command
// line of that entry). `title` and `version` are kept for messages; other
// keys are ignored. Paths are relative to the boot directory, whether or not
// they start with '/'.
//
// Broken entries never fail the selection: each one is skipped with a reason.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace fastinit {

struct BootEntry {
    std::string id;  // the file name without ".conf"
    std::string title;
    std::string version;
    std::filesystem::path kernel;                // boot dir + the `linux` path
    std::vector<std::filesystem::path> initrds;  // boot dir + each `initrd` path
    std::string options;                         // empty when the entry has none
};

struct SkippedEntry {
    std::string file;  // relative to the boot directory
    std::string reason;
};

struct BootEntries {
    // Usable entries in ascending version order of their ids.
    std::vector<BootEntry> entries;
    std::vector<SkippedEntry> skipped;
    // The `default` pattern of <boot>/loader/loader.conf, "" if none.
    std::string loader_default;
};

// Compares two names the way people read versions: runs of digits compare as
// numbers ("6.1.10" > "6.1.9"), '~' sorts before anything, even the end
// ("1.0~rc1" < "1.0"), other characters compare bytewise. Returns <0, 0, >0.
int compare_versions(std::string_view a, std::string_view b);

// Parses one entry's text; files are not checked. The Error's message is the
// reason the entry is unusable (no `linux` line, an EFI-program entry, ...).
Result<BootEntry> parse_boot_entry(std::string_view id, std::string_view text,
                                   const std::filesystem::path& boot_dir);

// Reads <boot_dir>/loader/entries/*.conf and <boot_dir>/loader/loader.conf.
// An entry whose kernel or initrd file is missing is skipped too. A missing
// directory means no entries.
BootEntries read_boot_entries(const std::filesystem::path& boot_dir);

struct DefaultEntry {
    size_t index;     // into BootEntries::entries
    std::string why;  // e.g. "last by version order"
};

// The entry a boot loader would start: the last (by version order) entry
// whose id, with or without ".conf", matches loader.conf's `default` glob;
// when there is no such pattern, or it matches no usable entry, the last
// entry by version order (and `why` says what happened to the pattern).
// nullopt when there are no usable entries.
std::optional<DefaultEntry> choose_default_entry(const BootEntries& entries);

}  // namespace fastinit
