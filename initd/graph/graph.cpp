#include "initd/graph/graph.h"

#include <algorithm>
#include <deque>
#include <set>

#include "base/text.h"
#include "initd/graph/unit_edges.h"

namespace fastinit {
namespace {

struct OrderingEdge {
    size_t dependent;
    size_t dependency;
    bool required;  // some `requires` insists on this order
};

class GraphBuilder {
  public:
    explicit GraphBuilder(const UnitSet& units) : m_units(units) {}

    Graph build() {
        m_graph.nodes.reserve(m_units.units.size() + m_units.broken.size());
        for (const auto& [name, unit] : m_units.units) {
            Node& node = m_graph.nodes[node_for(name)];
            node.unit = unit;
            node.status = NodeStatus::loaded;
            node.failure.clear();
        }
        for (const auto& [name, why] : m_units.broken) {
            size_t i = node_for(name);
            m_graph.nodes[i].status = NodeStatus::broken;
            m_graph.nodes[i].failure = "unit file is broken: " + why;
        }
        for (const auto& [name, unit] : m_units.units)
            link(m_graph.index.at(name), unit);
        break_cycles();
        for (size_t i = 0; i < m_graph.nodes.size(); ++i)
            for (size_t j : m_graph.nodes[i].after)
                m_graph.nodes[j].dependents.push_back(i);
        m_graph.templates = m_units.templates;
        m_graph.dropins = m_units.dropins;
        return std::move(m_graph);
    }

  private:
    size_t node_for(const std::string& name) {
        auto it = m_graph.index.find(name);
        if (it != m_graph.index.end())
            return it->second;
        size_t i = m_graph.nodes.size();
        m_graph.nodes.push_back(missing_node(name));
        m_graph.index.emplace(name, i);
        return i;
    }

    void link(size_t i, const Unit& unit) {
        for (const UnitEdge& edge : unit_edges(unit)) {
            size_t j = node_for(*edge.other);
            size_t from = edge.from_unit ? i : j;
            size_t to = edge.from_unit ? j : i;
            switch (edge.kind) {
                case UnitEdge::Kind::requires_:
                    add_unique(m_graph.nodes[from].requires_, to);
                    break;
                case UnitEdge::Kind::wants:
                    add_unique(m_graph.nodes[from].wants, to);
                    break;
                case UnitEdge::Kind::conflicts:
                    add_unique(m_graph.nodes[from].conflicts, to);
                    add_unique(m_graph.nodes[to].conflicts, from);
                    break;
                case UnitEdge::Kind::after:
                    order(from, to, edge.required);
                    break;
            }
        }
    }

    static void add_unique(std::vector<size_t>& list, size_t value) {
        if (std::find(list.begin(), list.end(), value) == list.end())
            list.push_back(value);
    }

    void order(size_t dependent, size_t dependency, bool required) {
        if (dependent == dependency) {
            if (required)
                fail_self_requirement(dependent);
            return;
        }
        auto [it, inserted] = m_edge_index.try_emplace({dependent, dependency}, m_edges.size());
        if (!inserted) {
            m_edges[it->second].required = m_edges[it->second].required || required;
            return;
        }
        m_edges.push_back({dependent, dependency, required});
    }

    void fail_self_requirement(size_t i) {
        Node& n = m_graph.nodes[i];
        n.failure = "dependency cycle: " + n.name + " requires itself";
        problem(Diagnostic::Severity::error, i, n.failure);
    }

    void problem(Diagnostic::Severity severity, size_t node, std::string message) {
        Diagnostic d;
        d.severity = severity;
        const Node& n = m_graph.nodes[node];
        d.file = n.unit ? n.unit->path : n.name;
        d.message = std::move(message);
        m_graph.problems.push_back(std::move(d));
    }

    // Finds one cycle among the live ordering edges and returns the indices
    // of its edges in path order, or an empty vector when the graph is a DAG.
    // Iterative DFS (no recursion depth tied to the graph size).
    std::vector<size_t> find_cycle() const {
        size_t n = m_graph.nodes.size();
        std::vector<std::vector<size_t>> out(n);  // node → edge indices
        for (size_t e = 0; e < m_edges.size(); ++e)
            if (m_live[e])
                out[m_edges[e].dependent].push_back(e);
        enum Color : char { white, grey, black };
        std::vector<Color> color(n, white);
        std::vector<size_t> via(n, SIZE_MAX);  // edge used to reach the node
        for (size_t start = 0; start < n; ++start) {
            if (color[start] != white)
                continue;
            std::vector<std::pair<size_t, size_t>> stack{{start, 0}};
            color[start] = grey;
            while (!stack.empty()) {
                auto& [node, next] = stack.back();
                if (next == out[node].size()) {
                    color[node] = black;
                    stack.pop_back();
                    continue;
                }
                size_t e = out[node][next++];
                size_t to = m_edges[e].dependency;
                if (color[to] == grey) {
                    std::vector<size_t> cycle{e};
                    for (size_t at = node; at != to; at = m_edges[via[at]].dependent)
                        cycle.push_back(via[at]);
                    std::reverse(cycle.begin(), cycle.end());
                    return cycle;
                }
                if (color[to] == white) {
                    color[to] = grey;
                    via[to] = e;
                    stack.push_back({to, 0});
                }
            }
        }
        return {};
    }

