// /etc/fastinit/kdump.toml on any bytes: `fastinit kdump` and a crash
// kernel's stage 1 parse it. Whatever it holds comes back as a
// configuration within its bounds or an Error naming the file.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "kdump/kdump_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto config = parse_kdump_config(text, "kdump.toml");
    if (!config) {
        if (!config.error().message.starts_with("kdump.toml"))
            std::abort();
        return 0;
    }
    if (config->target.empty() || config->target[0] != '/')
        std::abort();
    if (config->dump_level < 0 || config->dump_level > 31)
        std::abort();
    if (config->timeout <= Duration::zero() || config->timeout > std::chrono::hours(24))
        std::abort();
    if (!config->initrds.empty() && !config->kernel)
        std::abort();
    return 0;
}
