// The check that decides between the cache and a probe: read the cache,
// enumerate, fingerprint, look for the cached module files, decide. The
// boot (DeviceBringUp) and `fastinit devices status` both call this one
// function, so status calls a cache stale exactly when the boot would probe.
//
// The one input that differs between them is where the module index comes
// from: the boot fingerprints the module tree it loads from (the
// initramfs's, which mkinitramfs re-indexes with depmod, so its identity is
// not the root's), while status runs on the root. Stage 1 records the
// identity it used in initrd.json and status passes it in
// (FingerprintSources::module_index), so both compare the same thing.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "device-cache/cache_store.h"
#include "device-cache/decision.h"
#include "device-cache/fingerprint.h"
#include "device-cache/probe.h"

namespace fastinit {

struct CacheCheck {
    CacheLoad cache;
    Fingerprint now;                    // the machine now, as compared with the cache's
    std::vector<DeviceRecord> devices;  // as enumerated for it
    DeviceDecision decision;
    // Microseconds: reading the cache, enumerating, the fingerprint (with
    // the module files' existence and the decision), and all of it.
    int64_t read_us = 0, enumerate_us = 0, fingerprint_us = 0, check_us = 0;
};

// Fails only when the devices cannot be enumerated.
Result<CacheCheck> check_device_cache(const std::string& cache_path, DeviceSource& devices,
                                      const FingerprintSources& sources, bool reprobe,
                                      CacheDetail detail = CacheDetail::for_loading);

}  // namespace fastinit
