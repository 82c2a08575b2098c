// Stage 1's resume step, over the Stage1System seam: boot/resume.h
// decides, this waits for the device and writes to /sys/power. It returns
// when there was nothing to resume (or it could not be tried: a warning);
// with an image, the kernel resumes and it never returns.
#pragma once

#include "base/kernel_cmdline.h"
#include "boot/stage1_system.h"

namespace fastinit {

void resume_from_hibernation(Stage1System& system, const KernelCmdline& cmdline);

}  // namespace fastinit
