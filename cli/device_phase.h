// Stage 1's device phase (see initd/stage1/stage1_main.h) on the device
// cache: the same path as `fastinit devices apply`, for the running kernel's
// modules and the cache named by fastinit.device_cache=PATH on the kernel
// command line (default /var/lib/fastinit/devices.db). It never fails: a
// problem becomes the report's reason, and stage 1 carries on.
#pragma once

#include <memory>
#include <string>

#include "base/kernel_cmdline.h"
#include "base/result.h"
#include "device-cache/apply_here.h"
#include "initd/stage1/stage1_main.h"

namespace fastinit {

// The device phase in its two halves; one object per boot.
class BootDevices {
  public:
    // Returns once the root can be looked for (see DeviceBringUp).
    DevicePhaseReport start(const KernelCmdline& cmdline, bool reprobe,
                            const std::string& root_source);
    // Waits for the modules loading behind, then renews the cache's record
    // of what `root_device` (with filesystem `fstype`) needed when it
    // changed.
    DeviceFinishReport finish(const std::string& root_device, const std::string& fstype);

  private:
    std::unique_ptr<DeviceBringUpHere> m_bring_up;
    std::string m_cache_path;
    std::string m_root_source;
    std::string m_kernel_release;
    int64_t m_check_us = 0;
};

// Loads the modules an alias names (e.g. "fs-ext4" for the root's
// filesystem, which no device's modalias asks for), with their dependencies.
Result<void> load_modules_for_alias(const std::string& alias);

}  // namespace fastinit
