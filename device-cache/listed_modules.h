// modules-load.d as the device cache sees it. Rule: each module
// modules-load.d lists is one more device, whose "modalias" is the listed
// name itself, since libkmod looks names and aliases up alike (the
// resolver takes both). So the cache that records what a probe loaded for
// the machine's devices records the listed modules the same way: a cache
// hit loads them in the same parallel batch without resolving anything,
// a change to the list is a change of the fingerprint ("1 device added:
// loop"), and a name that resolves to nothing is remembered as such.
// Stage 2 uses it for the root tree's cache (boot/stage2.h); the
// `modules-load` unit still reads the files and reports each line.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "device-cache/device.h"
#include "device-cache/modules_load.h"

namespace fastinit {

// The pseudo-devices' subsystem, and where their syspaths start
// ("modules-load.d/loop"): outside /sys, so no sysfs reader mistakes one for
// a device of the machine.
inline constexpr const char* kListedModuleSubsystem = "modules-load.d";

// One pseudo-device per listed module, in the list's order (each name once,
// as read_modules_load keeps it).
std::vector<DeviceRecord> listed_module_devices(const std::vector<ModulesLoadEntry>& modules);

// The devices part of a fingerprint taken with `machine`'s modaliases (the
// devices stage 1 fingerprinted) and the listed modules: one sorted list, as
// fingerprint_devices makes it.
std::vector<std::string> with_listed_modules(std::vector<std::string> machine,
                                             const std::vector<DeviceRecord>& listed);

// A DeviceSource that adds the listed modules' pseudo-devices to what
// `machine` enumerates, keeping the order by syspath the seam promises.
class WithListedModules : public DeviceSource {
  public:
    WithListedModules(DeviceSource& machine, std::vector<DeviceRecord> listed);
    Result<std::vector<DeviceRecord>> enumerate() override;

  private:
    DeviceSource& m_machine;
    std::vector<DeviceRecord> m_listed;
};

}  // namespace fastinit
