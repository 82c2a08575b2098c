#include "base/boot_path.h"

#include "base/text.h"

namespace fastinit {
namespace {

constexpr size_t kTypeOfLoaderOffset = 0x210;
constexpr unsigned kKexecLoaderId = 0xD;

}  // namespace

BootPath boot_path_from_params(std::string_view boot_params) {
    if (boot_params.size() <= kTypeOfLoaderOffset)
        return BootPath::unknown;
    unsigned type = static_cast<unsigned char>(boot_params[kTypeOfLoaderOffset]);
    // 0: no loader said who it was (a kernel entered some other way).
    if (type == 0)
        return BootPath::unknown;
    return (type >> 4) == kKexecLoaderId ? BootPath::kexec : BootPath::firmware;
}

BootPath read_boot_path(const std::string& boot_params_path) {
    auto bytes = read_file_at_most(boot_params_path, 4096);
    return bytes ? boot_path_from_params(*bytes) : BootPath::unknown;
}

const char* boot_path_name(BootPath path) {
    switch (path) {
        case BootPath::kexec:
            return "kexec";
        case BootPath::firmware:
            return "firmware";
        case BootPath::unknown:
            break;
    }
    return "unknown";
}

}  // namespace fastinit
