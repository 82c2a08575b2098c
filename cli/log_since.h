// `fastinit logs --since T` and `--boot B`: what the words mean.
//
// T is one of
//   -DURATION          that long before now, in the unit files' duration
//                      syntax: -5min, -1h 30min, -90s, -2h
//   YYYY-MM-DD         midnight of that day, local time
//   YYYY-MM-DD HH:MM[:SS]   (or with a T between: ISO 8601), local time
//   @SECONDS           seconds since the epoch
//   now                now (with -f: only what comes)
// B is PREV (the boot before this one), -N (N boots before) or 0 (this
// boot, the default).
#pragma once

#include <cstdint>
#include <string_view>

#include "base/result.h"

namespace fastinit {

// The CLOCK_REALTIME (µs) that T names; `now_us` is the realtime now. Local
// times are read in the process's time zone (TZ).
Result<int64_t> parse_since(std::string_view text, int64_t now_us);

// How many boots back B is (0: this one).
Result<uint64_t> parse_boot_offset(std::string_view text);

}  // namespace fastinit
