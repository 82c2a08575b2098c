// Signal names from unit files (kill_signal, reload_signal): parse_signal_name
// on any bytes; an accepted name is a real signal whose name reads back.
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/signal_name.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = parse_signal_name(text);
    if (!parsed)
        return 0;
    if (*parsed < 1 || *parsed > SIGRTMAX)
        std::abort();
    auto again = parse_signal_name(signal_name(*parsed));
    if (!again || *again != *parsed)
        std::abort();
    return 0;
}
