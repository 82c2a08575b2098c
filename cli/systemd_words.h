// The pieces of systemd's value syntax that `fastinit import-systemd` needs:
// words split with its quoting and C escapes, Exec lines (prefixes, `;`
// between commands, `$VAR`), specifiers (`%t`, `%i`...) and time spans
// ("1min 30s", "infinity"). The rule: each returns a value or a reason it
// cannot, never a guess.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace fastinit {

// Whitespace-separated words; "..." and '...' quote, \n \t \\ \" \' \s
// \xNN and \NNN (octal) are unescaped. An unterminated quote, a trailing
// backslash or an escape that makes a NUL byte is an error.
Result<std::vector<std::string>> split_systemd_words(std::string_view text);

// One command of an Exec line as fastinit can run it.
struct SystemdCommand {
    std::vector<std::string> argv;   // argv[0] keeps a leading "-" (failure tolerated)
    std::vector<std::string> notes;  // what of the line was not carried over, and why
};

// An Exec line: prefixes, `;` words between commands, and `$VAR`/`${VAR}`,
// which only a shell can expand here (the command becomes /bin/sh -c).
Result<std::vector<SystemdCommand>> parse_systemd_exec(std::string_view line);

// Replaces systemd's specifiers with what fastinit reads: in a template
// (`is_template`) %i, %I and %% are kept; elsewhere %% becomes %. Paths
// (%t /run, %S /var/lib, %L /var/log, %C /var/cache, %E /etc, %T /tmp,
// %V /var/tmp) and names (%n, %N, %p) are written out. Others are errors.
// `unit` is the systemd name without suffix ("getty@" for a template).
Result<std::string> translate_specifiers(std::string_view text, std::string_view unit,
                                         bool is_template);

// A systemd time span in microseconds; "infinity" is std::nullopt.
Result<std::optional<std::chrono::microseconds>> parse_systemd_timespan(std::string_view text);

}  // namespace fastinit
