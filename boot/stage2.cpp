#include "boot/stage2.h"

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/boot_clock.h"
#include "base/kernel_cmdline.h"
#include "base/log.h"
#include "base/paths.h"
#include "base/text.h"
#include "boot/bring_up.h"
#include "device-cache/apply.h"
#include "device-cache/apply_here.h"
#include "device-cache/cache_store.h"
#include "device-cache/listed_modules.h"
#include "device-cache/module_tree.h"
#include "device-cache/modules_load.h"

namespace fastinit {

namespace {

// The first half.
void complete_what_the_initramfs_left(Stage2Report& out) {
    std::string release = running_kernel_release();
    std::string dir = std::string(paths::kInitrdModulesDir) + "/" + release;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        return;
    ApplyOptions options;
    options.cache_path = paths::kHandedOverCache;
    auto started = std::chrono::steady_clock::now();
    auto report = complete_bring_up_here(module_tree_at(dir), options);
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                  .count();
    std::filesystem::remove_all(paths::kInitrdModulesDir, ec);
    if (!report) {
        log::warning("devices: cannot complete what the initramfs left: ", report.error().message);
        return;
    }
    ModuleCounts counts = count_modules(report->modules);
    log::info("devices: completed what the initramfs left in ", ms, " ms: ", counts.loaded,
              " modules in the kernel, ", counts.failed, " failed",
              report->refreshed.empty() ? "" : "; the cache was refreshed: " + report->refreshed);
    if (report->cache_error)
        log::warning("devices: ", report->cache_error->message);
    out.completed =
        Stage2Report::Completed{counts.loaded, counts.failed, ms, report->cache_written};
}

}  // namespace

RootTreeSources root_tree_sources(const std::string& handed_over, const std::string& release,
                                  const std::vector<std::string>& modules_load_sources) {
    RootTreeSources sources;
    CacheLoad handed = load_cache(handed_over, release, CacheDetail::for_loading);
    // No fastinit initramfs, or its cache is gone: the enumeration's.
    if (handed.valid())
        sources.boot_devices = handed.cache->fingerprint.devices;
    // Its problems are the modules-load unit's to report, line by line.
    sources.listed = listed_module_devices(read_modules_load(modules_load_sources).modules);
    return sources;
}

Result<CacheCheck> check_root_tree_cache(const std::string& path, const ModuleTree& tree,
                                         const RootTreeSources& root_tree, DeviceSource& machine) {
    WithListedModules devices(machine, root_tree.listed);
    return check_device_cache(path, devices, root_tree.fingerprint(tree), false,
                              CacheDetail::for_loading);
}

namespace {

// Stage 2 works on a copy in /run, since the root may stay read-only until
// local-fs; `fastinit devices keep` writes it back (device_handover.h).
void copy_the_kept_root_cache() {
    std::error_code ec;
    if (std::filesystem::exists(paths::kRootModulesCacheRun, ec) ||
        !std::filesystem::exists(paths::kRootModulesCache, ec))
        return;
    auto kept = read_file_at_most(paths::kRootModulesCache, paths::kMaxDeviceCacheSize);
    if (!kept) {
        // Unreadable or oversized: a probe, as for a damaged cache.
        log::warning("devices: ", kept.error().message);
        return;
    }
    if (auto copied = write_file_atomically(paths::kRootModulesCacheRun, *kept); !copied)
        log::warning("devices: ", copied.error().message);
}

bool reprobe_asked() {
    auto cmdline = read_file_at_most("/proc/cmdline", 64 * 1024);
    return cmdline && reprobe_requested(KernelCmdline::parse(*cmdline));
}

// The second half: the real root's own modules, from its cache while the
// machine and the tree are unchanged, else by a probe that renews it.
void load_the_roots_modules(Stage2Report& out) {
    ModuleTree tree = running_module_tree();
    std::error_code ec;
    if (!std::filesystem::exists(tree.dir + "/modules.dep.bin", ec))
        return;  // a root without modules (or not indexed): nothing to add
    copy_the_kept_root_cache();
    ApplyOptions options;
    options.cache_path = paths::kRootModulesCacheRun;
    options.reprobe = reprobe_asked();
    auto started = std::chrono::steady_clock::now();
    auto report = apply_devices_here(
        tree, options,
        root_tree_sources(paths::kHandedOverCache, tree.release, default_modules_load_sources()));
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                  .count();
    if (!report) {
        log::warning("devices: cannot load with ", tree.dir, ": ", report.error().message);
        return;
    }
    bool from_cache = report->decision.path == DevicePath::use_cache;
    std::vector<std::string> loaded, failed, no_device;
    for (const CachedModule& module : report->modules) {
        if (module.status == LoadStatus::loaded)
            loaded.push_back(module.spec.name);
        else if (module.status == LoadStatus::failed && module.errno_value == ENODEV)
            no_device.push_back(module.spec.name);
        else if (module.status == LoadStatus::failed)
            failed.push_back(module.spec.name + " (" + module.reason + ")");
    }
    log::info("devices: the root tree's cache at ", paths::kRootModulesCacheRun, ": ",
              report->decision.reason);
    log::info("devices: ", from_cache ? "from the cache of " : "probed with ", tree.dir, " in ", ms,
              " ms: ", loaded.empty() ? "nothing more to load" : "loaded " + join(loaded, ", "),
              failed.empty() ? "" : "; failed: " + join(failed, "; "),
              no_device.empty() ? "" : "; no device for: " + join(no_device, ", "));
    if (!report->refreshed.empty())
        log::info("devices: the root tree's cache was refreshed: ", report->refreshed);
    if (report->cache_error)
        log::warning("devices: ", report->cache_error->message);
    out.probed = Stage2Report::Probed{tree.dir,   std::move(loaded),       std::move(failed),   ms,
                                      from_cache, report->decision.reason, std::move(no_device)};
}

}  // namespace

Stage2Report run_stage2() {
    Stage2Report report;
    report.start_us = boottime_us();
    complete_what_the_initramfs_left(report);
    load_the_roots_modules(report);
    report.end_us = boottime_us();
    return report;
}

}  // namespace fastinit
