#include "device-cache/filesystem_modules.h"

#include "base/text.h"

#include <algorithm>

#include "device-cache/kmod_loader.h"
#include "device-cache/kmod_resolver.h"
#include "device-cache/load_plan.h"
#include "device-cache/parallel_load.h"

namespace fastinit {

Result<Resolution> resolve_filesystem(ModuleResolver& resolver, const std::string& fstype) {
    return resolver.resolve({"fs-" + fstype});
}

Result<void> load_filesystem_here(const ModuleTree& tree, const std::string& fstype) {
    auto resolver = KmodResolver::open(tree);
    if (!resolver)
        return resolver.error();
    auto resolution = resolve_filesystem(*resolver, fstype);
    if (!resolution)
        return resolution.error();
    if (resolution->modules.empty())
        return Error{"no module provides fs-" + fstype};
    KmodLoader loader(tree);
    const auto& wanted = resolution->aliases.at(0).modules;
    for (const auto& result : load_in_parallel(make_load_plan(resolution->modules), loader))
        if (!is_in_kernel(result.status) &&
            std::find(wanted.begin(), wanted.end(), result.name) != wanted.end())
            return Error{result.reason, result.errno_value};
    return {};
}

Result<void> load_named_modules_here(const ModuleTree& tree,
                                     const std::vector<std::string>& names) {
    auto resolver = KmodResolver::open(tree);
    if (!resolver)
        return resolver.error();
    auto resolution = resolver->resolve(names);
    if (!resolution)
        return resolution.error();
    std::vector<std::string> failed;
    for (const AliasMatch& match : resolution->aliases)
        if (match.modules.empty() && match.not_needed.empty())
            failed.push_back(match.modalias + " (no module of that name or alias)");
    KmodLoader loader(tree);
    for (const auto& result : load_in_parallel(make_load_plan(resolution->modules), loader))
        if (!is_in_kernel(result.status))
            failed.push_back(result.name + " (" + result.reason + ")");
    if (!failed.empty())
        return Error{"not loaded: " + join(failed, ", ")};
    return {};
}

}  // namespace fastinit
