// Rule: an environment file is untrusted text (any package or admin may
// write one), so its parser never fails as a whole: every line it cannot
// take is reported with file:line and skipped, the rest is used. The file is
// read only up to kMaxEnvironmentFileSize.
//
// The syntax is systemd's EnvironmentFile=: one KEY=VALUE per line; blank
// lines and lines starting with '#' or ';' are comments; whitespace around
// the key and before the value is ignored, trailing whitespace of an
// unquoted value too. A value may be quoted: '...' is literal, "..." takes
// \" \\ \` \$ as escapes; both may span lines. Unquoted, a backslash escapes
// the next character, and a backslash at the end of a line continues the
// value on the next. Later assignments of a name replace earlier ones.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fastinit {

inline constexpr size_t kMaxEnvironmentFileSize = 256 * 1024;

struct EnvironmentFileContents {
    // In file order, each name once (its last value).
    std::vector<std::pair<std::string, std::string>> variables;
    // "PATH:LINE: what is wrong" for each line that was skipped.
    std::vector<std::string> problems;
};

// `path` is only used in the problems' text.
EnvironmentFileContents parse_environment_file(std::string_view path, std::string_view text);

// Sets each NAME=value in an execve-style environment, replacing an
// earlier entry of that name (execve keeps duplicates and getenv takes the
// first); linear in the sizes of both.
void set_environment_variables(std::vector<std::string>& environment,
                               const std::vector<std::pair<std::string, std::string>>& variables);
// Sets NAME=value in an execve-style environment, replacing an earlier
// entry of that name (execve keeps duplicates and getenv takes the first).
void set_environment_variable(std::vector<std::string>& environment, std::string_view name,
                              std::string_view value);

}  // namespace fastinit
