#include "device-cache/apply_here.h"

#include "device-cache/kmod_loader.h"
#include "device-cache/kmod_resolver.h"
#include "device-cache/sysfs_device_source.h"

namespace fastinit {

// The real sources and loader, kept alive as long as the bring-up that
// works through them (its background thread included).
struct DeviceBringUpHere::Machine {
    Machine(const ModuleTree& tree, ApplyOptions options)
        : loader(tree),
          system{source,
                 loader,
                 [tree]() -> Result<std::unique_ptr<ModuleResolver>> {
                     auto resolver = KmodResolver::open(tree);
                     if (!resolver)
                         return resolver.error();
                     return std::unique_ptr<ModuleResolver>(
                         std::make_unique<KmodResolver>(std::move(*resolver)));
                 },
                 {tree}},
          bring_up(system, std::move(options)) {}

    SysfsDeviceSource source;
    KmodLoader loader;
    DeviceSystem system;
    DeviceBringUp bring_up;  // last: destroyed (joined) first
};

DeviceBringUpHere::DeviceBringUpHere(const ModuleTree& tree, ApplyOptions options)
    : m_machine(std::make_unique<Machine>(tree, std::move(options))) {}

DeviceBringUpHere::~DeviceBringUpHere() = default;

Result<ApplyReport> DeviceBringUpHere::start() {
    return m_machine->bring_up.start();
}

bool DeviceBringUpHere::running_behind() const {
    return m_machine->bring_up.running_behind();
}

Result<ApplyReport> DeviceBringUpHere::finish() {
    return m_machine->bring_up.finish();
}

Result<ApplyReport> apply_devices_here(const ModuleTree& tree, const ApplyOptions& options) {
    DeviceBringUpHere bring_up(tree, options);
    if (auto started = bring_up.start(); !started)
        return started.error();
    return bring_up.finish();
}

}  // namespace fastinit
