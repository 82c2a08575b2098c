#include "initd/unit/console_getty.h"

#include <algorithm>

#include "initd/unit/environment_name.h"
#include "initd/unit/unit_template.h"

namespace fastinit {

std::vector<std::string> console_terminals(std::string_view active, const std::string& path,
                                           std::vector<Diagnostic>& warnings) {
    std::vector<std::string> ttys;
    auto warn = [&](std::string message) {
        Diagnostic d;
        d.severity = Diagnostic::Severity::warning;
        d.file = path;
        d.message = std::move(message);
        warnings.push_back(std::move(d));
    };
    size_t i = 0;
    while (i < active.size()) {
        if (active[i] == ' ' || active[i] == '\t' || active[i] == '\n') {
            ++i;
            continue;
        }
        size_t end = active.find_first_of(" \t\n", i);
        if (end == std::string_view::npos)
            end = active.size();
        std::string tty(active.substr(i, end - i));
        i = end;
        if (tty == "tty0")
            tty = "tty1";
        if (auto valid = make_specifiers(tty); !valid) {
            warn("console \"" + escape_for_message(tty) +
                 "\" gets no getty: " + valid.error().message);
            continue;
        }
        if (std::find(ttys.begin(), ttys.end(), tty) != ttys.end())
            continue;
        if (ttys.size() == kMaxConsoles) {
            warn("more than " + std::to_string(kMaxConsoles) + " consoles; the rest get no getty");
            break;
        }
        ttys.push_back(std::move(tty));
    }
    return ttys;
}

std::vector<std::string> want_console_gettys(UnitSet& set, const std::vector<std::string>& ttys) {
    std::vector<std::string> added;
    auto target = set.units.find("multi-user");
    if (target == set.units.end() || !set.templates.count("getty@"))
        return added;
    auto& wants = target->second.wants;
    for (const auto& tty : ttys) {
        std::string name = "getty@" + tty;
        if (std::find(wants.begin(), wants.end(), name) != wants.end())
            continue;
        wants.push_back(name);
        added.push_back(std::move(name));
    }
    return added;
}

}  // namespace fastinit
