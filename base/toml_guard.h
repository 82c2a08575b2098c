// Rule: text reaches toml++ only after this guard found nothing. Unit files
// (PID 1) and kexec.toml (the reboot client) both pass through it. It
// refuses text that is not UTF-8 (TOML is UTF-8; a line is named), and the
// inputs on which toml++ 3.3.0 itself misbehaves, by a single scan that
// knows where strings and comments are:
// - more than kMaxDotsOutsideStrings dots outside strings: toml++ recurses
//   once per level of a dotted key or table header with no limit, so a long
//   chain overflows the stack (in PID 1, a kernel panic);
// - a non-ASCII character outside strings and comments, or after a
//   backslash in a multi-line basic string: toml++ classifies it with a
//   whitespace table that ends in __builtin_unreachable() for most code
//   points (undefined behaviour in every build, e.g. the bytes "\xd1\xa8u");
// - a quote where TOML cannot begin a string ("0~79'..."): toml++ reads on
//   through it as part of a bare value (so what follows is not a string
//   to it, and the rule above must hold there too);
// - a table header whose first character cannot start a key ("[[[", "[ ="):
//   toml++ only asserts that it can;
// - a date followed by T and no digit ("2000-01-01T:"): toml++ asserts that
//   a time starts with a digit.
// Valid TOML never contains any of these except deep dots, so the guard
// refuses no file a person would write. The crashes it does not know of are
// the forked pre-flight's job for unit files (initd/unit/parse_preflight.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fastinit {

inline constexpr int kMaxDotsOutsideStrings = 256;

struct GuardFinding {
    int line = 0;  // 1-based
    int column = 0;
    std::string message;
};

// The first thing toml++ must not see, or nothing.
std::optional<GuardFinding> find_unsafe_toml(std::string_view text);

// `text` with every byte that is not ASCII replaced by '?'. After a syntax
// error toml++ reads on to quote what it found, and characters it passes
// there can reach the same undefined behaviour even inside what would have
// been a string: parsing this copy first, and the text only once the copy
// parsed, means toml++ never meets an error in the real text.
std::string toml_ascii_copy(std::string_view text);

}  // namespace fastinit
