// The boot-time entry point: decide between the cache and a probe, load the
// modules, and keep the cache true.
//
//   fast path   the cache is valid, its fingerprint matches the machine now
//               and no reprobe was asked for: load the cached modules in
//               parallel, then validate (enumerate again; when the devices
//               differ from the cached ones, resolve and load what is
//               missing and rewrite the cache).
//   probe path  anything else: a full probe, then the cache is rewritten.
//               The decision's reason says why, in one sentence.
//
// A cache that cannot be written (read-only root) is reported, not fatal.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/kernel_cmdline.h"
#include "device-cache/cache_store.h"
#include "device-cache/decision.h"
#include "device-cache/fingerprint.h"
#include "device-cache/probe.h"

namespace fastinit {

// The side effects apply_devices works through.
struct DeviceSystem {
    DeviceSource& devices;
    ModuleLoader& loader;
    // Opened only when something must be resolved: the fast path without
    // changes never touches the module indexes beyond the fingerprint.
    std::function<Result<std::unique_ptr<ModuleResolver>>()> open_resolver;
    FingerprintSources fingerprint;
};

struct ApplyOptions {
    std::string cache_path;
    bool reprobe = false;
    ProbeOptions probe;
};

struct ApplyReport {
    DeviceDecision decision;
    // This run's modules in load order, with this run's results.
    std::vector<CachedModule> modules;
    // Why the fast path rewrote the cache ("" when the devices matched).
    std::string refreshed;
    bool cache_written = false;
    std::optional<Error> cache_error;  // the cache could not be written
    std::vector<std::string> notes;
    int64_t check_us = 0;     // read cache, enumerate, fingerprint, decide
    int64_t load_us = 0;      // fast path: the cached modules; probe: the probe
    int64_t validate_us = 0;  // fast path only
};

// Fails only when devices cannot be enumerated or, on the probe path, the
// module indexes cannot be opened: then the caller should fall back to
// whatever loads modules without us (udev coldplug).
Result<ApplyReport> apply_devices(DeviceSystem& system, const ApplyOptions& options);

// True when the kernel command line asks for a full probe: the word
// "fastinit.reprobe" (any value other than 0, no, false or off).
bool reprobe_requested(const KernelCmdline& cmdline);

// Cached modules whose files are gone from `modules_dir` (their paths).
std::vector<std::string> missing_module_files(const DeviceCache& cache,
                                              const std::string& modules_dir);

// Loads the cached module list in parallel; results in plan order.
std::vector<CachedModule> load_cached_modules(const DeviceCache& cache, ModuleLoader& loader,
                                              const LoadOptions& options);

// Modules still needed by `aliases`: their matches with dependencies and
// soft dependencies, in the order of `modules`.
std::vector<CachedModule> prune_modules(const std::vector<CachedModule>& modules,
                                        const std::vector<AliasMatch>& aliases);

}  // namespace fastinit
