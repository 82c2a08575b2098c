#include "device-cache/decision.h"

#include "base/text.h"

namespace fastinit {

DeviceDecision decide_device_path(const CacheLoad& cache, const Fingerprint& now, bool reprobe,
                                  const std::vector<std::string>& missing_module_files) {
    if (reprobe)
        return {DevicePath::probe, "probing: a reprobe was requested (fastinit.reprobe)"};
    if (!cache.valid() || !cache.cache)
        return {DevicePath::probe, "probing: " + cache.reason};
    FingerprintDiff diff = compare_fingerprints(cache.cache->fingerprint, now);
    if (!diff.matches())
        return {DevicePath::probe, "probing: the machine changed since the cache was written (" +
                                       diff.summary() + ")"};
    if (!missing_module_files.empty())
        return {DevicePath::probe, "probing: module files listed in the cache no longer exist (" +
                                       join(missing_module_files, ", ") + ")"};
    size_t count = cache.cache->modules.size();
    return {DevicePath::use_cache, "using the device cache: the fingerprint matches (" +
                                       std::to_string(count) +
                                       (count == 1 ? " module" : " modules") + " to load)"};
}

}  // namespace fastinit
