// A guard in front of toml++: it recurses once per level of a dotted key or
// table header ([a.b.c...]) with no limit of its own, so a long enough chain
// overflows the stack — in PID 1, a kernel panic. Unit files need a handful
// of dots outside strings; more than kMaxDotsOutsideStrings is refused before
// toml++ sees the text. (Nested arrays and inline tables are limited by
// toml++ itself.)
#pragma once

#include <string_view>
#include <utility>

namespace fastinit {

inline constexpr int kMaxDotsOutsideStrings = 256;

// The 1-based line and column of the first dot over the limit, outside
// strings and comments; line 0 when there is none.
std::pair<int, int> find_excessive_dots(std::string_view text);

}  // namespace fastinit
