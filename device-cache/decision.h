// The one choice at boot: trust the cache (load its modules) or probe.
// Pure: everything it looks at is passed in, so every case is unit-tested.
#pragma once

#include <string>
#include <vector>

#include "device-cache/cache_store.h"
#include "device-cache/fingerprint.h"

namespace fastinit {

enum class DevicePath { use_cache, probe };

struct DeviceDecision {
    DevicePath path = DevicePath::probe;
    // One sentence for the log, e.g. "probing: the device cache /x is
    // truncated (4096 of 8192 bytes)" or "using the device cache: ...".
    std::string reason;
};

// `missing_module_files` lists cached modules whose files are gone (see
// apply.h); any of them means the cache no longer describes the system.
DeviceDecision decide_device_path(const CacheLoad& cache, const Fingerprint& now, bool reprobe,
                                  const std::vector<std::string>& missing_module_files = {});

}  // namespace fastinit
