// Stage 1's device bring-up (device-cache/apply.h) on this machine, in its
// two halves: the same path as `fastinit devices apply`, for the running
// kernel's modules and the cache BootOptions::device_cache names. It never
// fails: a problem is in the report, and stage 1 carries on.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "device-cache/apply_here.h"
#include "device-cache/module_tree.h"

namespace fastinit {

// What finishing the bring-up did, once stage 1 has its root.
struct BringUpFinish {
    // The whole bring-up's report (the first half's when the rest was left
    // for the real root), or why there is none.
    Result<ApplyReport> report = Error{"the device bring-up did not start", 0};
    // Modules left for the real root's fastinit to load.
    int left_for_the_real_root = 0;
    // For the log: the cache was refreshed or its root record renewed, and
    // why; problems that did not stop the boot. Empty when there was none.
    std::vector<std::string> notes;
};

// One object per boot.
class BootBringUp {
  public:
    // Returns once the root can be looked for (see DeviceBringUp): an error
    // only when devices could not be enumerated or the module indexes not
    // opened.
    Result<ApplyReport> start(const std::string& cache_path, bool reprobe,
                              const std::string& root_source);
    // Does what start() left: with `hand_over` (the next init is fastinit)
    // it copies the module files to paths::kInitrdModulesDir for the real
    // root to load, else it loads them here and validates. Then it renews
    // the cache's record of what `root_device` with filesystem `fstype`
    // needed when that changed.
    BringUpFinish finish(const std::string& root_device, const std::string& fstype, bool hand_over);

  private:
    Result<std::string> leave_for_the_real_root(const std::vector<CachedModule>& rest);
    std::optional<std::string> remember_root(const std::string& root_device,
                                             const std::string& fstype, const RootRecord& cached);

    std::unique_ptr<DeviceBringUpHere> m_bring_up;
    Result<ApplyReport> m_early = Error{"the device bring-up did not start", 0};
    ModuleTree m_tree;
    std::string m_cache_path;
    std::string m_root_source;
};

// How many of `modules` are in the kernel, and how many failed or were
// skipped.
struct ModuleCounts {
    int loaded = 0, failed = 0;
};
ModuleCounts count_modules(const std::vector<CachedModule>& modules);

}  // namespace fastinit
