// Unit files, which PID 1 parses at every boot: parse_unit on any bytes, as
// PID 1 runs it in-process (the guard in front of toml++ included), so the
// toml++ 3.3.0 bugs the guard knows of must not crash it. The forked
// pre-flight is not fuzzed here: a child dying is what it is built for.
// Drop-ins too: bytes after a line "%%dropin%%" are a drop-in merged over
// the bytes before it (the seeds in the corpus have one; the marker is not
// TOML, so no input that is means something else now).
#include <cstdint>
#include <string_view>
#include <vector>

#include "initd/unit/unit_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<fastinit::DropIn> dropins;
    constexpr std::string_view kMarker = "\n%%dropin%%\n";
    if (size_t at = text.find(kMarker); at != std::string_view::npos) {
        dropins.push_back({"/units/fuzz.toml.d/10.toml", text.substr(at + kMarker.size())});
        text = text.substr(0, at + 1);
    }
    fastinit::ParsedUnit parsed =
        fastinit::parse_unit("fuzz", "/units/fuzz.toml", text, nullptr, dropins);
    for (const auto& d : parsed.diagnostics)
        (void)d.to_string();
    return 0;
}
