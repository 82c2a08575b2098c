#include "initd/graph/unit_edges.h"

namespace fastinit {

std::vector<UnitEdge> unit_edges(const Unit& unit) {
    using Kind = UnitEdge::Kind;
    std::vector<UnitEdge> edges;
    for (const auto& name : unit.requires_) {
        edges.push_back({Kind::requires_, true, &name});
        edges.push_back({Kind::after, true, &name, true});
    }
    for (const auto& name : unit.wants) {
        edges.push_back({Kind::wants, true, &name});
        edges.push_back({Kind::after, true, &name});
    }
    for (const auto& name : unit.wanted_by) {
        edges.push_back({Kind::wants, false, &name});
        edges.push_back({Kind::after, false, &name});
    }
    for (const auto& name : unit.after)
        edges.push_back({Kind::after, true, &name});
    for (const auto& name : unit.before)
        edges.push_back({Kind::after, false, &name});
    for (const auto& name : unit.conflicts)
        edges.push_back({Kind::conflicts, true, &name});
    return edges;
}

}  // namespace fastinit
