// The fingerprint: a cheap description of "this kernel on this hardware",
// taken before any module is loaded. While it matches the cached one, the
// cached module list is still right.
//
// Each part is kept separately so a mismatch can be explained part by part.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "device-cache/device.h"
#include "device-cache/module_tree.h"

namespace fastinit {

struct Fingerprint {
    std::string kernel_release;
    // Size and content hash of modules.dep.bin and modules.alias.bin: a new
    // module build or a depmod run changes it.
    std::string module_index;
    // /sys/class/dmi/id: sys_vendor, product_name, board_name, bios_version.
    // Missing files (no DMI on this machine) are simply absent.
    std::map<std::string, std::string> dmi;
    // Sorted modaliases of the devices that count (see fingerprint_devices);
    // duplicates stay, so a second identical disk controller is a change.
    std::vector<std::string> devices;

    bool operator==(const Fingerprint&) const = default;
};

// The modaliases that describe the machine: every device except removable
// ones and those created by a module's driver, sorted.
std::vector<std::string> fingerprint_devices(const std::vector<DeviceRecord>& devices);

// Reads the identity of a module directory's indexes. Never fails: a missing
// index is part of the identity ("modules.dep.bin=absent").
std::string module_index_identity(const std::string& modules_dir);

// Reads the DMI ids from `dmi_dir`; missing files are left out.
std::map<std::string, std::string> read_dmi(const std::string& dmi_dir = "/sys/class/dmi/id");

struct FingerprintSources {
    ModuleTree tree;
    std::string dmi_dir = "/sys/class/dmi/id";
    // When not empty, the module index identity to use instead of reading
    // tree.dir's: on the real root, the initramfs's that stage 1 recorded
    // (see cache_check.h).
    std::string module_index = "";
    // When set, the device part to use instead of the enumerated devices':
    // on the real root, the devices stage 1 fingerprinted before any module
    // loaded. Stage 2 enumerates a machine that stage 1's modules, udevd and
    // modules-load.d are changing under it, so its own enumeration would
    // differ from boot to boot with their timing.
    std::optional<std::vector<std::string>> devices = std::nullopt;
};

// The fingerprint of the machine now, given the devices just enumerated.
Fingerprint take_fingerprint(const FingerprintSources& sources,
                             const std::vector<DeviceRecord>& devices);

struct FingerprintPartDiff {
    std::string part;         // "kernel", "module index", "dmi", "devices"
    std::string description;  // "2 devices added: pci:v..., pci:v...; 1 removed: ..."
};

struct FingerprintDiff {
    std::vector<FingerprintPartDiff> parts;

    bool matches() const { return parts.empty(); }
    // All differing parts in one line: "devices: 1 device added: pci:...".
    std::string summary() const;
};

// What changed from `cached` to `now`, part by part.
FingerprintDiff compare_fingerprints(const Fingerprint& cached, const Fingerprint& now);

}  // namespace fastinit
