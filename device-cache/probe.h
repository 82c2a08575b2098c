// The slow, complete path: enumerate devices, resolve the new modaliases,
// load the new modules, and enumerate again, until a round reveals nothing
// new. Buses found by one driver reveal devices for the next (virtio_pci
// brings the virtio devices that need virtio_blk), so one round is not
// enough; a bound on the rounds keeps a misbehaving driver from looping.
// Nothing waits for a global "settle": each round looks only at what the
// loads of the previous one produced.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "device-cache/device.h"
#include "device-cache/device_cache.h"
#include "device-cache/module_loader.h"
#include "device-cache/module_resolver.h"
#include "device-cache/parallel_load.h"

namespace fastinit {

struct ProbeOptions {
    int max_rounds = 8;
    LoadOptions load;
};

// Where a probe starts: from nothing (a full probe), or from a cache whose
// modules were just loaded (healing after the fast path).
struct ProbeStart {
    // The first round's devices, when the caller has just enumerated them.
    std::optional<std::vector<DeviceRecord>> devices;
    std::vector<AliasMatch> aliases;    // already resolved
    std::vector<CachedModule> modules;  // already loaded or tried
};

struct ProbeResult {
    std::vector<DeviceRecord> initial_devices;  // first enumeration: the fingerprint's
    std::vector<DeviceRecord> devices;          // last enumeration
    std::vector<AliasMatch> aliases;
    std::vector<CachedModule> modules;  // start's modules, then each round's in load order
    std::vector<PhaseTiming> timings;
    std::vector<std::string> notes;  // dependency cycles broken, rounds exhausted
    int rounds = 0;                  // rounds that resolved something
    bool converged = true;           // false when max_rounds ran out
};

// With `loader` null nothing is loaded (for --dry-run and --no-load): one
// round resolves what is visible now and every module is not_loaded.
// Fails only when enumeration or resolution fails; failed loads are part of
// the result.
Result<ProbeResult> probe_devices(DeviceSource& source, ModuleResolver& resolver,
                                  ModuleLoader* loader, const ProbeOptions& options,
                                  ProbeStart start = {});

// The cache that records `probe` for a machine with fingerprint `now`.
DeviceCache make_device_cache(const Fingerprint& now, const ProbeResult& probe,
                              const std::string& modules_dir, int64_t written_at);

}  // namespace fastinit
