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

#include <string>
#include <vector>

#include "base/stage2_report.h"
#include "device-cache/apply_here.h"
#include "device-cache/cache_check.h"

namespace fastinit {

Stage2Report run_stage2();

// What the root tree's cache is checked with: the devices stage 1
// fingerprinted (from the cache it handed over at `handed_over`, when that
// is valid for `release`) and the modules `modules_load_sources` list
// (default_modules_load_sources() at boot).
RootTreeSources root_tree_sources(const std::string& handed_over, const std::string& release,
                                  const std::vector<std::string>& modules_load_sources);

// The root tree's cache at `path` checked as stage 2 checks it, for
// `fastinit devices status`: `machine` is this machine's devices.
Result<CacheCheck> check_root_tree_cache(const std::string& path, const ModuleTree& tree,
                                         const RootTreeSources& root_tree, DeviceSource& machine);

}  // namespace fastinit
