#include "device-cache/probe.h"

#include <chrono>
#include <unordered_set>

#include "device-cache/load_plan.h"

namespace fastinit {
namespace {

using Clock = std::chrono::steady_clock;

int64_t micros_since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
}

}  // namespace

Result<ProbeResult> probe_devices(DeviceSource& source, ModuleResolver& resolver,
                                  ModuleLoader* loader, const ProbeOptions& options,
                                  ProbeStart start) {
    ProbeResult result;
    result.aliases = std::move(start.aliases);
    result.modules = std::move(start.modules);
    std::unordered_set<std::string> known_aliases, known_modules;
    for (const AliasMatch& match : result.aliases)
        known_aliases.insert(match.modalias);
    for (const CachedModule& module : result.modules)
        known_modules.insert(module.spec.name);

    for (int round = 0;; ++round) {
        Clock::time_point started = Clock::now();
        std::vector<DeviceRecord> devices;
        if (round == 0 && start.devices) {
            devices = std::move(*start.devices);
        } else {
            auto enumerated = source.enumerate();
            if (!enumerated)
                return enumerated.error();
            devices = std::move(*enumerated);
            result.timings.push_back({round, "enumerate", micros_since(started)});
        }
        if (round == 0)
            result.initial_devices = devices;
        result.devices = std::move(devices);

        std::vector<std::string> fresh;
        for (const DeviceRecord& device : result.devices)
            if (known_aliases.insert(device.modalias).second)
                fresh.push_back(device.modalias);
        if (fresh.empty())
            break;
        if (round == options.max_rounds) {
            result.converged = false;
            result.notes.push_back("stopped after " + std::to_string(round) +
                                   " rounds while devices were still appearing");
            break;
        }

        started = Clock::now();
        auto resolution = resolver.resolve(fresh);
        if (!resolution)
            return resolution.error();
        result.timings.push_back({round, "resolve", micros_since(started)});
        result.rounds = round + 1;
        for (AliasMatch& match : resolution->aliases)
            result.aliases.push_back(std::move(match));

        std::vector<ModuleSpec> new_modules;
        for (ModuleSpec& spec : resolution->modules)
            if (known_modules.insert(spec.name).second)
                new_modules.push_back(std::move(spec));
        // No new module, no new device: the fixed point.
        if (new_modules.empty())
            break;

        LoadPlan plan = make_load_plan(new_modules);
        result.notes.insert(result.notes.end(), plan.notes.begin(), plan.notes.end());
        if (!loader) {
            for (PlannedModule& planned : plan.modules)
                result.modules.push_back(
                    {std::move(planned.spec), LoadStatus::not_loaded, 0, "", 0, 0, round});
            break;
        }
        started = Clock::now();
        std::vector<ModuleLoadResult> loads = load_in_parallel(plan, *loader, options.load);
        result.timings.push_back({round, "load", micros_since(started)});
        for (size_t i = 0; i < plan.modules.size(); ++i) {
            const ModuleLoadResult& load = loads[i];
            result.modules.push_back({std::move(plan.modules[i].spec), load.status,
                                      load.errno_value, load.reason, load.start.count(),
                                      load.duration.count(), round});
        }
    }
    return result;
}

DeviceCache make_device_cache(const Fingerprint& now, const ProbeResult& probe,
                              const std::string& modules_dir, int64_t written_at) {
    DeviceCache cache;
    cache.fingerprint = now;
    cache.modules_dir = modules_dir;
    cache.written_at = written_at;
    cache.devices = probe.devices;
    cache.aliases = probe.aliases;
    cache.modules = probe.modules;
    cache.timings = probe.timings;
    return cache;
}

}  // namespace fastinit
