// A DeviceSource that lists the bus devices in /sys/bus/*/devices (and the
// input and dmi class devices, the only others with a MODALIAS), reading
// each one's uevent file once.
//
// It yields exactly what UdevDeviceSource yields (a test compares the two on
// the host) at a fraction of the cost, and the fingerprint is on the boot's
// critical path: libudev spends about a hundred system calls per device
// resolving paths and probing attributes, this about five. It does not walk
// /sys/devices either: most of that tree's directories are class devices
// (ttys, block devices, network interfaces, ...) without a modalias, and
// drivers, MODALIAS and the USB and HID ancestors that make a device
// removable all belong to bus devices.
//
// The sysfs root is a parameter, so tests can run it on a fake tree.
#pragma once

#include <string>

#include "device-cache/device.h"

namespace fastinit {

class SysfsDeviceSource : public DeviceSource {
  public:
    explicit SysfsDeviceSource(std::string sysfs_root = "/sys") : m_root(std::move(sysfs_root)) {}

    Result<std::vector<DeviceRecord>> enumerate() override;

  private:
    std::string m_root;
};

}  // namespace fastinit
