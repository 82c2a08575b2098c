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

// `boot_devices`: FingerprintSources::devices (fingerprint.h), for stage 2.
Result<ApplyReport> apply_devices_here(
    const ModuleTree& tree, const ApplyOptions& options,
    std::optional<std::vector<std::string>> boot_devices = std::nullopt);

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
