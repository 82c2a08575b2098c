#include "initd/unit/reload_keep.h"

#include "initd/unit/unit_template.h"

namespace fastinit {
namespace {

// Why an instance could not be made again: its template's error, or that the
// template is gone.
std::optional<std::string> instance_failure(const UnitSet& fresh, const std::string& name) {
    auto reference = split_instance_name(name);
    if (!reference)
        return std::nullopt;
    if (auto broken = fresh.broken.find(reference->template_name); broken != fresh.broken.end())
        return "template " + broken->second;
    return std::nullopt;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> keep_working_definitions(
    UnitSet& fresh, const std::vector<std::string>& known_names,
    const DefinitionInForce& in_force) {
    std::vector<std::pair<std::string, std::string>> kept;
    for (const auto& name : known_names) {
        if (fresh.units.count(name))
            continue;
        std::optional<std::string> why;
        if (auto broken = fresh.broken.find(name); broken != fresh.broken.end())
            why = broken->second;
        else
            why = instance_failure(fresh, name);
        if (!why)
            continue;  // removed, not broken
        const Unit* before = in_force(name);
        if (!before)
            continue;
        fresh.broken.erase(name);
        fresh.units.emplace(name, *before);
        kept.emplace_back(name, std::move(*why));
    }
    return kept;
}

}  // namespace fastinit
