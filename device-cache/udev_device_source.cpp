#include "device-cache/udev_device_source.h"

#include "device-cache/driver_module.h"

#include <libudev.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string_view>
#include <unordered_map>

namespace fastinit {
namespace {

struct UdevUnref {
    void operator()(udev* handle) const { udev_unref(handle); }
};
struct EnumerateUnref {
    void operator()(udev_enumerate* handle) const { udev_enumerate_unref(handle); }
};
struct DeviceUnref {
    void operator()(udev_device* handle) const { udev_device_unref(handle); }
};
using UdevPtr = std::unique_ptr<udev, UdevUnref>;
using EnumeratePtr = std::unique_ptr<udev_enumerate, EnumerateUnref>;
using DevicePtr = std::unique_ptr<udev_device, DeviceUnref>;

std::string_view text_or_empty(const char* text) {
    return text ? std::string_view(text) : std::string_view();
}

bool is_hotplug_subsystem(std::string_view subsystem) {
    return subsystem == "usb" || subsystem == "hid" || subsystem == "usb-serial";
}

// Answers "is this device's driver a loadable module?" once per device:
// many devices share the same few ancestors.
class ModuleDriverCache {
  public:
    bool bound_to_loadable_module(udev_device* device) {
        std::string syspath(text_or_empty(udev_device_get_syspath(device)));
        auto found = m_known.find(syspath);
        if (found != m_known.end())
            return found->second;
        bool loadable =
            udev_device_get_driver(device) != nullptr && driver_is_loadable_module("/sys", syspath);
        m_known.emplace(std::move(syspath), loadable);
        return loadable;
    }

  private:
    std::unordered_map<std::string, bool> m_known;
};

}  // namespace

Result<std::vector<DeviceRecord>> UdevDeviceSource::enumerate() {
    UdevPtr context(udev_new());
    if (!context)
        return system_error("cannot create a libudev context");
    EnumeratePtr enumerate(udev_enumerate_new(context.get()));
    if (!enumerate)
        return system_error("cannot create a libudev enumerator");
    if (int r = udev_enumerate_scan_devices(enumerate.get()); r < 0)
        return system_error("cannot scan /sys for devices", -r);

    ModuleDriverCache drivers;
    std::vector<DeviceRecord> devices;
    udev_list_entry* entry;
    udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(enumerate.get())) {
        // A device can vanish between the scan and this look-up; that is
        // not an error, it is simply no longer present.
        DevicePtr device(
            udev_device_new_from_syspath(context.get(), udev_list_entry_get_name(entry)));
        if (!device)
            continue;
        const char* modalias = udev_device_get_property_value(device.get(), "MODALIAS");
        if (!modalias || !*modalias)
            continue;
        DeviceRecord record;
        record.syspath = text_or_empty(udev_device_get_syspath(device.get()));
        record.subsystem = text_or_empty(udev_device_get_subsystem(device.get()));
        record.modalias = modalias;
        record.removable = is_hotplug_subsystem(record.subsystem);
        // Parents are owned by the child device; they are not unreferenced.
        for (udev_device* parent = udev_device_get_parent(device.get()); parent;
             parent = udev_device_get_parent(parent)) {
            if (is_hotplug_subsystem(text_or_empty(udev_device_get_subsystem(parent))))
                record.removable = true;
            if (drivers.bound_to_loadable_module(parent))
                record.created_by_module = true;
        }
        devices.push_back(std::move(record));
    }
    std::sort(devices.begin(), devices.end(),
              [](const DeviceRecord& a, const DeviceRecord& b) { return a.syspath < b.syspath; });
    return devices;
}

}  // namespace fastinit
