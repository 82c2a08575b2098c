// apply_devices (apply.h) with this machine behind it: devices from sysfs,
// resolution and loading through libkmod for the given module tree. The one
// place the boot path and `fastinit devices apply` build the real system.
#pragma once

#include "device-cache/apply.h"
#include "device-cache/module_tree.h"

namespace fastinit {

Result<ApplyReport> apply_devices_here(const ModuleTree& tree, const ApplyOptions& options);

}  // namespace fastinit
