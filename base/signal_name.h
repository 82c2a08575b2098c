// Signal names as unit files write them: "SIGTERM" or "TERM", "SIGRTMIN+3"
// or "RTMIN+3". Only names: a number means different signals on different
// architectures, and a name says what it is.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace fastinit {

// The signal's number, or an error that lists what is accepted. Signal 0,
// and SIGKILL and SIGSTOP where a service could not choose them, are the
// caller's to refuse.
Result<int> parse_signal_name(std::string_view text);

// "TERM", "RTMIN+3": any int has a name ("unknown" when it is none).
std::string signal_name(int signal);

}  // namespace fastinit
