#include "device-cache/apply.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <unordered_map>
#include <unordered_set>

#include "base/boot_options.h"
#include "device-cache/cache_check.h"
#include "device-cache/filesystem_modules.h"
#include "device-cache/load_plan.h"
#include "device-cache/module_path.h"

namespace fastinit {
namespace {

using Clock = std::chrono::steady_clock;

int64_t micros_since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
}

// Modaliases of the devices that must stay put for the cache to be right:
// everything but hot-pluggable hardware. Sorted, duplicates kept.
std::vector<std::string> fixed_modaliases(const std::vector<DeviceRecord>& devices) {
    std::vector<std::string> modaliases;
    for (const DeviceRecord& device : devices)
        if (!device.removable)
            modaliases.push_back(device.modalias);
    std::sort(modaliases.begin(), modaliases.end());
    return modaliases;
}

std::string describe_change(const std::vector<std::string>& before,
                            const std::vector<std::string>& after, size_t unknown) {
    std::vector<std::string> added, removed;
    std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                        std::back_inserter(added));
    std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                        std::back_inserter(removed));
    auto count = [](size_t n, const char* one, const char* many) {
        return std::to_string(n) + " " + (n == 1 ? one : many);
    };
    std::string text = count(added.size(), "device", "devices") + " appeared, " +
                       std::to_string(removed.size()) + " disappeared";
    if (unknown)
        text += ", " + count(unknown, "new modalias", "new modaliases") + " to resolve";
    return text;
}

void save_into(ApplyReport& report, const std::string& path, const DeviceCache& cache) {
    auto saved = save_cache(path, cache);
    report.cache_written = saved.ok();
    if (!saved)
        report.cache_error = saved.error();
}

// After the fast path: have the loads revealed exactly the cached devices?
Result<void> validate(DeviceSystem& system, const ApplyOptions& options, const DeviceCache& cached,
                      const Fingerprint& now, const std::string& modules_dir, ApplyReport& report) {
    auto enumerated = system.devices.enumerate();
    if (!enumerated)
        return enumerated.error();
    std::vector<DeviceRecord>& devices = *enumerated;

    std::unordered_set<std::string> known, removable_before, present;
    for (const AliasMatch& match : cached.aliases)
        known.insert(match.modalias);
    for (const DeviceRecord& device : cached.devices) {
        known.insert(device.modalias);
        if (device.removable)
            removable_before.insert(device.modalias);
    }
    size_t unknown = 0;
    for (const DeviceRecord& device : devices) {
        present.insert(device.modalias);
        if (!known.contains(device.modalias))
            ++unknown;
    }
    std::vector<std::string> before = fixed_modaliases(cached.devices);
    std::vector<std::string> after = fixed_modaliases(devices);
    if (unknown == 0 && before == after)
        return ok_result();
    report.refreshed = describe_change(before, after, unknown);

    // Forget what disappeared (hot-plug hardware excepted: it comes back),
    // then continue probing from what this boot has loaded.
    ProbeStart start;
    for (const AliasMatch& match : cached.aliases)
        if (present.contains(match.modalias) || removable_before.contains(match.modalias))
            start.aliases.push_back(match);
    start.modules = prune_modules(report.modules, start.aliases);
    start.devices = std::move(devices);

    ProbeResult probe;
    if (unknown > 0) {
        auto resolver = system.open_resolver();
        if (!resolver)
            return resolver.error();
        auto probed = probe_devices(system.devices, **resolver, &system.loader, options.probe,
                                    std::move(start));
        if (!probed)
            return probed.error();
        probe = std::move(*probed);
        // Modules the heal loaded are part of this run too.
        for (size_t i = 0; i < probe.modules.size(); ++i) {
            const std::string& name = probe.modules[i].spec.name;
            bool seen = std::any_of(report.modules.begin(), report.modules.end(),
                                    [&](const CachedModule& m) { return m.spec.name == name; });
            if (!seen)
                report.modules.push_back(probe.modules[i]);
        }
        report.notes.insert(report.notes.end(), probe.notes.begin(), probe.notes.end());
    } else {
        probe.devices = std::move(*start.devices);
        probe.aliases = std::move(start.aliases);
        probe.modules = std::move(start.modules);
    }
    probe.timings = cached.timings;
    DeviceCache fresh = make_device_cache(now, probe, modules_dir, std::time(nullptr));
    fresh.root = cached.root;  // the next mount renews it if it changed
    save_into(report, options.cache_path, fresh);
    return ok_result();
}

