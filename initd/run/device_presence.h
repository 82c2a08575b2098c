// Whether an after_devices entry (initd/unit/device_spec.h) is there now.
// Rule: a quick, non-blocking look: stat() for a path, if_nametoindex() for
// net:NAME, and for a tag udev's /dev/disk/by-* link. Only when udevd is
// not running (no link will ever appear) is a tag asked of libblkid, loaded
// on first use so that a manager that never needs it does not map it.
#pragma once

#include <string>

namespace fastinit {

struct DevicePresenceOptions {
    // Prefix for the udev links and udevd's control socket (tests).
    std::string root;
    // udevd's control socket: while it exists, udev's links are the answer.
    std::string udev_control = "/run/udev/control";
};

class DevicePresence {
  public:
    explicit DevicePresence(DevicePresenceOptions options = {}) : m_options(std::move(options)) {}
    // A spec that does not parse is never present (the loader refused it).
    bool present(const std::string& spec);

  private:
    bool tag_present(const std::string& tag, const std::string& value, const std::string& link);

    DevicePresenceOptions m_options;
};

}  // namespace fastinit
