// /sys/class/tty/console/active as hostile text: console_terminals on any
// bytes. Every terminal it returns is a valid instance name, there are at
// most kMaxConsoles, none twice.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string_view>

#include "initd/unit/console_getty.h"
#include "initd/unit/unit_template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<Diagnostic> warnings;
    auto ttys = console_terminals(text, "active", warnings);
    if (ttys.size() > kMaxConsoles)
        std::abort();
    std::set<std::string> seen;
    for (const auto& tty : ttys)
        if (!make_specifiers(tty) || !seen.insert(tty).second)
            std::abort();
    return 0;
}
