// /etc/fastinit/system.toml on any bytes: PID 1 reads it at boot, and
// whatever it holds must come back as settings and problems naming the
// file, never an exception or toml++ crashing (base/toml_guard.h).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "initd/unit/system_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    SystemConfig config = parse_system_config(text, "system.toml");
    for (const auto& problem : config.problems)
        if (!problem.starts_with("system.toml"))
            std::abort();
    // A size is a size: parse_byte_size's bound, whatever the text.
    if (config.journal_size && *config.journal_size > (uint64_t{1} << 62))
        std::abort();
    return 0;
}