// `names` and their prerequisites among `modules` (soft post-dependencies
// too when `with_post_softdeps`), in the order of `modules`.
std::vector<CachedModule> closure(const std::vector<CachedModule>& modules,
                                  const std::vector<std::string>& names, bool with_post_softdeps) {
    std::unordered_map<std::string, const CachedModule*> by_name;
    for (const CachedModule& module : modules)
        by_name[module.spec.name] = &module;
    std::unordered_set<std::string> needed;
    std::vector<std::string> work;
    auto need = [&](const std::string& name) {
        if (by_name.contains(name) && needed.insert(name).second)
            work.push_back(name);
    };
    for (const std::string& name : names)
        need(name);
    while (!work.empty()) {
        std::string name = std::move(work.back());
        work.pop_back();
        for (const Prerequisite& p : by_name[name]->spec.after)
            if (p.kind != PrerequisiteKind::soft_post)
                need(p.module);
        if (!with_post_softdeps)
            continue;
        // A post soft dependency of a needed module is needed too; the edge
        // is recorded on the dependent side.
        for (const CachedModule& module : modules)
            for (const Prerequisite& p : module.spec.after)
                if (p.kind == PrerequisiteKind::soft_post && p.module == name)
                    need(module.spec.name);
    }
    std::vector<CachedModule> kept;
    for (const CachedModule& module : modules)
        if (needed.contains(module.spec.name))
            kept.push_back(module);
    return kept;
}

}  // namespace

bool reprobe_requested(const KernelCmdline& cmdline) {
    return parse_boot_options(cmdline).reprobe;
}

std::vector<std::string> missing_module_files(const DeviceCache& cache,
                                              const std::string& modules_dir) {
    std::vector<std::string> missing;
    for (const CachedModule& module : cache.modules) {
        if (module.spec.path.empty()) {
            missing.push_back(module.spec.name);
            continue;
        }
        // The reader refuses paths that leave the tree as text; a symlink
        // inside the tree that leads out is found here, and such a file
        // counts as missing: the cache is not used, the probe finds it anew.
        if (!resolve_module_path(modules_dir, module.spec.path))
            missing.push_back(module.spec.path);
    }
    return missing;
}

namespace {

// A module whose init answered ENODEV at the probe that wrote `cache` drives
// no device of this machine (crc32c_intel on a CPU without SSE4.2). While the
// fingerprint matches it would answer the same, and a failed init costs the
// kernel an RCU grace period (~100 ms in a TCG guest), so the boot's critical
// path does not try it again (complete_bring_up, off that path, does); unless
// a module of `modules` depends on it, which then decides.
const CachedModule* known_absent(const DeviceCache& cache, const std::string& name,
                                 const std::vector<CachedModule>& modules) {
    auto found = std::find_if(cache.modules.begin(), cache.modules.end(),
                              [&](const CachedModule& m) { return m.spec.name == name; });
    if (found == cache.modules.end() || found->status != LoadStatus::failed ||
        found->errno_value != ENODEV)
        return nullptr;
    for (const CachedModule& module : modules)
        for (const Prerequisite& p : module.spec.after)
            if (p.module == name && p.kind == PrerequisiteKind::dependency)
                return nullptr;
    return &*found;
}

// Loads `modules` in parallel, but not those `cache` knows to be absent
// (their recorded results are carried over, last); results in plan order.
std::vector<CachedModule> load_modules(const std::vector<CachedModule>& modules,
                                       ModuleLoader& loader, const LoadOptions& options,
                                       const DeviceCache* cache) {
    std::vector<ModuleSpec> specs;
    std::vector<CachedModule> not_tried;
    for (const CachedModule& module : modules) {
        if (const CachedModule* absent =
                cache ? known_absent(*cache, module.spec.name, modules) : nullptr) {
            not_tried.push_back(*absent);  // as recorded, so a rewritten cache keeps it
            continue;
        }
        specs.push_back(module.spec);
    }
    LoadPlan plan = make_load_plan(specs);
    std::vector<ModuleLoadResult> loads = load_in_parallel(plan, loader, options);
    std::unordered_map<std::string, int> rounds;
    for (const CachedModule& module : modules)
        rounds[module.spec.name] = module.round;
    std::vector<CachedModule> results;
    for (size_t i = 0; i < plan.modules.size(); ++i) {
        const ModuleLoadResult& load = loads[i];
        results.push_back({std::move(plan.modules[i].spec), load.status, load.errno_value,
                           load.reason, load.start.count(), load.duration.count(),
                           rounds[load.name]});
    }
    results.insert(results.end(), not_tried.begin(), not_tried.end());
    return results;
}

}  // namespace

