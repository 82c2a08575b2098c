// The manager role: PID 1 of a machine or of a PID namespace, or a
// supervisor started by hand for development. It runs in the lean
// fastinit-manager binary, which links neither the device cache nor the
// kexec code, and as a fallback inside the full fastinit binary.
#pragma once

#include <string_view>

namespace fastinit {

// Set by a program that execs the manager (fastinit, for the manager role)
// to the CLOCK_BOOTTIME microseconds at which it began, so the boot timeline
// says when the init began rather than when its last program did.
inline constexpr const char* kInitStartEnv = "FASTINIT_INIT_START_US";

// Whether `word` (as `--name` or `--name=VALUE`) is one of the manager's own
// options, which make `fastinit` take the manager role. --runtime-dir is
// not: the client has it too.
bool is_manager_option(std::string_view word);

// Never returns when running as PID 1.
int run_manager(int argc, char** argv);

}  // namespace fastinit
