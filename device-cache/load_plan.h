// Orders a set of modules for loading: every module after its prerequisites,
// otherwise in the order given. Pure; no libkmod, no kernel.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "device-cache/module_spec.h"

namespace fastinit {

struct PlanEdge {
    size_t index;  // into LoadPlan::modules, always before the module itself
    bool hard;     // a dependency; its failure skips the module
};

struct PlannedModule {
    ModuleSpec spec;
    std::vector<PlanEdge> prerequisites;
};

struct LoadPlan {
    // In load order: a topological order of the prerequisite graph, stable
    // with respect to the input order.
    std::vector<PlannedModule> modules;
    // Edges that had to be dropped to break a cycle (only soft dependencies
    // can form one; modules.dep cannot), for the caller to report.
    std::vector<std::string> notes;
};

// Prerequisites naming modules outside `modules` are ignored: they are
// built in, already loaded, or handled in an earlier round. A module listed
// twice is planned once.
LoadPlan make_load_plan(const std::vector<ModuleSpec>& modules);

}  // namespace fastinit
