// Small text helpers shared by parsers and tools.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/atomic_file.h"  // write_file_atomically, which many callers reach through here
#include "base/result.h"

namespace fastinit {

// Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, or "" when none is close enough to be a
// plausible typo.
std::string closest_match(std::string_view word, const std::vector<std::string_view>& candidates);

std::string join(const std::vector<std::string>& parts, std::string_view separator);

// True when `s` is well-formed UTF-8: no stray continuation bytes, no
// overlong forms, no surrogates, nothing above U+10FFFF, and no
// noncharacters (U+FDD0..U+FDEF, U+xFFFE and U+xFFFF). sd-bus refuses a
// message with any other string, and JSON writers throw on most.
bool is_valid_utf8(std::string_view s);

// The value of a hexadecimal digit (either case), or -1.
int hex_digit_value(char c);

// `s` with every byte that is not part of well-formed UTF-8 replaced by
// U+FFFD, so text from anyone (a STATUS= line, a file name, a cache field)
// can reach D-Bus or JSON and still say most of what it said.
std::string to_valid_utf8(std::string_view s);

// Reads a whole file; the Error names the path.
Result<std::string> read_file(const std::string& path);

// Reads a whole file of at most `max_size` bytes. A larger file (or one
// that grows past it while read) is an EFBIG Error naming the limit, so a
// file someone else wrote cannot make its reader allocate without bound.
Result<std::string> read_file_at_most(const std::string& path, size_t max_size);
// The same from an open fd (read to its end); `path` names it in errors.
Result<std::string> read_fd_at_most(int fd, const std::string& path, size_t max_size);

}  // namespace fastinit
