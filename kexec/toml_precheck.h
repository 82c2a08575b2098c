// A look at TOML text before toml++ parses it, refusing what toml++ 3.3
// cannot handle safely:
//   - a byte that is not ASCII outside a string or comment (TOML allows none
//     there): toml++ runs into undefined behaviour classifying it (a crash,
//     or worse, depending on the optimiser), e.g. on "\xd1\xa8u" (its
//     is_unicode_whitespace reaches TOML_UNREACHABLE for most of U+00A1 to
//     U+0499);
//   - bytes that are not UTF-8 at all;
//   - more than kMaxTomlDots dots outside strings: toml++ recurses once per
//     part of a dotted key or table header, without a limit.
// What passes may still be bad TOML; toml++ says so with its own error.
#pragma once

#include <string>
#include <string_view>

namespace fastinit {

inline constexpr int kMaxTomlDots = 256;

struct TomlRefusal {
    int line = 0;  // 1-based; 0 when the text passed
    int column = 0;
    std::string message;

    explicit operator bool() const { return line > 0; }
};

// When the text passes and `ascii` is given, it gets the text with every
// byte that is not ASCII (all in strings and comments by then) replaced by
// '?'. toml++ reads on past a syntax error to quote what it found, and the
// characters it passes there can reach the same undefined behaviour, even
// inside what would have been a string: so parse this copy first, and the
// text itself only once the copy parsed (then toml++ meets no error in it).
TomlRefusal precheck_toml(std::string_view text, std::string* ascii = nullptr);

}  // namespace fastinit
