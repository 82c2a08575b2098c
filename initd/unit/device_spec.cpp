#include "initd/unit/device_spec.h"

#include <array>
#include <cstdio>

namespace fastinit {
namespace {

// Linux's IFNAMSIZ less the NUL.
constexpr size_t kMaxInterfaceName = 15;
constexpr size_t kMaxTagValue = 255;
constexpr size_t kMaxPath = 1024;

struct TagInfo {
    std::string_view tag;
    std::string_view link_dir;
};
constexpr std::array<TagInfo, 4> kTags = {{
    {"LABEL", "/dev/disk/by-label/"},
    {"UUID", "/dev/disk/by-uuid/"},
    {"PARTUUID", "/dev/disk/by-partuuid/"},
    {"PARTLABEL", "/dev/disk/by-partlabel/"},
}};

bool has_control_byte(std::string_view text) {
    for (unsigned char c : text)
        if (c < 0x20 || c == 0x7f)
            return true;
    return false;
}

Result<DeviceSpec> parse_net(std::string_view name) {
    if (name.empty() || name.size() > kMaxInterfaceName)
        return Error{"net: needs an interface name of 1 to 15 bytes, e.g. \"net:eth0\""};
    if (name == "." || name == "..")
        return Error{"\"" + std::string(name) + "\" is not an interface name"};
    for (char c : name)
        if (c == '/' || c == ':' || c == ' ' || c == '\t')
            return Error{"an interface name cannot contain '/', ':' or blanks"};
    return DeviceSpec{DeviceSpec::Kind::net, "", std::string(name)};
}

Result<DeviceSpec> parse_path(std::string_view path) {
    if (path.size() > kMaxPath)
        return Error{"the path is longer than 1024 bytes"};
    size_t at = 1;
    while (at <= path.size()) {
        size_t end = path.find('/', at);
        if (end == std::string_view::npos)
            end = path.size();
        std::string_view part = path.substr(at, end - at);
        if (part == "." || part == "..")
            return Error{"the path \"" + std::string(path) +
                         "\" has a \".\" or \"..\" component; write it plainly"};
        at = end + 1;
    }
    if (path.size() < 2 || path.back() == '/')
        return Error{"\"" + std::string(path) + "\" names a directory, not a device"};
    return DeviceSpec{DeviceSpec::Kind::path, "", std::string(path)};
}

}  // namespace

Result<DeviceSpec> parse_device_spec(std::string_view text) {
    constexpr const char* kSpellings =
        "expected LABEL=, UUID=, PARTUUID=, PARTLABEL=, an absolute path or net:NAME";
    if (text.empty())
        return Error{std::string("an empty device; ") + kSpellings};
    if (text.find('\0') != std::string_view::npos || has_control_byte(text))
        return Error{"the device contains a NUL or control byte"};
    if (text[0] == '/')
        return parse_path(text);
    if (text.substr(0, 4) == "net:")
        return parse_net(text.substr(4));
    size_t eq = text.find('=');
    if (eq != std::string_view::npos) {
        std::string_view tag = text.substr(0, eq);
        std::string_view value = text.substr(eq + 1);
        for (const auto& known : kTags) {
            if (tag != known.tag)
                continue;
            if (value.empty() || value.size() > kMaxTagValue)
                return Error{std::string(tag) + "= needs a value of 1 to 255 bytes"};
            return DeviceSpec{DeviceSpec::Kind::tag, std::string(tag), std::string(value)};
        }
    }
    std::string shown(text.substr(0, 64));
    return Error{"\"" + shown + "\" is not a device: " + kSpellings};
}

std::string udev_link_of(const DeviceSpec& spec) {
    std::string link;
    for (const auto& known : kTags)
        if (spec.tag == known.tag)
            link = known.link_dir;
    // udev keeps letters, digits, "#+-.:=@_" and bytes of multi-byte UTF-8;
    // everything else (blanks, '/', '\\', ...) becomes \xNN.
    for (unsigned char c : spec.value) {
        bool keep =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            std::string_view("#+-.:=@_").find(static_cast<char>(c)) != std::string_view::npos ||
            c >= 0x80;
        if (keep) {
            link += static_cast<char>(c);
        } else {
            char buffer[5];
            std::snprintf(buffer, sizeof buffer, "\\x%02x", c);
            link += buffer;
        }
    }
    return link;
}

}  // namespace fastinit
