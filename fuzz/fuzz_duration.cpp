// Durations from unit files ("1min 30s"): parse_duration on any bytes; an
// accepted value is never negative nor above the 366-day limit, and formats.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/duration.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = parse_duration(text);
    if (!parsed)
        return 0;
    if (parsed->count() < 0 || *parsed > std::chrono::hours(24 * 366))
        std::abort();
    (void)format_duration(*parsed);
    return 0;
}
