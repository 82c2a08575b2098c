// A persistent journal file (/var/log/fastinit/BOOT-PART.log) on any bytes:
// `fastinit logs --boot PREV` reads what a crash, a full disk or anyone with
// the directory left there, and it must come back as lines or an error,
// never a crash; what it shows holds no control byte to obey.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "initd/run/journal_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto content = parse_journal_file(text);
    if (!content)
        return 0;
    for (const auto& line : content->lines) {
        if (line.priority < 0 || line.priority > 7 || line.pid < 0 || line.unit.empty())
            std::abort();
        for (unsigned char c : line.text + line.unit)
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                std::abort();
        // What was read writes back as one record.
        std::string record = format_journal_record(line);
        if (record.find('\n') != record.size() - 1)
            std::abort();
    }
    (void)parse_journal_file_name(text);
    return 0;
}
