#include "initd/unit_sources.h"

#include "base/log.h"
#include "base/own_path.h"
#include "base/text.h"
#include "initd/unit/console_getty.h"
#include "initd/unit/fstab_units.h"
#include "initd/unit/ifupdown_interfaces.h"
#include "initd/unit/reload_keep.h"
#include "initd/unit/unit_template.h"

namespace fastinit {
namespace {

void log_diagnostic(const Diagnostic& d) {
    log::write_untagged(
        d.severity == Diagnostic::Severity::error ? log::Level::error : log::Level::warning,
        d.to_string());
}

// getty@ for each console the kernel lists, wanted by multi-user.
void add_console_gettys(UnitSet& units, const std::string& console_active) {
    if (console_active.empty())
        return;
    auto text = read_file_at_most(console_active, 4096);
    if (!text) {
        log::debug("no console gettys: ", text.error().message);
        return;
    }
    std::vector<Diagnostic> warnings;
    auto ttys = console_terminals(*text, console_active, warnings);
    for (const auto& d : warnings)
        log_diagnostic(d);
    auto added = want_console_gettys(units, ttys);
    if (!added.empty())
        log::info("multi-user wants ", join(added, ", "), " for the console");
}

// networking waits for the interfaces it raises instead of udev-settle.
void add_interface_waits(UnitSet& units, const std::string& interfaces_path) {
    if (interfaces_path.empty() || !units.units.contains("networking"))
        return;
    AutoInterfaces interfaces = read_auto_interfaces(interfaces_path, real_interfaces_files());
    if (!interfaces.complete) {
        log::info("networking waits for udev-settle: ", interfaces.why_not);
        return;
    }
    auto added = wait_for_interfaces(units, interfaces);
    if (!added.empty())
        log::info("networking waits for ", join(added, ", "), " instead of udev-settle");
}

Graph build_logged_graph(const UnitSet& units) {
    Graph graph = build_graph(units);
    for (const auto& d : graph.problems)
        log_diagnostic(d);
    return graph;
}

}  // namespace

UnitSet read_unit_sources(const UnitSources& sources, const std::vector<std::string>& roots) {
    UnitSet units = load_units(sources.dirs);
    if (!sources.fstab.empty()) {
        FstabContext context{.fstab_path = sources.fstab,
                             .root_read_only = sources.root_read_only,
                             .client_program = sibling_program("fastinit")};
        size_t made = load_fstab_units(units, context);
        log::info("generated ", made, " units from ", sources.fstab);
    }
    add_console_gettys(units, sources.console_active);
    add_interface_waits(units, sources.network_interfaces);
    std::vector<std::string> all_roots = roots;
    all_roots.push_back(sources.target);  // the target may be an instance
    instantiate_templates(units, all_roots);
    for (const auto& d : units.diagnostics)
        log_diagnostic(d);
    log::info("loaded ", units.units.size(), " units (", units.broken.size(), " broken) from ",
              join(sources.dirs, ":"));
    return units;
}

// The unit set is only needed to build the graph, which keeps its own copy
// of every unit: it goes before the manager runs.
Graph load_unit_graph(const UnitSources& sources) {
    return build_logged_graph(read_unit_sources(sources));
}

ReloadReport reload_units(const UnitSources& sources, Manager& manager) {
    ReloadReport report;
    if (manager.shutting_down()) {
        report.error = "the system is shutting down";
        return report;
    }
    const Graph& now = manager.graph();
    std::vector<std::string> names, instances;
    names.reserve(now.nodes.size());
    for (UnitId i = 0; i < now.nodes.size(); ++i) {
        names.push_back(now.nodes[i].name);
        // Instances made on demand (`fastinit start NAME@INSTANCE`) live on.
        if (split_instance_name(now.nodes[i].name) && manager.next_definition(i))
            instances.push_back(now.nodes[i].name);
    }
    UnitSet units = read_unit_sources(sources, instances);
    report.kept =
        keep_working_definitions(units, names, [&manager](const std::string& name) -> const Unit* {
            auto id = manager.find(name);
            return id ? manager.next_definition(*id) : nullptr;
        });
    for (const auto& [name, why] : units.broken)
        report.broken.emplace_back(name, why);
    auto diff = manager.apply_reload(build_logged_graph(units));
    if (!diff)
        report.error = diff.error().message;
    else
        report.diff = std::move(*diff);
    return report;
}

}  // namespace fastinit
