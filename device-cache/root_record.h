// The root record (device_cache.h): which modules the root device needed,
// learnt from sysfs once the root is found, and kept in the cache so the
// next boot with the same root= loads those first.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.h"
#include "device-cache/device_cache.h"

namespace fastinit {

// The modules bound along block device `device`'s sysfs ancestry (its disk,
// the disk's controller, the controller's bus...), outermost first:
// {"virtio_pci", "virtio_blk"} for a virtio disk. Drivers built into the
// kernel have no module and are left out. `sysfs` is normally "/sys".
Result<std::vector<std::string>> block_device_driver_modules(dev_t device,
                                                             const std::string& sysfs = "/sys");

// The same for a block device node such as /dev/vda1.
Result<std::vector<std::string>> root_driver_modules(const std::string& device_node);

// The record for `source` (root=), found at `device` with filesystem
// `fstype` on `layers` (root_stack.h), from the modules on the disks' chains, keeping only those
// the cache knows how to load.
RootRecord make_root_record(const DeviceCache& cache, const std::string& source,
                            const std::vector<std::string>& chain, const std::string& fstype,
                            const std::string& device, const std::vector<RootLayer>& layers = {});

// Stores `root` in the cache at `path` (a valid cache for `kernel_release`)
// when it differs from the one it has; returns whether it wrote.
Result<bool> renew_root_record(const std::string& path, const std::string& kernel_release,
                               const RootRecord& root);

}  // namespace fastinit
