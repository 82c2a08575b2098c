// modules-load.d: the modules to load at boot, read as systemd-modules-load
// reads them (and Debian's /etc/modules). Rule: every byte is hostile. A bad
// line is reported as FILE:LINE and skipped, and the rest still counts;
// sizes are bounded, so no file makes its reader allocate without limit.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace fastinit {

inline constexpr size_t kModulesLoadMaxFileSize = 64 * 1024;
inline constexpr size_t kModulesLoadMaxLineLength = 4096;
inline constexpr size_t kModulesLoadMaxEntries = 1024;
inline constexpr size_t kModulesLoadMaxFiles = 256;
// Module names and aliases (kmod looks both up) longer than this are no
// module's: the kernel's own limit for a name is 55 bytes.
inline constexpr size_t kModulesLoadMaxNameLength = 255;

struct ModulesLoadEntry {
    std::string module;  // a name or an alias, as written
    std::string file;
    int line = 0;

    bool operator==(const ModulesLoadEntry&) const = default;
};

struct ModulesLoadList {
    // In reading order, each name once (its first line).
    std::vector<ModulesLoadEntry> modules;
    // "FILE:LINE: error: ..." and "...: warning: ...", one per problem.
    std::vector<std::string> problems;
};

// True for a word kmod could look up: letters, digits and `_ - . :`, not
// starting with `-` (it would read as an option to whoever prints it).
bool is_module_name(std::string_view word);

// Adds the modules of one file's text to `into`. A line holds one module
// name; blank lines and lines starting with `#` or `;` are comments. Words
// after the name (module parameters, as Debian's /etc/modules allows) are
// ignored with a warning: parameters belong in modprobe.d, where the
// loader reads them.
void parse_modules_load(std::string_view text, const std::string& file, ModulesLoadList& into);

// The usual files, in order: the *.conf files of /etc/modules-load.d,
// /run/modules-load.d, /usr/lib/modules-load.d and /lib/modules-load.d,
// sorted by name, a name in an earlier directory hiding the same name in
// a later one (so /etc overrides a package's file, and a link to /dev/null
// masks it); then /etc/modules.
std::vector<std::string> default_modules_load_sources();

// Reads `sources` (directories of *.conf files, chosen as above, or plain
// files) and parses each. A missing source is no error; an unreadable or
// oversized file is one, and the others still count.
ModulesLoadList read_modules_load(const std::vector<std::string>& sources);

}  // namespace fastinit
