// after_devices entries. Rule: a spelling is checked once, when the unit file
// is read, and names exactly one thing that either exists or does not:
//
//   LABEL=, UUID=, PARTUUID=, PARTLABEL=   a block device by its tag; present
//                                          when udev's /dev/disk/by-* link is
//                                          there (or libblkid finds it)
//   /absolute/path                         present when stat() succeeds
//                                          (usually /dev/..., any path works)
//   net:NAME                               a network interface by name
//
// Everything is hostile input (unit files, bus callers): lengths are bounded,
// no NUL or control bytes, no "." or ".." path components.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace fastinit {

// How many entries one unit may list.
inline constexpr size_t kMaxDeviceSpecs = 64;

struct DeviceSpec {
    enum class Kind { tag, path, net };
    Kind kind = Kind::path;
    std::string tag;    // "LABEL", "UUID", ... for Kind::tag
    std::string value;  // the tag's value, the path, or the interface name
};

// Errors say what is wrong and what would be right.
Result<DeviceSpec> parse_device_spec(std::string_view text);

// udev's link for a tag: "/dev/disk/by-label/" + the value with every byte
// udev would not keep written as \xNN (as udev's encode_devnode_name does,
// so "my disk" is "my\x20disk"). Only for Kind::tag.
std::string udev_link_of(const DeviceSpec& spec);

}  // namespace fastinit
