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
// boot goes on to its root while the rest load and the validation runs on a
// background thread.
//
// A cache that cannot be written (read-only root) is reported, not fatal.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
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

// apply_devices in two steps, for the boot. start() returns as soon as the
// root can be looked for: after the probe, after all cached modules when the
// cache has no root record for options.root_source, else after the root's
// modules alone; then the rest load and the validation runs on a background
// thread. finish() waits for it and gives the whole report. `system` must
// outlive this object; the destructor waits too.
class DeviceBringUp {
  public:
    DeviceBringUp(DeviceSystem& system, ApplyOptions options);
    ~DeviceBringUp();
    DeviceBringUp(const DeviceBringUp&) = delete;
    DeviceBringUp& operator=(const DeviceBringUp&) = delete;

    // The report so far. Call once.
    Result<ApplyReport> start();
    // True while modules still load or the validation still runs.
    bool running_behind() const { return m_behind.joinable(); }
    // The whole report. Call once, after start().
    Result<ApplyReport> finish();

  private:
    std::vector<CachedModule> filesystem_modules(const std::string& fstype, ApplyReport& report);
    void finish_fast_path();

    DeviceSystem& m_system;
    ApplyOptions m_options;
    CacheLoad m_cache;
    Fingerprint m_now;
    Result<ApplyReport> m_final;
    std::thread m_behind;
};

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

// Loads the cached module list in parallel; results in plan order.
std::vector<CachedModule> load_cached_modules(const DeviceCache& cache, ModuleLoader& loader,
                                              const LoadOptions& options);

// Modules still needed by `aliases`: their matches with dependencies and
// soft dependencies, in the order of `modules`.
std::vector<CachedModule> prune_modules(const std::vector<CachedModule>& modules,
                                        const std::vector<AliasMatch>& aliases);

}  // namespace fastinit
