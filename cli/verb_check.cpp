// `fastinit check DIR... [--target NAME] [--fstab FILE]`: validates unit
// files offline and reports graph problems without running anything. With
// --fstab, the units that fstab generates at boot join the check, and the
// fstab's own problems are reported (as if stage 1 left / read-only, the
// usual case, so the root's fsck shows).
#include <cstdio>

#include "base/args.h"
#include "cli/verbs.h"
#include "initd/graph/graph.h"
#include "initd/unit/fstab_units.h"
#include "initd/unit/unit_loader.h"

namespace fastinit {

int verb_check(const ClientContext&, const Args& args) {
    std::string target;
    std::string fstab;
    auto dirs = arg::parse(
        {.options = {arg::value("--target", target), arg::value("--fstab", fstab)}}, args);
    if (!dirs) {
        std::fprintf(stderr, "fastinit check: %s\n", dirs.error().message.c_str());
        return 2;
    }
    if (dirs->empty()) {
        std::fprintf(stderr, "usage: fastinit check DIR... [--target NAME] [--fstab FILE]\n");
        return 2;
    }

    UnitSet units = load_units(*dirs);
    if (!fstab.empty())
        load_fstab_units(
            units,
            {.fstab_path = fstab, .root_read_only = true, .client_program = "/usr/sbin/fastinit"});
    if (!target.empty())
        instantiate_templates(units, {target});  // the target may be an instance
    Graph graph = build_graph(units);
    int errors = 0, warnings = 0;
    auto print = [&](const Diagnostic& d) {
        std::printf("%s\n", d.to_string().c_str());
        (d.severity == Diagnostic::Severity::error ? errors : warnings)++;
    };
    for (const auto& d : units.diagnostics)
        print(d);
    for (const auto& d : graph.problems)
        print(d);
    if (target.empty() && graph.find("default"))
        target = "default";
    if (!target.empty()) {
        auto root = graph.find(target);
        if (!root || graph.nodes[*root].status == NodeStatus::missing) {
            std::printf("error: target %s does not exist\n", target.c_str());
            ++errors;
        } else {
            for (const auto& d : closure_problems(graph, *root))
                print(d);
            std::printf("target %s pulls in %zu units\n", target.c_str(),
                        graph.closure(*root).size());
        }
    }
    std::printf("%zu units loaded, %zu broken: %d errors, %d warnings\n", units.units.size(),
                units.broken.size(), errors, warnings);
    return errors ? 1 : 0;
}

}  // namespace fastinit
