// Runs a LoadPlan on the TBB pool: each module starts as soon as all of its
// prerequisites have finished, so independent modules load side by side.
//
// A module whose hard prerequisite did not get into the kernel is skipped,
// with the reason; everything else still loads. Soft prerequisites only
// order the loads.
#pragma once

#include <chrono>
#include <vector>

#include "device-cache/load_plan.h"
#include "device-cache/module_loader.h"

namespace fastinit {

struct ModuleLoadResult {
    std::string name;
    LoadStatus status = LoadStatus::not_loaded;
    int errno_value = 0;
    std::string reason;
    std::chrono::microseconds start{0};     // since the first load began
    std::chrono::microseconds duration{0};  // of the load itself
};

struct LoadOptions {
    // How many loads may run at once; 0 lets TBB decide (one per core).
    int max_parallel = 0;
};

// One result per planned module, in plan order. Blocks until every module
// has been loaded, has failed or was skipped.
std::vector<ModuleLoadResult> load_in_parallel(const LoadPlan& plan, ModuleLoader& loader,
                                               const LoadOptions& options = {});

}  // namespace fastinit
