// A trial boot's files (base/trial_boot.h): RUNTIME/trial, which `fastinit
// status` reads, and /var/lib/fastinit/try, which `fastinit bless` reads and
// rewrites: any bytes.
//
// Input: the text of either file. What parses must format and parse again
// to the same values.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/trial_boot.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto state = parse_trial_state(text)) {
        auto again = parse_trial_state(format_trial_state(*state));
        if (!again || again->status != state->status ||
            again->deadline_seconds != state->deadline_seconds ||
            again->deadline_epoch != state->deadline_epoch)
            std::abort();
    }
    if (auto record = parse_trial_record(text)) {
        auto again = parse_trial_record(format_trial_record(*record));
        if (!again || again->outcome != record->outcome || again->kernel != record->kernel ||
            again->cmdline != record->cmdline ||
            again->requested_epoch != record->requested_epoch ||
            again->settled_epoch != record->settled_epoch)
            std::abort();
    }
    return 0;
}
