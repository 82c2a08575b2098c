// How `fastinit devices` shows caches, probes and loads: human tables and
// JSON. Formatting only; nothing here reads or writes the system.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "device-cache/device_cache.h"
#include "device-cache/fingerprint.h"
#include "device-cache/probe.h"

namespace fastinit {

// The whole cache: header, fingerprint, modules in load order, devices,
// timings.
std::string format_cache(const DeviceCache& cache);
nlohmann::json cache_to_json(const DeviceCache& cache);

// Which modalias wants which modules, then the load order with results.
std::string format_probe(const ProbeResult& probe);

// Modules in load order with status, timing and prerequisites.
std::string format_modules(const std::vector<CachedModule>& modules);

// The fingerprint parts side by side, each marked when it differs.
std::string format_fingerprint_comparison(const Fingerprint& cached, const Fingerprint& now);

}  // namespace fastinit
