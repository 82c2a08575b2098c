// A forking service's pid file, written by the daemon (or whoever can write
// there): parse_pid_file on any bytes. An accepted pid is above 1 and came
// from a file no longer than kMaxPidFileSize.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "initd/run/pid_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto pid = parse_pid_file(text);
    if (pid && (*pid <= 1 || size > kMaxPidFileSize))
        std::abort();
    return 0;
}
