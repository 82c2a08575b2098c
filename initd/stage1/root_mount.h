// Finds the root device and mounts it. Waiting is narrow: only for the one
// device root= names (no global "settle"), polling cheaply until it appears
// or the timeout passes.
#pragma once

#include <string>

#include "base/result.h"
#include "initd/stage1/root_spec.h"

namespace fastinit {

// Where the root was last time (the device cache's root record): checked
// first, looking for that one filesystem type only, which is one or two
// reads instead of libblkid trying every type on every device.
struct RootHint {
    std::string device;  // "/dev/vda"
    std::string fstype;  // "ext4"
};

struct RootDevice {
    std::string node;    // "/dev/vda"
    std::string fstype;  // when the lookup learnt it; else "" (detect it)
};

// Whether `path` (a device or an image file) holds a filesystem of type
// `fstype` whose tag (LABEL or UUID) is `value`.
bool filesystem_has_tag(const std::string& path, const std::string& fstype, const std::string& tag,
                        const std::string& value);

// The device for a spec: the path itself for /dev/…, else the hinted
// device when it matches, else the device whose UUID/LABEL/PARTUUID/
// PARTLABEL matches (libblkid, probing fresh each time); node is empty when
// it is not there (yet).
RootDevice find_root_device(const RootSpec& spec, const RootHint& hint = {});

// Waits for the root device; the error lists what block devices exist, so a
// missing driver is obvious on the console.
Result<RootDevice> wait_for_root_device(const RootSpec& spec, const RootHint& hint = {});

// The filesystem type on a device (libblkid), or "" when unknown.
std::string detect_fstype(const std::string& device);

// Whether the kernel knows a filesystem type now (/proc/filesystems).
bool filesystem_available(const std::string& fstype);

// Mounts `device` (a filesystem of type `fstype`; "" is an error) on
// `target` (created if needed) with the spec's flags and options.
Result<void> mount_root(const RootSpec& spec, const std::string& device, const std::string& fstype,
                        const std::string& target);

}  // namespace fastinit
