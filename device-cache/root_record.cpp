#include "device-cache/root_record.h"

#include <sys/stat.h>
#include <algorithm>

#include "device-cache/cache_store.h"
#include "device-cache/sysfs_paths.h"

namespace fastinit {

Result<std::vector<std::string>> root_driver_modules(const std::string& device_node) {
    struct stat info {};
    if (::stat(device_node.c_str(), &info) != 0)
        return system_error("cannot look at " + device_node);
    if (!S_ISBLK(info.st_mode))
        return Error{device_node + " is not a block device"};
    return block_device_driver_modules(info.st_rdev);
}

Result<std::vector<std::string>> block_device_driver_modules(dev_t device,
                                                             const std::string& sysfs) {
    auto dir = block_device_dir(device, sysfs);
    if (!dir)
        return dir.error();
    return device_dir_driver_modules(*dir, sysfs);
}

RootRecord make_root_record(const DeviceCache& cache, const std::string& source,
                            const std::vector<std::string>& chain, const std::string& fstype,
                            const std::string& device, const std::vector<RootLayer>& layers) {
    RootRecord record{source, {}, fstype, device, layers};
    for (const std::string& name : chain)
        if (std::any_of(cache.modules.begin(), cache.modules.end(),
                        [&](const CachedModule& m) { return m.spec.name == name; }))
            record.modules.push_back(name);
    return record;
}

Result<bool> renew_root_record(const std::string& path, const std::string& kernel_release,
                               const RootRecord& root) {
    CacheLoad loaded = load_cache(path, kernel_release);
    if (!loaded.valid())
        return Error{loaded.reason};
    if (loaded.cache->root == root)
        return false;
    loaded.cache->root = root;
    FI_TRY(save_cache(path, *loaded.cache));
    return true;
}

}  // namespace fastinit
