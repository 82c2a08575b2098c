#include "cli/device_phase.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "base/boot_clock.h"
#include "base/log.h"
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
    m_tree = running_module_tree();
    ApplyOptions options;
    options.cache_path =
        cmdline.value("fastinit.device_cache").value_or("/var/lib/fastinit/devices.db");
    options.reprobe = reprobe;
    options.root_source = root_source;
    m_cache_path = options.cache_path;
    m_root_source = root_source;

    m_bring_up = std::make_unique<DeviceBringUpHere>(m_tree, options);
    auto report = m_bring_up->start();
    if (!report) {
        m_bring_up.reset();
        DevicePhaseReport failed;
        failed.mode = "none";
        failed.reason = report.error().message;
        return failed;
    }
    m_early = *report;
    DevicePhaseReport phase;
    phase.mode = report->decision.path == DevicePath::use_cache ? "cache-hit" : "probe";
    phase.reason = report->decision.reason;
    phase.check_us = report->check_us;
    phase.read_us = report->read_us;
    phase.enumerate_us = report->enumerate_us;
    phase.fingerprint_us = report->fingerprint_us;
    if (report->cache_error)
        phase.reason += "; " + report->cache_error->message;
    count_modules(report->modules, phase.modules_loaded, phase.modules_failed);
    phase.root_first = report->root_first;
    phase.loading_behind = report->left_behind;
    if (report->cached_root.source == root_source)
        phase.root_hint = {report->cached_root.device, report->cached_root.fstype};
    return phase;
}

DeviceFinishReport BootDevices::finish(const std::string& root_device, const std::string& fstype,
                                       bool hand_over) {
    DeviceFinishReport finished;
    if (!m_bring_up)
        return finished;
    std::vector<CachedModule> rest = m_bring_up->left_behind();
    Result<ApplyReport> report = m_early;
    if (hand_over && !rest.empty()) {
        if (auto left = leave_for_the_real_root(rest); left) {
            finished.left_for_the_real_root = static_cast<int>(rest.size());
            finished.notes.push_back(*left);
        } else {
            finished.notes.push_back(left.error().message + "; loading them here");
            hand_over = false;
        }
    }
    if (!hand_over || rest.empty())
        report = m_bring_up->finish();
    m_bring_up.reset();
    if (!report) {
        finished.notes.push_back(report.error().message);
        return finished;
    }
    count_modules(report->modules, finished.modules_loaded, finished.modules_failed);
    finished.loaded_after_us = report->check_us + report->load_us;
    if (!report->refreshed.empty())
        finished.notes.push_back("the cache was refreshed: " + report->refreshed);
    if (report->cache_error)
        finished.notes.push_back(report->cache_error->message);
    if (auto note = remember_root(root_device, fstype, report->cached_root))
        finished.notes.push_back(*note);
    return finished;
}

Result<std::string> BootDevices::leave_for_the_real_root(const std::vector<CachedModule>& rest) {
    // Only the files of the modules left: the loader inserts one module at a
    // time and never opens those already in the kernel.
    std::vector<std::string> paths;
    for (const CachedModule& module : rest)
        paths.push_back(module.spec.path);
    FI_TRY(copy_module_tree_part(m_tree, std::string(kInitrdModulesDir) + "/" + m_tree.release,
                                 paths));
    std::vector<std::string> names;
    for (const CachedModule& module : rest)
        names.push_back(module.spec.name);
    return std::to_string(rest.size()) + " modules left for the real root's fastinit to load (" +
           join(names, ", ") + ")";
}

std::optional<std::string> BootDevices::remember_root(const std::string& root_device,
                                                      const std::string& fstype,
                                                      const RootRecord& cached) {
    auto chain = root_driver_modules(root_device);
    if (!chain)
        return "cannot tell which modules " + root_device + " needed: " + chain.error().message;
    // The common case, decided without reading the cache again.
    if (cached == RootRecord{m_root_source, *chain, fstype, root_device})
        return std::nullopt;
    CacheLoad cache = load_cache(m_cache_path, m_tree.release);
    if (!cache.valid())
        return std::nullopt;  // nothing to keep it in (already said why)
    RootRecord record = make_root_record(*cache.cache, m_root_source, *chain, fstype, root_device);
    if (record == cache.cache->root)
        return std::nullopt;
    auto renewed = renew_root_record(m_cache_path, m_tree.release, record);
    if (!renewed)
        return renewed.error().message;
    if (!*renewed)
        return std::nullopt;
    return "recorded what root=" + m_root_source + " needs: " +
           (record.modules.empty() ? "no device modules" : join(record.modules, ", ")) +
           (fstype.empty() ? "" : " and " + fstype);
}

namespace {

// The first half of stage2_devices.
void complete_devices_from_the_initramfs(Stage2Report& out) {
    std::string release = running_kernel_release();
    std::string dir = std::string(kInitrdModulesDir) + "/" + release;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        return;
    ApplyOptions options;
    options.cache_path = kHandedOverCachePath;
    auto started = std::chrono::steady_clock::now();
    auto report = complete_devices_here(module_tree_at(dir), options);
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                  .count();
    std::filesystem::remove_all(kInitrdModulesDir, ec);
    if (!report) {
        log::warning("devices: cannot complete what the initramfs left: ", report.error().message);
        return;
    }
    int loaded = 0, failed = 0;
    count_modules(report->modules, loaded, failed);
    log::info("devices: completed what the initramfs left in ", ms, " ms: ", loaded,
              " modules in the kernel, ", failed, " failed",
              report->refreshed.empty() ? "" : "; the cache was refreshed: " + report->refreshed);
    if (report->cache_error)
        log::warning("devices: ", report->cache_error->message);
    out.completed = Stage2Report::Completed{loaded, failed, ms, report->cache_written};
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

Stage2Report stage2_devices() {
    Stage2Report report;
    report.start_us = boottime_us();
    complete_devices_from_the_initramfs(report);
    probe_with_the_roots_modules(report);
    report.end_us = boottime_us();
    return report;
}

std::string to_json(const Stage2Report& report) {
    nlohmann::json out = {{"start_us", report.start_us}, {"end_us", report.end_us}};
    if (const auto& c = report.completed)
        out["completed"] = {{"loaded", c->loaded},
                            {"failed", c->failed},
                            {"ms", c->ms},
                            {"cache_rewritten", c->cache_rewritten}};
    if (const auto& p = report.probed)
        out["probed"] = {
            {"dir", p->dir}, {"loaded", p->loaded}, {"failed", p->failed}, {"ms", p->ms}};
    return out.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
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

void run_stage1_with_devices(int argc, char** argv) {
    BootDevices devices;
    run_stage1(argc, argv,
               {[&](const KernelCmdline& cmdline, bool reprobe, const std::string& root) {
                    return devices.start(cmdline, reprobe, root);
                },
                [&](const std::string& root_device, const std::string& fstype, bool hand_over) {
                    return devices.finish(root_device, fstype, hand_over);
                },
                load_modules_for_alias});
}

}  // namespace fastinit
