// after_devices entries, from unit files: parse_device_spec on any bytes. An
// accepted spec has no NUL or control byte, is bounded, and a tag's udev link
// stays inside /dev/disk (no '/' from the value survives the escaping).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "initd/unit/device_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto spec = parse_device_spec(text);
    if (!spec)
        return 0;
    for (unsigned char c : spec->value)
        if (c < 0x20 || c == 0x7f)
            std::abort();
    if (spec->value.empty() || spec->value.size() > 1024)
        std::abort();
    if (spec->kind == DeviceSpec::Kind::tag) {
        std::string link = udev_link_of(*spec);
        if (link.rfind("/dev/disk/by-", 0) != 0 || link.find('/', 13) + 1 == 0 ||
            link.find('/', link.find('/', 13) + 1) != std::string::npos)
            std::abort();
    }
    return 0;
}
