#include "device-cache/listed_modules.h"

#include <algorithm>

#include "device-cache/fingerprint.h"

namespace fastinit {

std::vector<DeviceRecord> listed_module_devices(const std::vector<ModulesLoadEntry>& modules) {
    std::vector<DeviceRecord> devices;
    devices.reserve(modules.size());
    for (const ModulesLoadEntry& entry : modules)
        devices.push_back({.syspath = std::string(kListedModuleSubsystem) + "/" + entry.module,
                           .subsystem = kListedModuleSubsystem,
                           .modalias = entry.module,
                           .removable = false,
                           .created_by_module = false});
    return devices;
}

std::vector<std::string> with_listed_modules(std::vector<std::string> machine,
                                             const std::vector<DeviceRecord>& listed) {
    for (const std::string& modalias : fingerprint_devices(listed))
        machine.push_back(modalias);
    std::sort(machine.begin(), machine.end());
    return machine;
}

WithListedModules::WithListedModules(DeviceSource& machine, std::vector<DeviceRecord> listed)
    : m_machine(machine), m_listed(std::move(listed)) {}

Result<std::vector<DeviceRecord>> WithListedModules::enumerate() {
    auto devices = m_machine.enumerate();
    if (!devices || m_listed.empty())
        return devices;
    devices->insert(devices->end(), m_listed.begin(), m_listed.end());
    std::stable_sort(
        devices->begin(), devices->end(),
        [](const DeviceRecord& a, const DeviceRecord& b) { return a.syspath < b.syspath; });
    return devices;
}

}  // namespace fastinit
