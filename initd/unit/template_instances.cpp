// instantiate_templates() (declared in unit_loader.h): a worklist over the
// names units refer to, so instances that name further instances are made
// too, without recursion and with a cap (kMaxInstances).
#include <deque>
#include <utility>

#include "initd/unit/unit_loader.h"
#include "initd/unit/unit_parser.h"
#include "initd/unit/unit_template.h"

namespace fastinit {
namespace {

struct Wanted {
    std::string name;
    std::string referrer;  // the file that names it; empty for a root
};

void push_references(const Unit& unit, std::deque<Wanted>& pending) {
    for (const auto* list : {&unit.requires_, &unit.wants, &unit.after, &unit.before,
                             &unit.conflicts, &unit.wanted_by})
        for (const auto& name : *list)
            pending.push_back({name, unit.path});
}

void report(UnitSet& set, const Wanted& wanted, std::string message) {
    Diagnostic d;
    d.file = wanted.referrer;
    d.message = std::move(message);
    set.broken.emplace(wanted.name, d.to_string());
    set.diagnostics.push_back(std::move(d));
}

}  // namespace

void instantiate_templates(UnitSet& set, const std::vector<std::string>& roots) {
    std::deque<Wanted> pending;
    for (const auto& root : roots)
        pending.push_back({root, ""});
    for (const auto& [name, unit] : set.units)
        push_references(unit, pending);
    size_t made = 0;
    while (!pending.empty()) {
        Wanted wanted = std::move(pending.front());
        pending.pop_front();
        if (set.units.count(wanted.name) || set.broken.count(wanted.name))
            continue;
        auto reference = split_instance_name(wanted.name);
        if (!reference)
            continue;  // a plain name: missing, which the graph reports
        auto found = set.templates.find(reference->template_name);
        if (found == set.templates.end()) {
            if (set.broken.count(reference->template_name))
                report(set, wanted,
                       "cannot make " + wanted.name + ": the template " + reference->template_name +
                           " is broken");
            continue;  // no template: missing, which the graph reports
        }
        const UnitTemplate& source = found->second;
        if (made == kMaxInstances) {
            report(set, wanted,
                   "cannot make " + wanted.name + " from " + source.path + ": more than " +
                       std::to_string(kMaxInstances) + " instances in one load");
            continue;
        }
        auto specifiers = make_specifiers(reference->instance);
        if (!specifiers) {
            report(set, wanted,
                   "cannot make " + wanted.name + " from " + source.path + ": " +
                       specifiers.error().message);
            continue;
        }
        ++made;
        ParsedUnit parsed =
            parse_unit(wanted.name, source.path, source.text, &*specifiers,
                       instance_dropins(set.dropins, reference->template_name, wanted.name));
        for (auto& d : parsed.diagnostics) {
            d.message = "in " + wanted.name + ": " + d.message;
            set.diagnostics.push_back(d);
        }
        if (!parsed.unit) {
            set.broken.emplace(wanted.name, parsed.diagnostics.empty()
                                                ? "broken"
                                                : parsed.diagnostics[0].to_string());
            continue;
        }
        push_references(*parsed.unit, pending);
        set.units.emplace(wanted.name, std::move(*parsed.unit));
    }
}

std::vector<DropIn> instance_dropins(const std::map<std::string, std::vector<UnitSource>>& dropins,
                                     const std::string& template_name,
                                     const std::string& instance_name) {
    std::vector<DropIn> out;
    for (const auto& name : {template_name, instance_name}) {
        auto it = dropins.find(name);
        if (it != dropins.end())
            for (const auto& d : it->second)
                out.push_back({d.path, d.text});
    }
    return out;
}

}  // namespace fastinit
