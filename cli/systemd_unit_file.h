// systemd unit files (`foo.service`) as text: the INI dialect systemd reads,
// for `fastinit import-systemd`. The rule: any bytes in, never a crash, and
// every line not understood is a problem naming FILE:LINE; the rest is kept.
//
// What is understood, as systemd's parser does it: `[Section]` headers,
// `Key=Value` (both trimmed), comments (`#`/`;` first on a line), a trailing
// `\` that joins the next line with a space (comment lines inside such a
// continuation are skipped), and repeated keys (kept in order; an empty
// assignment resets a list, see values()).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace fastinit {

struct SystemdEntry {
    std::string section;  // "Service"
    std::string key;      // "ExecStart"
    std::string value;    // as written, trimmed, continuation lines joined
    int line = 0;         // the line the assignment starts on
};

struct SystemdUnitFile {
    std::vector<SystemdEntry> entries;  // in file order
    std::vector<std::string> problems;  // "FILE:LINE: message"

    // The values of `key` in `section`, in order, after the last empty
    // assignment (systemd's "Key=" resets a list).
    std::vector<const SystemdEntry*> values(std::string_view section, std::string_view key) const;
    // The last value (a single-valued key), or null when absent or reset.
    const SystemdEntry* last(std::string_view section, std::string_view key) const;
};

// Bounds on hostile input: bigger files are refused, longer lines and more
// entries are problems.
inline constexpr size_t kSystemdUnitMaxSize = 256 * 1024;
inline constexpr size_t kSystemdLineMax = 32 * 1024;
inline constexpr size_t kSystemdMaxEntries = 4096;

SystemdUnitFile parse_systemd_unit(std::string_view path, std::string_view text);

}  // namespace fastinit
