// fstab, which PID 1 reads at every boot to generate units: parse_fstab on
// any bytes, then the generator on what it kept. Every kept entry must be
// one the generator can name, and every generated unit name must be valid.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "initd/unit/fstab_units.h"
#include "initd/unit/unit_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    FstabParse parsed = parse_fstab(text, "/etc/fstab");
    for (const auto& d : parsed.diagnostics)
        if (d.line < 1)
            std::abort();
    for (const auto& e : parsed.entries)
        if (e.spec.empty() || e.spec[0] == '-' || e.type.empty() || e.options.empty())
            std::abort();
    UnitSet units;
    add_fstab_units(units, parsed.entries, {});
    for (const auto& [name, unit] : units.units)
        if (!is_valid_unit_name(name) || name != unit.name)
            std::abort();
    return 0;
}