std::vector<CachedModule> load_cached_modules(const DeviceCache& cache, ModuleLoader& loader,
                                              const LoadOptions& options) {
    return load_modules(cache.modules, loader, options, &cache);
}

std::vector<CachedModule> prune_modules(const std::vector<CachedModule>& modules,
                                        const std::vector<AliasMatch>& aliases) {
    std::vector<std::string> names;
    for (const AliasMatch& match : aliases)
        names.insert(names.end(), match.modules.begin(), match.modules.end());
    return closure(modules, names, true);
}

std::vector<CachedModule> root_first_modules(const DeviceCache& cache,
                                             const std::string& root_source) {
    if (!cache.root.known() || cache.root.source != root_source)
        return {};
    // Soft post-dependencies (a helper loaded after a driver) can wait.
    return closure(cache.modules, cache.root.modules, false);
}

Result<ApplyReport> apply_devices(DeviceSystem& system, const ApplyOptions& options) {
    DeviceBringUp bring_up(system, options);
    if (auto started = bring_up.start(); !started)
        return started.error();
    return bring_up.finish();
}

DeviceBringUp::DeviceBringUp(DeviceSystem& system, ApplyOptions options)
    : m_system(system),
      m_options(std::move(options)),
      m_report(Error{"the device bring-up was not started"}) {}

Result<ApplyReport> DeviceBringUp::start() {
    ApplyReport report;
    // The same check as `fastinit devices status` (cache_check.h). What
    // validating needs too is read later, if it comes to that.
    auto check = check_device_cache(m_options.cache_path, m_system.devices, m_system.fingerprint,
                                    m_options.reprobe, CacheDetail::for_loading);
    if (!check)
        return m_report = check.error();
    m_cache = std::move(check->cache);
    m_now = std::move(check->now);
    report.decision = std::move(check->decision);
    report.module_index = m_now.module_index;
    report.read_us = check->read_us;
    report.enumerate_us = check->enumerate_us;
    report.fingerprint_us = check->fingerprint_us;
    report.check_us = check->check_us;

    if (report.decision.path == DevicePath::use_cache) {
        const DeviceCache& cache = *m_cache.cache;
        report.cached_root = cache.root;
        std::vector<CachedModule> first = root_first_modules(cache, m_options.root_source);
        Clock::time_point started = Clock::now();
        if (first.empty()) {
            // Nothing says what the root needs: all of it, before the root.
            report.modules = load_cached_modules(cache, m_system.loader, m_options.probe.load);
            report.load_us = micros_since(started);
            return m_report = report;
        }
        std::vector<CachedModule> filesystem = filesystem_modules(cache.root.fstype, report);
        first.insert(first.end(), filesystem.begin(), filesystem.end());
        report.modules = load_modules(first, m_system.loader, m_options.probe.load, &cache);
        report.root_first_us = report.load_us = micros_since(started);
        for (const CachedModule& module : first)
            report.root_first.push_back(module.spec.name);
        m_report = report;
        report.left_behind = static_cast<int>(left_behind().size());
        return m_report = report;
    }

    Clock::time_point started = Clock::now();
    auto resolver = m_system.open_resolver();
    if (!resolver)
        return m_report = resolver.error();
    ProbeStart start;
    start.devices = std::move(check->devices);
    auto probe = probe_devices(m_system.devices, **resolver, &m_system.loader, m_options.probe,
                               std::move(start));
    if (!probe)
        return m_report = probe.error();
    report.load_us = micros_since(started);
    report.modules = probe->modules;
    report.notes = probe->notes;
    probe->timings.insert(probe->timings.begin(), {0, "check", report.check_us});
    save_into(report, m_options.cache_path,
              make_device_cache(m_now, *probe, m_system.fingerprint.tree.dir, std::time(nullptr)));
    return m_report = report;
}

