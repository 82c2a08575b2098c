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
// Boot counting: a file named NAME+LEFT-DONE.conf or NAME+LEFT.conf is the
// entry NAME with LEFT tries left (systemd-boot counts them down at each
// boot it makes and bless-boot removes the counter once a boot succeeded).
// An entry with no tries left (+0) is skipped, as the boot loader would
// skip it; kexec itself counts nothing down.
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
    std::string id;  // the file name without ".conf" and without a boot counter
    std::string title;
    std::string version;
    std::filesystem::path kernel;                // boot dir + the `linux` path
    std::vector<std::filesystem::path> initrds;  // boot dir + each `initrd` path
    std::string options;                         // empty when the entry has none
    std::string file;     // relative to the boot directory; "" if not read from one
    int tries_left = -1;  // the boot counter's LEFT, -1 without a counter
};

struct BootCounter {
    std::string id;       // the name without the counter
    int tries_left = -1;  // -1: no counter
    int tries_done = -1;  // -1: no DONE part
};

// Splits "NAME+LEFT-DONE" or "NAME+LEFT" (the file name without ".conf");
// anything else, or a counter that is not digits, is a name without one.
BootCounter parse_boot_counter(std::string_view stem);

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
// An entry whose kernel or initrd file is missing is skipped too, and so is
// one with no tries left. A missing directory means no entries.
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

// A wish for an entry from one source: "LoaderEntryOneShot", "--entry", ...
struct EntryWish {
    std::string source;
    std::string pattern;  // an id or glob; matched with or without ".conf"
};

struct ChosenEntry {
    size_t index;     // into BootEntries::entries
    std::string why;  // the source that chose it, or the default's reason
    // Wishes that matched no usable entry, each as "SOURCE \"PATTERN\"
    // matches no usable entry".
    std::vector<std::string> unmatched;
};

// The first wish (in the order given) that matches a usable entry (the last
// such by version order; by id as loader.conf's default, or by exact title,
// as GRUB names entries) chooses it; when none does, choose_default_entry
// does. nullopt when there are no usable entries.
std::optional<ChosenEntry> choose_entry(const BootEntries& entries,
                                        const std::vector<EntryWish>& wishes);

}  // namespace fastinit