    std::string describe(const std::vector<size_t>& cycle) const {
        // Edges point from a unit to what it waits for: "a → b" = a after b.
        std::string path = m_graph.nodes[m_edges[cycle.front()].dependent].name;
        for (size_t e : cycle)
            path += " → " + m_graph.nodes[m_edges[e].dependency].name;
        return path;
    }

    void break_cycles() {
        m_live.assign(m_edges.size(), true);
        for (;;) {
            std::vector<size_t> cycle = find_cycle();
            if (cycle.empty())
                break;
            std::string path = describe(cycle);
            auto weak = std::find_if(cycle.begin(), cycle.end(),
                                     [&](size_t e) { return !m_edges[e].required; });
            if (weak != cycle.end()) {
                const auto& e = m_edges[*weak];
                m_live[*weak] = false;
                problem(Diagnostic::Severity::warning, e.dependent,
                        "ordering cycle " + path + "; dropped the ordering of " +
                            m_graph.nodes[e.dependent].name + " after " +
                            m_graph.nodes[e.dependency].name);
                continue;
            }
            // Every edge is a `requires`: no order can satisfy it.
            for (size_t e : cycle) {
                m_live[e] = false;
                Node& n = m_graph.nodes[m_edges[e].dependent];
                if (n.failure.empty())
                    n.failure = "dependency cycle: " + path;
            }
            problem(Diagnostic::Severity::error, m_edges[cycle.front()].dependent,
                    "dependency cycle " + path + " has only requires edges; its units fail");
        }
        for (size_t e = 0; e < m_edges.size(); ++e)
            if (m_live[e])
                m_graph.nodes[m_edges[e].dependent].after.push_back(m_edges[e].dependency);
    }

    const UnitSet& m_units;
    Graph m_graph;
    std::vector<OrderingEdge> m_edges;
    std::map<std::pair<size_t, size_t>, size_t> m_edge_index;
    std::vector<bool> m_live;
};

}  // namespace

std::optional<size_t> Graph::find(const std::string& name) const {
    auto it = index.find(name);
    if (it == index.end())
        return std::nullopt;
    return it->second;
}

std::vector<size_t> Graph::closure(size_t root) const {
    std::vector<size_t> order{root};
    std::vector<bool> seen(nodes.size(), false);
    seen[root] = true;
    for (size_t k = 0; k < order.size(); ++k) {
        const Node& n = nodes[order[k]];
        for (const auto* list : {&n.requires_, &n.wants})
            for (size_t j : *list)
                if (!seen[j]) {
                    seen[j] = true;
                    order.push_back(j);
                }
    }
    return order;
}

Node missing_node(const std::string& name) {
    Node node;
    node.name = name;
    node.status = NodeStatus::missing;
    node.failure = "no unit file named " + name + ".toml in the search path";
    return node;
}

Graph build_graph(const UnitSet& units) {
    return GraphBuilder(units).build();
}

std::vector<Diagnostic> closure_problems(const Graph& graph, size_t root) {
    std::vector<Diagnostic> out;
    for (size_t i : graph.closure(root)) {
        const Node& n = graph.nodes[i];
        for (size_t j : n.requires_) {
            const Node& dep = graph.nodes[j];
            if (dep.status == NodeStatus::loaded)
                continue;
            Diagnostic d;
            d.file = n.unit ? n.unit->path : n.name;
            d.key = "unit.requires";
            d.message = n.name + " requires " + dep.name + ", which cannot start (" + dep.failure +
                        "); " + n.name + " will be skipped";
            out.push_back(std::move(d));
        }
        for (size_t j : n.wants) {
            const Node& dep = graph.nodes[j];
            if (dep.status == NodeStatus::loaded)
                continue;
            Diagnostic d;
            d.severity = Diagnostic::Severity::warning;
            d.file = n.unit ? n.unit->path : n.name;
            d.key = "unit.wants";
            d.message =
                n.name + " wants " + dep.name + ", which cannot start (" + dep.failure + ")";
            out.push_back(std::move(d));
        }
    }
    return out;
}

}  // namespace fastinit
