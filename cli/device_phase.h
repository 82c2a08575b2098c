// Stage 1's device phase (see initd/stage1/stage1_main.h) on the device
// cache: the same path as `fastinit devices apply`, for the running kernel's
// modules and the cache named by fastinit.device_cache=PATH on the kernel
// command line (default /var/lib/fastinit/devices.db). It never fails: a
// problem becomes the report's reason, and stage 1 carries on.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/kernel_cmdline.h"
#include "base/result.h"
#include "device-cache/apply_here.h"
#include "initd/stage1/stage1_main.h"

namespace fastinit {

// Where stage 1 leaves a copy of the module files the real root's fastinit
// is to load (see BootDevices::finish): a module tree per release.
inline constexpr const char* kInitrdModulesDir = "/run/fastinit/initrd-modules";

// The device phase in its two halves; one object per boot.
class BootDevices {
  public:
    // Returns once the root can be looked for (see DeviceBringUp).
    DevicePhaseReport start(const KernelCmdline& cmdline, bool reprobe,
                            const std::string& root_source);
    // Does what start() left: with `hand_over` (the next init is fastinit)
    // it copies the module files to kInitrdModulesDir for the real root to
    // load, else it loads them here and validates. Then it renews the
    // cache's record of what `root_device` with filesystem `fstype` needed
    // when that changed.
    DeviceFinishReport finish(const std::string& root_device, const std::string& fstype,
                              bool hand_over);

  private:
    Result<std::string> leave_for_the_real_root(const std::vector<CachedModule>& rest);
    std::optional<std::string> remember_root(const std::string& root_device,
                                             const std::string& fstype, const RootRecord& cached);

    std::unique_ptr<DeviceBringUpHere> m_bring_up;
    Result<ApplyReport> m_early = Error{"the device phase did not start"};
    ModuleTree m_tree;
    std::string m_cache_path;
    std::string m_root_source;
};

// On the real root, by `fastinit devices stage2`, which the manager starts
// as a process of its own beside the units. When stage 1 left modules in
// kInitrdModulesDir, loads them from there and validates the handed-over
// cache (complete_devices), then removes the copy. Then, when the root has a
// module tree for the running kernel, probes with it for the devices the
// initramfs had no module for (a network card, sound: what only the real
// root carries); that probe is not cached: it runs off the boot's critical
// path and finds the cached modules already loaded. Logs each half; the
// report says what they did, for `fastinit analyze time`.
struct Stage2Report {
    struct Completed {
        int loaded = 0, failed = 0;
        double ms = 0;
        bool cache_rewritten = false;  // at paths::kHandedOverCache
    };
    struct Probed {
        std::string dir;
        std::vector<std::string> loaded, failed;  // failed: "name (reason)"
        double ms = 0;
    };
    long long start_us = 0, end_us = 0;  // CLOCK_BOOTTIME
    std::optional<Completed> completed;  // when the initramfs left modules
    std::optional<Probed> probed;        // when the root has a module tree
};
Stage2Report stage2_devices();
// The report as `fastinit devices stage2` leaves it in
// /run/fastinit/<paths::kStage2ReportName> (cli/analyze_format.h reads it back).
std::string to_json(const Stage2Report& report);

// Stage 1 (initd/stage1) with this device phase: the initramfs's /init.
[[noreturn]] void run_stage1_with_devices(int argc, char** argv);

// Loads the modules an alias names (e.g. "fs-ext4" for the root's
// filesystem, which no device's modalias asks for), with their dependencies.
Result<void> load_modules_for_alias(const std::string& alias);

}  // namespace fastinit
