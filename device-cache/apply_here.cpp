#include "device-cache/apply_here.h"

#include "device-cache/kmod_loader.h"
#include "device-cache/kmod_resolver.h"
#include "device-cache/listed_modules.h"
#include "device-cache/sysfs_device_source.h"

namespace fastinit {

namespace {

// The real sources and loader for `tree`.
struct RealSystem {
    explicit RealSystem(const ModuleTree& tree, std::vector<DeviceRecord> listed = {})
        : with_listed(sysfs, std::move(listed)),
          loader(tree),
          system{with_listed,
                 loader,
                 [tree]() -> Result<std::unique_ptr<ModuleResolver>> {
                     auto resolver = KmodResolver::open(tree);
                     if (!resolver)
                         return resolver.error();
                     return std::unique_ptr<ModuleResolver>(
                         std::make_unique<KmodResolver>(std::move(*resolver)));
                 },
                 {tree}} {}

    SysfsDeviceSource sysfs;
    WithListedModules with_listed;
    KmodLoader loader;
    DeviceSystem system;
};

}  // namespace

// The real system, kept alive as long as the bring-up that works through it.
struct DeviceBringUpHere::Machine {
    Machine(const ModuleTree& tree, ApplyOptions options)
        : real(tree), bring_up(real.system, std::move(options)) {}

    RealSystem real;
    DeviceBringUp bring_up;
};

DeviceBringUpHere::DeviceBringUpHere(const ModuleTree& tree, ApplyOptions options)
    : m_machine(std::make_unique<Machine>(tree, std::move(options))) {}

DeviceBringUpHere::~DeviceBringUpHere() = default;

Result<ApplyReport> DeviceBringUpHere::start() {
    return m_machine->bring_up.start();
}

std::vector<CachedModule> DeviceBringUpHere::left_behind() const {
    return m_machine->bring_up.left_behind();
}

Result<ApplyReport> DeviceBringUpHere::finish() {
    return m_machine->bring_up.finish();
}

const DeviceCache* DeviceBringUpHere::cached() const {
    return m_machine->bring_up.cached();
}

FingerprintSources RootTreeSources::fingerprint(const ModuleTree& tree) const {
    FingerprintSources sources{tree};
    if (boot_devices)
        sources.devices = with_listed_modules(*boot_devices, listed);
    return sources;
}

Result<ApplyReport> apply_devices_here(const ModuleTree& tree, const ApplyOptions& options,
                                       const RootTreeSources& root_tree) {
    RealSystem real(tree, root_tree.listed);
    real.system.fingerprint = root_tree.fingerprint(tree);
    return apply_devices(real.system, options);
}

Result<ApplyReport> complete_bring_up_here(const ModuleTree& tree, const ApplyOptions& options) {
    RealSystem real(tree);
    return complete_bring_up(real.system, options);
}

}  // namespace fastinit
