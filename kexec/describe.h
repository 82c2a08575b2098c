// Human-readable text about a chosen kexec image, for `fastinit reboot
// --dry-run` and `fastinit kexec load`. Pure formatting: nothing is read.
#pragma once

#include <string>

#include "kexec/reboot_plan.h"

namespace fastinit {

// Lines "kernel:", "initrd:", "cmdline:", "chosen by:", "cmdline from:",
// then one "dropped:" and "note:" line per item, each ending in '\n'.
std::string format_kexec_choice(const PreparedKexec& prepared);

// The steps of a reboot in `mode`, numbered, one per line.
std::string format_reboot_steps(PowerAction mode);

}  // namespace fastinit
