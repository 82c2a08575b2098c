// modules-load.d and /etc/modules as hostile text: parse_modules_load on
// any bytes. Every module it returns is a valid name, listed once, at a
// line of the text; there are at most kModulesLoadMaxEntries; every
// problem names the file and is printable UTF-8 after the file name.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string_view>

#include "base/text.h"
#include "device-cache/modules_load.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    ModulesLoadList list;
    parse_modules_load(text, "m.conf", list);
    if (list.modules.size() > kModulesLoadMaxEntries)
        std::abort();
    size_t lines = 1;
    for (char c : text)
        lines += c == '\n';
    std::set<std::string> seen;
    for (const auto& entry : list.modules)
        if (!is_module_name(entry.module) || !seen.insert(entry.module).second || entry.line < 1 ||
            static_cast<size_t>(entry.line) > lines || entry.file != "m.conf")
            std::abort();
    for (const auto& problem : list.problems) {
        if (!problem.starts_with("m.conf:") || !is_valid_utf8(problem))
            std::abort();
        for (unsigned char c : problem)
            if (c < 0x20 || c == 0x7f)
                std::abort();
    }
    return 0;
}
