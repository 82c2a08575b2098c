#include "cli/device_phase.h"

#include <algorithm>

#include "device-cache/apply_here.h"
#include "device-cache/kmod_loader.h"
#include "device-cache/kmod_resolver.h"
#include "device-cache/load_plan.h"
#include "device-cache/parallel_load.h"

namespace fastinit {

DevicePhaseReport run_device_phase(const KernelCmdline& cmdline, bool reprobe) {
    ModuleTree tree = running_module_tree();
    ApplyOptions options;
    options.cache_path =
        cmdline.value("fastinit.device_cache").value_or("/var/lib/fastinit/devices.db");
    options.reprobe = reprobe;

    auto report = apply_devices_here(tree, options);
    if (!report)
        return {"none", report.error().message, 0, 0};
    DevicePhaseReport phase;
    phase.mode = report->decision.path == DevicePath::use_cache ? "cache-hit" : "probe";
    phase.reason = report->decision.reason;
    phase.check_us = report->check_us;
    if (report->cache_error)
        phase.reason += "; " + report->cache_error->message;
    for (const CachedModule& module : report->modules) {
        if (is_in_kernel(module.status))
            ++phase.modules_loaded;
        else if (module.status == LoadStatus::failed || module.status == LoadStatus::skipped)
            ++phase.modules_failed;
    }
    return phase;
}

Result<void> load_modules_for_alias(const std::string& alias) {
    ModuleTree tree = running_module_tree();
    auto resolver = KmodResolver::open(tree);
    if (!resolver)
        return resolver.error();
    auto resolution = resolver->resolve({alias});
    if (!resolution)
        return resolution.error();
    if (resolution->modules.empty())
        return Error{"no module provides " + alias};
    KmodLoader loader(tree);
    // Only the modules the alias names must load; a soft prerequisite (such
    // as a CPU-specific crc32c) may fail without harm.
    const auto& wanted = resolution->aliases.at(0).modules;
    for (const auto& result : load_in_parallel(make_load_plan(resolution->modules), loader))
        if (!is_in_kernel(result.status) &&
            std::find(wanted.begin(), wanted.end(), result.name) != wanted.end())
            return Error{result.reason, result.errno_value};
    return {};
}

}  // namespace fastinit
