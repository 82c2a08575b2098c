// Rule: a pid file is hostile. Whoever can write it could otherwise have the
// manager signal any process, so it is read bounded (kMaxPidFileSize bytes)
// and accepted only as one decimal number greater than 1, with at most
// surrounding whitespace; which process it may name is the manager's check
// (Manager::is_own_process).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string_view>

#include "base/result.h"

namespace fastinit {

// More than a pid and a newline ever need; a longer file is refused.
inline constexpr size_t kMaxPidFileSize = 64;

// "1234\n" → 1234. Errors say what is wrong with the text, not where it is.
Result<pid_t> parse_pid_file(std::string_view text);

}  // namespace fastinit
