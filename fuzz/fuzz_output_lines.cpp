// A service's output on any bytes, fed in pieces as a pipe delivers them:
// every line PID 1 makes of it is valid UTF-8 without control bytes (so it
// can go out over D-Bus), bounded, and a journal that takes them keeps its
// budget. The first byte picks the piece size.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/text.h"
#include "initd/run/journal.h"
#include "initd/run/output_lines.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    if (size == 0)
        return 0;
    const size_t piece = 1 + data[0] % 64;
    std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    Journal journal(kMinJournalSize);
    OutputLines lines;
    auto sink = [&journal](int priority, std::string_view text) {
        // Escaping makes at most 4 bytes of one, U+FFFD 3 of one.
        if (priority < 0 || priority > 7 || text.size() > 4 * kMaxLineBytes || !is_valid_utf8(text))
            std::abort();
        for (char c : text)
            if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
                std::abort();
        journal.append("fuzz", 1, priority, text, 0, 0);
    };
    for (size_t at = 0; at < bytes.size(); at += piece)
        lines.feed(bytes.substr(at, piece), sink);
    lines.finish(sink);
    JournalStats stats = journal.stats();
    if (stats.bytes > stats.budget && stats.lines - stats.dropped > 1)
        std::abort();
    return 0;
}
