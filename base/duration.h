// Durations as written in unit files: "100ms", "10s", "1min 30s", "2h",
// "500us", or a bare number of seconds ("5").
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/result.h"

namespace fastinit {

using Duration = std::chrono::microseconds;

Result<Duration> parse_duration(std::string_view text);

// "1.25s", "340ms", "12us": the shortest readable form, for logs and tools.
std::string format_duration(Duration duration);

}  // namespace fastinit
