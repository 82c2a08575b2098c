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
// At boot (DeviceBringUp) the fast path goes root first: when the cache
// recorded which modules the same root= needed, those load first and the
// boot goes on to its root; the rest load and the validation runs later,
// in stage 1 before it switches root, or on the real root
// (complete_bring_up) when its init is fastinit.
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
    // This boot's root= ("LABEL=x"): its root record, if the cache has one,
    // says what to load first.
    std::string root_source;
};

struct ApplyReport {
    DeviceDecision decision;
    // The module index identity the decision fingerprinted (start() only):
    // stage 1 records it for `fastinit devices status` (cache_check.h).
    std::string module_index;
    // This run's modules in load order, with this run's results.
    std::vector<CachedModule> modules;
    // Why the fast path rewrote the cache ("" when the devices matched).
    std::string refreshed;
    bool cache_written = false;
    std::optional<Error> cache_error;  // the cache could not be written
    std::vector<std::string> notes;
    int64_t check_us = 0;  // read cache, enumerate, fingerprint, decide
    // Parts of check_us: reading the cache, enumerating devices, the
    // fingerprint (with the module files' existence), in that order.
    int64_t read_us = 0, enumerate_us = 0, fingerprint_us = 0;
    int64_t load_us = 0;      // fast path: the cached modules; probe: the probe
    int64_t validate_us = 0;  // fast path only
    // Fast path with a root record for this root=: the modules loaded first
    // (the record's with their prerequisites, and the root filesystem's),
    // how long they took, and how many cached ones were left to load behind.
    std::vector<std::string> root_first;
    int64_t root_first_us = 0;
    int left_behind = 0;
    RootRecord cached_root;  // fast path: the cache's root record
};

// Fails only when devices cannot be enumerated or, on the probe path, the
// module indexes cannot be opened: then the caller should fall back to
// whatever loads modules without us (udev coldplug).
Result<ApplyReport> apply_devices(DeviceSystem& system, const ApplyOptions& options);

// apply_devices in two steps, for the boot. start() does what the root may
// need: the probe; or, on the fast path, all cached modules when the cache
// has no root record for options.root_source, else only the root's (and its
// filesystem's). finish() does the rest: the other cached modules, then the
// validation. `system` must outlive this object.
class DeviceBringUp {
  public:
    DeviceBringUp(DeviceSystem& system, ApplyOptions options);

    // The report so far. Call once.
    Result<ApplyReport> start();
    // The cached modules start() left for finish(), in cache order; empty
    // when the validation is all that is left (or nothing is).
    std::vector<CachedModule> left_behind() const;
    // The whole report. Call once, after start().
    Result<ApplyReport> finish();
    // The cache start() read, without its devices, aliases and timings;
    // null when there was no valid one.
    const DeviceCache* cached() const;

  private:
    std::vector<CachedModule> filesystem_modules(const std::string& fstype, ApplyReport& report);

    DeviceSystem& m_system;
    ApplyOptions m_options;
    CacheLoad m_cache;
    Fingerprint m_now;
    Result<ApplyReport> m_report;
};

// The second half of a root-first boot, on the real root: stage 1 found the
// cache at options.cache_path matching and left modules behind. Loads every
// cached module not in the kernel yet (those that found no device too: this
// is off the critical path), then validates as the fast path does,
// without deciding again (the module tree here may be a copy of the part
// stage 1 left). Fails when the cache cannot be read.
Result<ApplyReport> complete_bring_up(DeviceSystem& system, const ApplyOptions& options);

// The cached modules to load first for `root_source`: the root record's
// modules and their prerequisites, in cache order. Empty when the record is
// for another root= or there is none.
std::vector<CachedModule> root_first_modules(const DeviceCache& cache,
                                             const std::string& root_source);

// True when the kernel command line asks for a full probe: the word
// "fastinit.reprobe" (any value other than 0, no, false or off).
bool reprobe_requested(const KernelCmdline& cmdline);

// Cached modules whose files are gone from `modules_dir` (their paths).
std::vector<std::string> missing_module_files(const DeviceCache& cache,
                                              const std::string& modules_dir);

// Loads the cached module list in parallel, except the modules that found no
// device (ENODEV) when the cache was written; results in plan order.
std::vector<CachedModule> load_cached_modules(const DeviceCache& cache, ModuleLoader& loader,
                                              const LoadOptions& options);

// Modules still needed by `aliases`: their matches with dependencies and
// soft dependencies, in the order of `modules`.
std::vector<CachedModule> prune_modules(const std::vector<CachedModule>& modules,
                                        const std::vector<AliasMatch>& aliases);

}  // namespace fastinit
