#include "boot/stage2.h"

#include <chrono>
#include <filesystem>

#include "base/boot_clock.h"
#include "base/log.h"
#include "base/paths.h"
#include "base/text.h"
#include "boot/bring_up.h"
#include "device-cache/apply_here.h"
#include "device-cache/module_tree.h"

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

// The second half: the real root's own modules.
void probe_with_the_roots_modules(Stage2Report& out) {
    ModuleTree tree = running_module_tree();
    std::error_code ec;
    if (!std::filesystem::exists(tree.dir + "/modules.dep.bin", ec))
        return;  // a root without modules (or not indexed): nothing to add
    auto started = std::chrono::steady_clock::now();
    auto probe = probe_devices_here(tree);
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                  .count();
    if (!probe) {
        log::warning("devices: cannot probe with ", tree.dir, ": ", probe.error().message);
        return;
    }
    std::vector<std::string> loaded, failed;
    for (const CachedModule& module : probe->modules) {
        if (module.status == LoadStatus::loaded)
            loaded.push_back(module.spec.name);
        else if (module.status == LoadStatus::failed)
            failed.push_back(module.spec.name + " (" + module.reason + ")");
    }
    log::info("devices: probed with ", tree.dir, " in ", ms,
              " ms: ", loaded.empty() ? "nothing more to load" : "loaded " + join(loaded, ", "),
              failed.empty() ? "" : "; failed: " + join(failed, "; "));
    out.probed = Stage2Report::Probed{tree.dir, std::move(loaded), std::move(failed), ms};
}

}  // namespace

Stage2Report run_stage2() {
    Stage2Report report;
    report.start_us = boottime_us();
    complete_what_the_initramfs_left(report);
    probe_with_the_roots_modules(report);
    report.end_us = boottime_us();
    return report;
}

}  // namespace fastinit
