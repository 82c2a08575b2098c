// systemd service files as `fastinit import-systemd` reads them: the INI
// parser and the whole conversion on any bytes. Every problem names the
// file; every entry has a section and a key and no NUL; what the converter
// says loads must load in fastinit's own parser, as a template too.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cli/systemd_import.h"
#include "cli/systemd_unit_file.h"
#include "initd/unit/unit_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    SystemdUnitFile file = parse_systemd_unit("/x/a.service", text);
    if (file.entries.size() > kSystemdMaxEntries)
        std::abort();
    for (const auto& p : file.problems)
        if (p.rfind("/x/a.service", 0) != 0)
            std::abort();
    for (const auto& e : file.entries)
        if (e.section.empty() || e.key.empty() || e.value.find('\0') != std::string::npos ||
            e.line < 1)
            std::abort();
    for (std::string_view name : {"a.service", "a@.service"}) {
        ImportedUnit unit = import_systemd_unit(name, "/x/a.service", text);
        if (!unit.parses)
            continue;
        bool is_template = name[1] == '@';
        Specifiers spec{"i", "i"};
        ParsedUnit again = parse_unit(is_template ? "a@i" : "a", "/x/a.service", unit.toml,
                                      is_template ? &spec : nullptr);
        if (!again.unit)
            std::abort();
    }
    return 0;
}
