// What a reload did (`fastinit daemon-reload`, SIGHUP to PID 1, the bus's
// Reload): the manager's diff of the definitions (Manager::apply_reload) and
// what the loader kept or could not load. Rule: every unit whose definition
// a reload touched is named, with what that means while it runs.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace fastinit {

struct ReloadDiff {
    std::vector<std::string> added;
    // Definitions that differ from the ones before; `restart_to_apply`: those
    // of them whose unit is not down, which keeps the old one until it is.
    std::vector<std::string> changed, restart_to_apply;
    // Units whose file is gone; `still_running`: those of them not down.
    std::vector<std::string> removed, still_running;
    size_t unchanged = 0;
};

struct ReloadReport {
    // Set when nothing was reloaded (the system is shutting down): why.
    std::string error;
    ReloadDiff diff;
    // Name and first error of each unit whose file no longer loads: its
    // definition before the reload stays in force.
    std::vector<std::pair<std::string, std::string>> kept;
    // Likewise for units that did not load and had no definition before.
    std::vector<std::pair<std::string, std::string>> broken;

    // One line each: "added: db", "changed: web (restart to apply)",
    // "removed: old (running until stopped)", "broken: web (old definition
    // kept): FILE:LINE: KEY: ...", then a count of the unchanged units.
    std::vector<std::string> lines() const;
};

}  // namespace fastinit
