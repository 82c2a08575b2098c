// The fstab parser. Rule: every line is judged on its own; a line that is
// not understood is reported with file:line and skipped, and the rest of the
// file still counts. The parser is pure (text in, entries and diagnostics
// out) so it can be fuzzed and tested without a filesystem.
//
// A line is six whitespace-separated fields, the last two optional:
//   SPEC MOUNTPOINT TYPE OPTIONS [FREQ [PASS]]
// Fields may spell a space, tab, newline or backslash as the octal escapes
// \040 \011 \012 \134 (what getmntent(3) decodes); any other backslash is an
// error, as are control characters, bytes that are not UTF-8 and lines over
// kMaxFstabLineLength bytes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/duration.h"
#include "initd/unit/diagnostic.h"

namespace fastinit {

inline constexpr size_t kMaxFstabLineLength = 4096;
// More than this and the file is not read: a generator must not turn a
// multi-megabyte file into tens of thousands of units.
inline constexpr size_t kMaxFstabSize = 256 * 1024;
inline constexpr size_t kMaxFstabEntries = 1024;

struct FstabEntry {
    int line = 0;             // 1-based, for messages
    std::string spec;         // UUID=..., LABEL=..., PARTUUID=..., /dev/..., a host:path or a name
    std::string mount_point;  // absolute path; "none" for swap
    std::string type;         // "ext4", "swap", "nfs", ...
    std::string options;      // as written, e.g. "defaults,nofail"
    int pass = 0;             // fsck order: 0 none, 1 root, 2 and up after it

    bool is_swap() const { return type == "swap"; }
    bool has_option(std::string_view name) const;
    // The value of "name=value", or "" when absent.
    std::string option_value(std::string_view name) const;
    // x-systemd.device-timeout= (seconds, or a duration such as "30s"),
    // from 1 ms to 1 day; nothing when absent or unusable (the parser warns).
    std::optional<Duration> device_timeout() const;
};

struct FstabParse {
    std::vector<FstabEntry> entries;
    std::vector<Diagnostic> diagnostics;
};

// `file` names the source in diagnostics.
FstabParse parse_fstab(std::string_view text, const std::string& file);

// Decodes getmntent's octal escapes; false on any other backslash.
bool decode_fstab_field(std::string_view field, std::string& out);

}  // namespace fastinit
