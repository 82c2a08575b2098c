// Small text helpers shared by parsers and tools.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace fastinit {

// Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, or "" when none is close enough to be a
// plausible typo.
std::string closest_match(std::string_view word, const std::vector<std::string_view>& candidates);

std::string join(const std::vector<std::string>& parts, std::string_view separator);

// Reads a whole file; the Error names the path.
Result<std::string> read_file(const std::string& path);

}  // namespace fastinit
