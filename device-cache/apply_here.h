// apply_devices (apply.h) with this machine behind it: devices from sysfs,
// resolution and loading through libkmod for the given module tree. The one
// place the boot path and `fastinit devices apply` build the real system.
#pragma once

#include <memory>

#include "device-cache/apply.h"
#include "device-cache/module_tree.h"

namespace fastinit {

Result<ApplyReport> apply_devices_here(const ModuleTree& tree, const ApplyOptions& options);

// complete_bring_up (apply.h) on this machine.
Result<ApplyReport> complete_bring_up_here(const ModuleTree& tree, const ApplyOptions& options);

// probe_devices (probe.h) on this machine with `tree`'s modules, loading;
// writes no cache.
Result<ProbeResult> probe_devices_here(const ModuleTree& tree);

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
