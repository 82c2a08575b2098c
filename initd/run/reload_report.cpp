#include "initd/run/reload_report.h"

#include <algorithm>

namespace fastinit {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& name) {
    return std::find(list.begin(), list.end(), name) != list.end();
}

}  // namespace

std::vector<std::string> ReloadReport::lines() const {
    std::vector<std::string> out;
    if (!error.empty()) {
        out.push_back("not reloaded: " + error);
        return out;
    }
    for (const auto& name : diff.added)
        out.push_back("added: " + name);
    for (const auto& name : diff.changed)
        out.push_back("changed: " + name +
                      (contains(diff.restart_to_apply, name) ? " (restart to apply)" : ""));
    for (const auto& name : diff.removed)
        out.push_back("removed: " + name +
                      (contains(diff.still_running, name) ? " (running until stopped)" : ""));
    for (const auto& entry : kept)
        out.push_back("broken: " + entry.first + " (old definition kept): " + entry.second);
    for (const auto& entry : broken)
        out.push_back("broken: " + entry.first + " (not loaded): " + entry.second);
    out.push_back(std::to_string(diff.unchanged) + (diff.unchanged == 1 ? " unit" : " units") +
                  " unchanged");
    return out;
}

}  // namespace fastinit
