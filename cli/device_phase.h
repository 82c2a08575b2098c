// Stage 1's device phase (see initd/stage1/stage1_main.h) on the device
// cache: the same path as `fastinit devices apply`, for the running kernel's
// modules and the cache named by fastinit.device_cache=PATH on the kernel
// command line (default /var/lib/fastinit/devices.db). It never fails: a
// problem becomes the report's reason, and stage 1 carries on.
#pragma once

#include <string>

#include "base/kernel_cmdline.h"
#include "base/result.h"
#include "initd/stage1/stage1_main.h"

namespace fastinit {

DevicePhaseReport run_device_phase(const KernelCmdline& cmdline, bool reprobe);

// Loads the modules an alias names (e.g. "fs-ext4" for the root's
// filesystem, which no device's modalias asks for), with their dependencies.
Result<void> load_modules_for_alias(const std::string& alias);

}  // namespace fastinit
