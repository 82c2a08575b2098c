// What the device cache knows about one device, and the seam through which
// devices are discovered.
//
// Only devices that announce a MODALIAS matter: the modalias is what the
// kernel's module aliases match, so it is what decides which modules a
// machine needs.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace fastinit {

struct DeviceRecord {
    std::string syspath;    // /sys/devices/...
    std::string subsystem;  // pci, virtio, acpi, usb, ...
    std::string modalias;
    // Hot-plug-only hardware (USB and HID devices and everything below a USB
    // device). It may come and go between boots, so it never changes the
    // fingerprint.
    bool removable = false;
    // Some ancestor is bound to a driver from a loadable module, so this
    // device only exists once that module is loaded (a virtio disk below
    // virtio_pci, a SCSI disk below ahci). It is not part of the fingerprint,
    // which describes the machine as it looks before any module is loaded.
    bool created_by_module = false;

    bool operator==(const DeviceRecord&) const = default;
};

// Lists the devices present right now. Implementations must return every
// device that has a modalias, in a stable order (by syspath).
class DeviceSource {
  public:
    virtual ~DeviceSource() = default;
    virtual Result<std::vector<DeviceRecord>> enumerate() = 0;
};

}  // namespace fastinit
