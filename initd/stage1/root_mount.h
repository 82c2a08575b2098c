// Finds the root device and mounts it. Waiting is narrow: only for the one
// device root= names (no global "settle"), polling cheaply until it appears
// or the timeout passes.
#pragma once

#include <string>

#include "base/result.h"
#include "initd/stage1/root_spec.h"

namespace fastinit {

// The device node for a spec: the path itself for /dev/…, else the device
// whose UUID/LABEL/PARTUUID/PARTLABEL matches (libblkid, probing fresh each
// time), or an empty string when it is not there (yet).
std::string find_root_device(const RootSpec& spec);

// Waits for the root device; the error lists what block devices exist, so a
// missing driver is obvious on the console.
Result<std::string> wait_for_root_device(const RootSpec& spec);

// The filesystem type on a device (libblkid), or "" when unknown.
std::string detect_fstype(const std::string& device);

// Whether the kernel knows a filesystem type now (/proc/filesystems).
bool filesystem_available(const std::string& fstype);

// Mounts `device` on `target` (created if needed) with the spec's type,
// flags and options; detects the type with libblkid when not given.
Result<void> mount_root(const RootSpec& spec, const std::string& device, const std::string& target);

}  // namespace fastinit
