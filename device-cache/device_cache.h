// The contents of the known-devices cache: what the last full probe found,
// and how loading went.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "device-cache/device.h"
#include "device-cache/fingerprint.h"
#include "device-cache/module_resolver.h"
#include "device-cache/module_spec.h"

namespace fastinit {

struct CachedModule {
    ModuleSpec spec;
    LoadStatus status = LoadStatus::not_loaded;
    int errno_value = 0;
    std::string reason;
    int64_t start_us = 0;  // since the round's loading began
    int64_t load_us = 0;   // measured time of the load itself
    int round = 0;         // probe round that found it (0 = first)

    bool operator==(const CachedModule&) const = default;
};

struct PhaseTiming {
    int round = 0;
    std::string phase;  // enumerate, resolve, load, fingerprint, ...
    int64_t duration_us = 0;

    bool operator==(const PhaseTiming&) const = default;
};

// One layer of storage the root sits on, which stage 1 must assemble before
// the root device exists (boot/root_layers.h): an md array, an LVM volume,
// later a LUKS mapping. Each kind is one way of assembling.
struct RootLayer {
    std::string kind;  // "md", "lvm"
    std::string name;  // the device it makes: "md0", "dm-0"
    // The modules it needs that no device asks for ("md_mod", "raid1";
    // "dm_mod"), loaded by name before it is assembled.
    std::vector<std::string> modules;

    bool operator==(const RootLayer&) const = default;
};

// What mounting the root needed on the boot that recorded it, so the next
// boot with the same root= can load that first and look for its root while
// the other modules still load.
struct RootRecord {
    std::string source;  // the root= it was found for: "LABEL=x", "UUID=...", "/dev/vda"
    // Cached modules on the root device's driver chain, outermost first
    // ("virtio_pci", "virtio_blk"); their prerequisites come from `modules`.
    std::vector<std::string> modules;
    // The root's filesystem ("ext4"): its module (alias fs-ext4) loads with
    // the chain, since no device asks for it.
    std::string fstype;
    // The node it was found at ("/dev/vda"): where to look first next time.
    std::string device;
    // The layers between the disks and the root device, in assembly order
    // (innermost first: the md array before the LVM volume on it); empty for
    // a root directly on a disk. `modules` then are the disks' chains.
    std::vector<RootLayer> layers = {};

    bool known() const { return !source.empty() && (!modules.empty() || !fstype.empty()); }
    bool operator==(const RootRecord&) const = default;
};

struct DeviceCache {
    Fingerprint fingerprint;
    std::string modules_dir;
    int64_t written_at = 0;  // seconds since the epoch
    // Every device seen at the end of the probe, removable ones included.
    std::vector<DeviceRecord> devices;
    std::vector<AliasMatch> aliases;
    // In load order: each module after its prerequisites.
    std::vector<CachedModule> modules;
    std::vector<PhaseTiming> timings;
    RootRecord root;  // empty until a boot has mounted a root with this cache

    bool operator==(const DeviceCache&) const = default;
};

}  // namespace fastinit
