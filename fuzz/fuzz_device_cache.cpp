// The device cache reader on any bytes as the cache file: stage 1 (PID 1 of
// the initramfs) reads that file on every boot, and whoever had root on the
// last boot could have written it. The bytes are read in place by SQLite
// (load_cache_image), as fast as a file and without one.
//
// Invariants: the reader answers (valid, or a state with a sentence) and
// never hangs (libFuzzer's -timeout); a valid cache names no module file
// outside the module tree; what it read can be written as JSON.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/json_text.h"
#include "device-cache/cache_store.h"
#include "device-cache/module_path.h"

namespace fastinit {
namespace {

// The kernel the seed caches were written for (fuzz/corpus/device_cache).
constexpr const char* kKernel = "6.1.0-fuzz";

void check(const CacheLoad& load) {
    if (load.valid() != load.reason.empty())
        std::abort();
    if (load.valid() && !load.cache)
        std::abort();
    if (!load.cache)
        return;
    nlohmann::json out = nlohmann::json::array();
    for (const CachedModule& module : load.cache->modules) {
        if (!module.spec.path.empty() && !module_path_problem(module.spec.path).empty())
            std::abort();
        out.push_back({module.spec.name, module.spec.path, module.reason});
    }
    for (const DeviceRecord& device : load.cache->devices)
        out.push_back({device.syspath, device.modalias});
    out.push_back(load.reason);
    if (!json_text(out))
        std::abort();
}

}  // namespace
}  // namespace fastinit

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string_view image(reinterpret_cast<const char*>(data), size);
    check(load_cache_image(image, "devices.db", kKernel));
    return 0;
}
