#include "initd/graph/graph_instance.h"

#include <algorithm>
#include <deque>
#include <set>

#include "initd/graph/unit_edges.h"
#include "initd/unit/unit_parser.h"
#include "initd/unit/unit_template.h"

namespace fastinit {
namespace {

void add_unique(std::vector<size_t>& list, size_t value) {
    if (std::find(list.begin(), list.end(), value) == list.end())
        list.push_back(value);
}

// The edges the instance would add (unit_edges.h), by node index; a name
// not in the graph is `missing` (a placeholder node made only once the
// instance is accepted).
struct Edges {
    std::vector<std::pair<std::string, size_t>> missing;  // name → future index
    std::vector<size_t> requires_, wants, conflicts, wanted_by;
    std::vector<size_t> after;   // the instance starts after these
    std::vector<size_t> before;  // these start after the instance
};

class Linker {
  public:
    Linker(const Graph& graph, size_t self) : m_graph(graph), m_self(self) {}

    size_t index_of(const std::string& name) {
        if (auto i = m_graph.find(name))
            return *i;
        for (const auto& [missing, i] : edges.missing)
            if (missing == name)
                return i;
        size_t i = m_self + 1 + edges.missing.size();
        edges.missing.emplace_back(name, i);
        return i;
    }

    Edges edges;

  private:
    const Graph& m_graph;
    size_t m_self;
};

// Whether `to` is reachable from any of `from` along `after` edges (from a
// unit to those it starts after): then `to` before the instance before
// `from` would close a cycle.
bool reaches(const Graph& graph, const std::vector<size_t>& from, const std::set<size_t>& to) {
    std::vector<bool> seen(graph.nodes.size(), false);
    std::deque<size_t> todo;
    for (size_t i : from)
        if (i < graph.nodes.size() && !seen[i]) {
            seen[i] = true;
            todo.push_back(i);
        }
    while (!todo.empty()) {
        size_t i = todo.front();
        todo.pop_front();
        if (to.count(i))
            return true;
        for (size_t j : graph.nodes[i].after)
            if (!seen[j]) {
                seen[j] = true;
                todo.push_back(j);
            }
    }
    return false;
}

}  // namespace

Result<size_t> add_instance(Graph& graph, const std::string& name) {
    if (auto existing = graph.find(name))
        return *existing;
    auto reference = split_instance_name(name);
    if (!reference || !is_valid_unit_name(name)) {
        // Not echoed whole: a bus caller may send a megabyte.
        std::string shown = name.size() > 200 ? name.substr(0, 200) + "..." : name;
        return Error{"no such unit: " + shown};
    }
    auto found = graph.templates.find(reference->template_name);
    if (found == graph.templates.end())
        return Error{"no such unit: " + name + " (no template " + reference->template_name + ")"};
    if (graph.instances_made >= kMaxInstances)
        return Error{"cannot make " + name + ": " + std::to_string(kMaxInstances) +
                     " instances have been made already"};
    const UnitTemplate& source = found->second;
    auto specifiers = make_specifiers(reference->instance);
    if (!specifiers)
        return Error{"cannot make " + name + " from " + source.path + ": " +
                     specifiers.error().message};
    // The same drop-ins as an instance made at load gets.
    ParsedUnit parsed = parse_unit(name, source.path, source.text, &*specifiers,
                                   instance_dropins(graph.dropins, reference->template_name, name));
    if (!parsed.unit)
        return Error{"cannot make " + name + ": " +
                     (parsed.diagnostics.empty() ? std::string("broken")
                                                 : parsed.diagnostics[0].to_string())};
    const Unit& unit = *parsed.unit;

    size_t self = graph.nodes.size();
    Linker linker(graph, self);
    Edges& e = linker.edges;
    for (const UnitEdge& edge : unit_edges(unit)) {
        size_t j = linker.index_of(*edge.other);
        switch (edge.kind) {
            case UnitEdge::Kind::requires_:
                add_unique(e.requires_, j);
                break;
            case UnitEdge::Kind::wants:
                add_unique(edge.from_unit ? e.wants : e.wanted_by, j);
                break;
            case UnitEdge::Kind::conflicts:
                add_unique(e.conflicts, j);
                break;
            case UnitEdge::Kind::after:
                add_unique(edge.from_unit ? e.after : e.before, j);
                break;
        }
    }
    if (std::find(e.after.begin(), e.after.end(), self) != e.after.end() ||
        std::find(e.before.begin(), e.before.end(), self) != e.before.end())
        return Error{"cannot make " + name + ": it is ordered after itself"};
    std::set<size_t> before(e.before.begin(), e.before.end());
    for (size_t j : e.after)
        if (before.count(j) || reaches(graph, {j}, before))
            return Error{"cannot make " + name + ": its ordering would close a cycle through " +
                         (j < graph.nodes.size() ? graph.nodes[j].name : name)};

    // Accepted: the node, the placeholders, then the edges both ways.
    Node node;
    node.name = name;
    node.unit = std::move(*parsed.unit);
    graph.nodes.push_back(std::move(node));
    graph.index.emplace(name, self);
    for (const auto& [missing, i] : e.missing) {
        graph.nodes.push_back(missing_node(missing));
        graph.index.emplace(missing, i);
    }
    Node& n = graph.nodes[self];
    n.requires_ = e.requires_;
    n.wants = e.wants;
    for (size_t j : e.wanted_by)
        add_unique(graph.nodes[j].wants, self);
    for (size_t j : e.conflicts) {
        add_unique(n.conflicts, j);
        add_unique(graph.nodes[j].conflicts, self);
    }
    for (size_t j : e.after) {
        add_unique(n.after, j);
        add_unique(graph.nodes[j].dependents, self);
    }
    for (size_t j : e.before) {
        add_unique(graph.nodes[j].after, self);
        add_unique(n.dependents, j);
    }
    ++graph.instances_made;
    return self;
}

}  // namespace fastinit
