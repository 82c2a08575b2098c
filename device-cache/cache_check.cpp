#include "device-cache/cache_check.h"

#include <chrono>

#include "device-cache/apply.h"

namespace fastinit {

Result<CacheCheck> check_device_cache(const std::string& cache_path, DeviceSource& devices,
                                      const FingerprintSources& sources, bool reprobe,
                                      CacheDetail detail) {
    using Clock = std::chrono::steady_clock;
    auto micros_since = [](Clock::time_point start) {
        return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
    };
    CacheCheck check;
    Clock::time_point started = Clock::now();
    check.cache = load_cache(cache_path, sources.tree.release, detail);
    check.read_us = micros_since(started);
    auto enumerated = devices.enumerate();
    if (!enumerated)
        return enumerated.error();
    check.devices = std::move(*enumerated);
    check.enumerate_us = micros_since(started) - check.read_us;
    check.now = take_fingerprint(sources, check.devices);
    // With the index identity given, tree.dir is not the tree the boot loads
    // from (the initramfs's, out of reach on the root): its files are not
    // looked at. The identity covers them: modules.dep.bin lists every file,
    // and an initramfs is rebuilt, never edited.
    std::vector<std::string> missing;
    if (check.cache.valid() && sources.module_index.empty())
        missing = missing_module_files(*check.cache.cache, sources.tree.dir);
    check.decision = decide_device_path(check.cache, check.now, reprobe, missing);
    check.check_us = micros_since(started);
    check.fingerprint_us = check.check_us - check.read_us - check.enumerate_us;
    return check;
}

}  // namespace fastinit
