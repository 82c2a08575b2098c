#include "device-cache/modules_load_here.h"

#include <map>

#include "base/text.h"
#include "device-cache/load_plan.h"
#include "device-cache/parallel_load.h"

namespace fastinit {
namespace {

std::string at(const ModulesLoadEntry& entry) {
    return entry.file + ":" + std::to_string(entry.line);
}

std::string status_word(LoadStatus status) {
    switch (status) {
        case LoadStatus::loaded:
            return "loaded";
        case LoadStatus::present:
            return "already loaded";
        default:
            return "not loaded";
    }
}

}  // namespace

ModulesLoadReport load_listed_modules(const std::vector<ModulesLoadEntry>& modules,
                                      ModuleResolver& resolver, ModuleLoader* loader) {
    ModulesLoadReport report;
    // Each name on its own first, so that a problem names its line.
    struct Wanted {
        const ModulesLoadEntry* entry;
        std::vector<std::string> modules;
    };
    std::vector<Wanted> wanted;
    std::vector<std::string> names;
    for (const auto& entry : modules) {
        auto resolution = resolver.resolve({entry.module});
        if (!resolution) {
            report.errors.push_back(at(entry) + ": error: cannot look up " + entry.module + ": " +
                                    resolution.error().message);
            continue;
        }
        const AliasMatch& match = resolution->aliases.at(0);
        if (match.modules.empty() && match.not_needed.empty()) {
            report.errors.push_back(at(entry) + ": error: no module or alias is called " +
                                    entry.module);
        } else if (match.modules.empty()) {
            report.lines.push_back(entry.module + ": nothing to load: " +
                                   join(match.not_needed, ", ") + " (" + at(entry) + ")");
        } else {
            wanted.push_back({&entry, match.modules});
            names.push_back(entry.module);
        }
    }
    if (names.empty())
        return report;
    auto all = resolver.resolve(names);
    if (!all) {
        report.errors.push_back("error: cannot look up the listed modules: " + all.error().message);
        return report;
    }
    if (!loader) {
        for (const auto& w : wanted)
            report.lines.push_back(w.entry->module + ": would load " + join(w.modules, " ") + " (" +
                                   at(*w.entry) + ")");
        return report;
    }
    std::map<std::string, ModuleLoadResult> results;
    for (auto& result : load_in_parallel(make_load_plan(all->modules), *loader))
        results[result.name] = std::move(result);
    for (const auto& w : wanted) {
        std::vector<std::string> words;
        for (const auto& name : w.modules) {
            auto found = results.find(name);
            if (found == results.end() || !is_in_kernel(found->second.status)) {
                std::string reason =
                    found == results.end() ? "it was not planned" : found->second.reason;
                report.errors.push_back(at(*w.entry) + ": error: cannot load " + name + ": " +
                                        reason);
                continue;
            }
            words.push_back(name + " " + status_word(found->second.status));
        }
        if (!words.empty())
            report.lines.push_back(w.entry->module + ": " + join(words, ", ") + " (" +
                                   at(*w.entry) + ")");
    }
    return report;
}

}  // namespace fastinit
