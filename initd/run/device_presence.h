// Whether an after_devices entry (initd/unit/device_spec.h) is there now.
// Rule: a quick, non-blocking look: stat() for a path, if_nametoindex() for
// net:NAME, and for a tag udev's /dev/disk/by-* link. Only when udevd is
// not running (no link will ever appear) is a tag asked of libblkid, loaded
// on first use so that a manager that never needs it does not map it, and
// asked on a worker thread (tag_lookup.h): until it answers, the tag is not
// there, and wake_fd() says when to look again.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "initd/run/tag_lookup.h"

namespace fastinit {

struct DevicePresenceOptions {
    // Prefix for the udev links and udevd's control socket (tests).
    std::string root;
    // udevd's control socket: while it exists, udev's links are the answer.
    std::string udev_control = "/run/udev/control";
    // Resolves a tag without udev (tests); empty: libblkid's evaluate_tag.
    BackgroundTagLookup::Lookup lookup_tag;
};

class DevicePresence {
  public:
    explicit DevicePresence(DevicePresenceOptions options = {}) : m_options(std::move(options)) {}
    // A spec that does not parse is never present (the loader refused it).
    bool present(const std::string& spec);

    // Readable when a tag's lookup has answered (-1 before the first
    // lookup, or when it could not be made); drain_wake_fd() empties it.
    int wake_fd() const { return m_tags ? m_tags->wake_fd() : -1; }
    void drain_wake_fd() {
        if (m_tags)
            m_tags->drain_wake_fd();
    }
    // A new cue (a uevent, a timer): tags are looked up again.
    void forget_answers() {
        if (m_tags)
            m_tags->forget();
    }

  private:
    bool tag_present(const std::string& tag, const std::string& value, const std::string& link);

    DevicePresenceOptions m_options;
    std::unique_ptr<BackgroundTagLookup> m_tags;  // made on the first tag without udevd
};

}  // namespace fastinit
