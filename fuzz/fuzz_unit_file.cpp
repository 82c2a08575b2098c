// Unit files, which PID 1 parses at every boot: parse_unit on any bytes, as
// PID 1 runs it in-process (the guard in front of toml++ included), so the
// toml++ 3.3.0 bugs the guard knows of must not crash it. The forked
// pre-flight is not fuzzed here: a child dying is what it is built for.
#include <cstdint>
#include <string_view>

#include "initd/unit/unit_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    fastinit::ParsedUnit parsed = fastinit::parse_unit("fuzz", "/units/fuzz.toml", text);
    for (const auto& d : parsed.diagnostics)
        (void)d.to_string();
    return 0;
}
