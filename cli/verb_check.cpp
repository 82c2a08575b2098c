// `fastinit check DIR... [--target NAME]`: validates unit files offline and
// reports graph problems without running anything.
#include <cstdio>

#include "base/args.h"
#include "cli/verbs.h"
#include "initd/graph/graph.h"
#include "initd/unit/unit_loader.h"

namespace fastinit {

int verb_check(const ClientContext&, const Args& args) {
    std::string target;
    auto dirs = arg::parse({.options = {arg::value("--target", target)}}, args);
    if (!dirs) {
        std::fprintf(stderr, "fastinit check: %s\n", dirs.error().message.c_str());
        return 2;
    }
    if (dirs->empty()) {
        std::fprintf(stderr, "usage: fastinit check DIR... [--target NAME]\n");
        return 2;
    }

    UnitSet units = load_units(*dirs);
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
