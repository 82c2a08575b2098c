// The unit graph: every loaded unit plus a placeholder for each name that is
// referenced but missing or broken, linked by index.
//
// Two kinds of edges:
//  - pull-in edges (requires, wants; wanted_by is folded into the wanted-by
//    unit's wants) decide which units a start request brings in;
//  - ordering edges ("A after B": from A.after, A.requires, A.wants and
//    B.before) decide when a pulled-in unit may start.
// build_graph() removes ordering cycles so the manager always sees a DAG:
// a cycle is broken at an edge that no `requires` insists on; a cycle made of
// `requires` edges only cannot be broken, and its units are marked failed.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "initd/unit/diagnostic.h"
#include "initd/unit/unit.h"
#include "initd/unit/unit_loader.h"

namespace fastinit {

enum class NodeStatus { loaded, missing, broken };

struct Node {
    std::string name;
    NodeStatus status = NodeStatus::loaded;
    std::optional<Unit> unit;  // set when status is loaded
    // Why this node cannot run (missing, broken, on an unbreakable cycle).
    // Empty when it can.
    std::string failure;

    std::vector<size_t> requires_;   // pull-in, failure propagates
    std::vector<size_t> wants;       // pull-in, failure tolerated
    std::vector<size_t> conflicts;   // symmetric
    std::vector<size_t> after;       // ordering: start once these settle
    std::vector<size_t> dependents;  // reverse of `after`
};

struct Graph {
    std::vector<Node> nodes;
    std::map<std::string, size_t> index;
    // Warnings and errors about the graph (cycles, missing units).
    std::vector<Diagnostic> problems;
    // The templates the units were made from, for instances made later
    // (graph_instance.h), and how many have been made that way.
    std::map<std::string, UnitTemplate> templates;
    // Their drop-ins and those of instances, by unit name (UnitSet::dropins).
    std::map<std::string, std::vector<UnitSource>> dropins;
    size_t instances_made = 0;

    std::optional<size_t> find(const std::string& name) const;
    // Every node the root pulls in (itself included), through requires and
    // wants, in breadth-first order.
    std::vector<size_t> closure(size_t root) const;
};

Graph build_graph(const UnitSet& units);

// The placeholder for a name no unit file defines: named, started never.
Node missing_node(const std::string& name);

// Problems that matter for one start request: missing/broken units in the
// closure of `root` (errors when required, warnings when wanted).
std::vector<Diagnostic> closure_problems(const Graph& graph, size_t root);

}  // namespace fastinit
