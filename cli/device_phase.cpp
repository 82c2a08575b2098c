#include "cli/device_phase.h"

#include <algorithm>

#include "base/text.h"
#include "device-cache/apply_here.h"
#include "device-cache/cache_store.h"
#include "device-cache/kmod_loader.h"
#include "device-cache/kmod_resolver.h"
#include "device-cache/load_plan.h"
#include "device-cache/parallel_load.h"
#include "device-cache/root_record.h"

namespace fastinit {

namespace {

void count_modules(const std::vector<CachedModule>& modules, int& loaded, int& failed) {
    loaded = failed = 0;
    for (const CachedModule& module : modules) {
        if (is_in_kernel(module.status))
            ++loaded;
        else if (module.status == LoadStatus::failed || module.status == LoadStatus::skipped)
            ++failed;
    }
}

}  // namespace

DevicePhaseReport BootDevices::start(const KernelCmdline& cmdline, bool reprobe,
                                     const std::string& root_source) {
    ModuleTree tree = running_module_tree();
    ApplyOptions options;
    options.cache_path =
        cmdline.value("fastinit.device_cache").value_or("/var/lib/fastinit/devices.db");
    options.reprobe = reprobe;
    options.root_source = root_source;
    m_cache_path = options.cache_path;
    m_root_source = root_source;
    m_kernel_release = tree.release;

    m_bring_up = std::make_unique<DeviceBringUpHere>(tree, options);
    auto report = m_bring_up->start();
    if (!report) {
        m_bring_up.reset();
        return {"none", report.error().message, 0, 0, 0, {}, 0};
    }
    DevicePhaseReport phase;
    phase.mode = report->decision.path == DevicePath::use_cache ? "cache-hit" : "probe";
    phase.reason = report->decision.reason;
    phase.check_us = m_check_us = report->check_us;
    if (report->cache_error)
        phase.reason += "; " + report->cache_error->message;
    count_modules(report->modules, phase.modules_loaded, phase.modules_failed);
    phase.root_first = report->root_first;
    phase.loading_behind = report->left_behind;
    return phase;
}

DeviceFinishReport BootDevices::finish(const std::string& root_device, const std::string& fstype) {
    DeviceFinishReport finished;
    if (!m_bring_up)
        return finished;
    auto report = m_bring_up->finish();
    m_bring_up.reset();
    if (!report) {
        finished.notes.push_back(report.error().message);
        return finished;
    }
    count_modules(report->modules, finished.modules_loaded, finished.modules_failed);
    finished.loaded_after_us = m_check_us + report->load_us;
    if (!report->refreshed.empty())
        finished.notes.push_back("the cache was refreshed: " + report->refreshed);
    if (report->cache_error)
        finished.notes.push_back(report->cache_error->message);

    auto chain = root_driver_modules(root_device);
    if (!chain) {
        finished.notes.push_back("cannot tell which modules " + root_device +
                                 " needed: " + chain.error().message);
        return finished;
    }
    CacheLoad cache = load_cache(m_cache_path, m_kernel_release);
    if (!cache.valid())
        return finished;  // nothing to keep it in (already said why)
    RootRecord record = make_root_record(*cache.cache, m_root_source, *chain, fstype);
    if (record == cache.cache->root)
        return finished;
    auto renewed = renew_root_record(m_cache_path, m_kernel_release, record);
    if (!renewed)
        finished.notes.push_back(renewed.error().message);
    else if (*renewed)
        finished.notes.push_back(
            "recorded what root=" + m_root_source + " needs: " +
            (record.modules.empty() ? "no device modules" : join(record.modules, ", ")) +
            (fstype.empty() ? "" : " and " + fstype));
    return finished;
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
