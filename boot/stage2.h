// Stage 2: the device work on the real root, by `fastinit devices stage2`,
// which the manager starts as a process of its own beside the units. When
// stage 1 left modules in paths::kInitrdModulesDir, it completes the
// bring-up: loads them from there and validates the handed-over cache
// (complete_bring_up), then removes the copy. Then, when the root has a
// module tree for the running kernel, it probes with it for the devices the
// initramfs had no module for (a network card, sound: what only the real
// root carries); that probe is not cached: it runs off the boot's critical
// path and finds the cached modules already loaded. Logs each half; the
// report says what they did, for `fastinit analyze time`.
#pragma once

#include "base/stage2_report.h"

namespace fastinit {

Stage2Report run_stage2();

}  // namespace fastinit
