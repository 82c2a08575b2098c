// apply_devices (apply.h) with this machine behind it: devices from sysfs,
// resolution and loading through libkmod for the given module tree. The one
// place the boot path and `fastinit devices apply` build the real system.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "device-cache/apply.h"
#include "device-cache/module_tree.h"

namespace fastinit {

// What stage 2 adds to this machine for the root tree's cache
// (boot/stage2.h).
struct RootTreeSources {
    // FingerprintSources::devices: the devices stage 1 fingerprinted.
    std::optional<std::vector<std::string>> boot_devices;
    // modules-load.d's modules as devices (listed_modules.h): enumerated
    // with the machine's, and part of the fingerprint.
    std::vector<DeviceRecord> listed;

    // What the root tree's cache is fingerprinted with: `tree`, and, when
    // stage 1's devices are known, those with the listed modules.
    FingerprintSources fingerprint(const ModuleTree& tree) const;
};

Result<ApplyReport> apply_devices_here(const ModuleTree& tree, const ApplyOptions& options,
                                       const RootTreeSources& root_tree = {});

// complete_bring_up (apply.h) on this machine.
Result<ApplyReport> complete_bring_up_here(const ModuleTree& tree, const ApplyOptions& options);

// DeviceBringUp (apply.h) on this machine, for the boot.
class DeviceBringUpHere {
  public:
    DeviceBringUpHere(const ModuleTree& tree, ApplyOptions options);
    ~DeviceBringUpHere();

    Result<ApplyReport> start();
    std::vector<CachedModule> left_behind() const;
    Result<ApplyReport> finish();
    const DeviceCache* cached() const;

  private:
    struct Machine;
    std::unique_ptr<Machine> m_machine;
};

}  // namespace fastinit
