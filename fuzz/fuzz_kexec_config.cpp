// /etc/fastinit/kexec.toml on any bytes: `fastinit reboot` parses it, and
// whatever the file holds must come back as a configuration or an Error
// naming the file, never an exception or toml++ crashing (base/toml_guard.h).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "kexec/kexec_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto config = parse_kexec_config(text, "kexec.toml");
    if (!config) {
        if (!config.error().message.starts_with("kexec.toml"))
            std::abort();
        return 0;
    }
    // An initrd always comes with its kernel; no value is empty.
    if (!config->initrds.empty() && !config->kernel)
        std::abort();
    for (const std::string& initrd : config->initrds)
        if (initrd.empty())
            std::abort();
    return 0;
}
