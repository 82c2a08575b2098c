// A crash dump's record (kdump/dump_record.h) on any bytes: the disk held a
// crashed system's files. `fastinit kdump list` reads it; whatever it
// holds comes back as a record of valid UTF-8 or an Error, never a throw.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "base/text.h"
#include "kdump/dump_record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string text(reinterpret_cast<const char*>(data), size);
    auto record = parse_dump_record(text);
    if (!record)
        return 0;
    SavedDump dump{"/var/crash/20261206-000000", *record, ""};
    if (!is_valid_utf8(format_dumps({dump})))
        std::abort();
    // What is written back reads back the same.
    auto again = parse_dump_record(dump_record_text(*record));
    if (!again || again->captured_at != record->captured_at || again->kernel != record->kernel ||
        again->problems != record->problems)
        std::abort();
    return 0;
}