// The modules of the root's filesystem (alias fs-TYPE), which no device
// asks for; none when it is built in or cannot be resolved (then stage 1
// loads it by its alias once the root is found, as without a record).
std::vector<CachedModule> DeviceBringUp::filesystem_modules(const std::string& fstype,
                                                            ApplyReport& report) {
    if (fstype.empty())
        return {};
    auto resolver = m_system.open_resolver();
    if (!resolver) {
        report.notes.push_back(resolver.error().message);
        return {};
    }
    auto resolution = resolve_filesystem(**resolver, fstype);
    if (!resolution) {
        report.notes.push_back(resolution.error().message);
        return {};
    }
    std::vector<CachedModule> modules;
    for (ModuleSpec& spec : resolution->modules) {
        CachedModule module;
        module.spec = std::move(spec);
        modules.push_back(std::move(module));
    }
    return modules;
}

std::vector<CachedModule> DeviceBringUp::left_behind() const {
    if (!m_report || m_report->decision.path != DevicePath::use_cache ||
        m_report->root_first.empty())
        return {};
    const std::vector<std::string>& done = m_report->root_first;
    std::vector<CachedModule> rest;
    for (const CachedModule& module : m_cache.cache->modules)
        if (std::find(done.begin(), done.end(), module.spec.name) == done.end())
            rest.push_back(module);
    return rest;
}

Result<ApplyReport> DeviceBringUp::finish() {
    if (!m_report || m_report->decision.path != DevicePath::use_cache)
        return m_report;  // a probe (or a failure) is complete as it is
    ApplyReport& report = *m_report;
    Clock::time_point started = Clock::now();
    std::vector<CachedModule> loaded =
        load_modules(left_behind(), m_system.loader, m_options.probe.load, cached());
    report.load_us += micros_since(started);
    report.modules.insert(report.modules.end(), loaded.begin(), loaded.end());
    started = Clock::now();
    CacheLoad full = load_cache(m_options.cache_path, m_system.fingerprint.tree.release);
    if (!full.valid())
        return Error{"cannot validate the device cache: " + full.reason};
    FI_TRY(
        validate(m_system, m_options, *full.cache, m_now, m_system.fingerprint.tree.dir, report));
    report.validate_us = micros_since(started);
    return report;
}

const DeviceCache* DeviceBringUp::cached() const {
    return m_cache.valid() ? &*m_cache.cache : nullptr;
}

Result<ApplyReport> complete_bring_up(DeviceSystem& system, const ApplyOptions& options) {
    CacheLoad cache = load_cache(options.cache_path, system.fingerprint.tree.release);
    if (!cache.valid())
        return Error{cache.reason};
    ApplyReport report;
    report.decision = {DevicePath::use_cache, "completing what the initramfs left"};
    report.cached_root = cache.cache->root;
    Clock::time_point started = Clock::now();
    // Those already in the kernel come back "present" at once. Off the
    // boot's critical path, modules that found no device are tried again:
    // one ENODEV (a device late to appear) must not keep a driver out.
    report.modules = load_modules(cache.cache->modules, system.loader, options.probe.load, nullptr);
    report.load_us = micros_since(started);
    started = Clock::now();
    // The fingerprint is stage 1's, which matched; the module tree named in
    // the cache stays the initramfs's.
    FI_TRY(validate(system, options, *cache.cache, cache.cache->fingerprint,
                    cache.cache->modules_dir, report));
    report.validate_us = micros_since(started);
    return report;
}

}  // namespace fastinit
