// A DeviceSource on libudev: it reads sysfs (no udev daemon needed), so it
// works in early boot before anything else runs.
//
// It is the reference implementation. Boot and the `devices` verbs use
// SysfsDeviceSource, which yields the same records (test_device_real checks
// that on the host) with a tenth of the system calls.
#pragma once

#include "device-cache/device.h"

namespace fastinit {

class UdevDeviceSource : public DeviceSource {
  public:
    // Every call scans /sys afresh; nothing is cached between calls, because
    // the probe calls it again precisely to see devices that appeared.
    Result<std::vector<DeviceRecord>> enumerate() override;
};

}  // namespace fastinit
