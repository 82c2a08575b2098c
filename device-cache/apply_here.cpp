#include "device-cache/apply_here.h"

#include "device-cache/kmod_loader.h"
#include "device-cache/kmod_resolver.h"
#include "device-cache/sysfs_device_source.h"

namespace fastinit {

Result<ApplyReport> apply_devices_here(const ModuleTree& tree, const ApplyOptions& options) {
    SysfsDeviceSource source;
    KmodLoader loader(tree);
    DeviceSystem system{source,
                        loader,
                        [tree]() -> Result<std::unique_ptr<ModuleResolver>> {
                            auto resolver = KmodResolver::open(tree);
                            if (!resolver)
                                return resolver.error();
                            return std::unique_ptr<ModuleResolver>(
                                std::make_unique<KmodResolver>(std::move(*resolver)));
                        },
                        {tree}};
    return apply_devices(system, options);
}

}  // namespace fastinit
