// How a unit's lists become edges of the graph. Rule: this is the one place
// that says it; the loader's graph (graph.cpp) and instances made on demand
// (graph_instance.cpp) both link through it, so the two cannot drift.
//
//   requires  X: the unit pulls X in (failure propagates), starts after X
//   wants     X: the unit pulls X in (failure tolerated), starts after X
//   wanted_by X: X pulls the unit in (as X's wants), X starts after it
//   after     X: the unit starts after X
//   before    X: X starts after the unit
//   conflicts X: symmetric; starting either stops the other
#pragma once

#include <string>
#include <vector>

#include "initd/unit/unit.h"

namespace fastinit {

struct UnitEdge {
    // The Node list the edge goes in (its `dependents` follow from `after`).
    enum class Kind { requires_, wants, conflicts, after };
    Kind kind;
    // True: from the unit to `other`; false: from `other` to the unit.
    bool from_unit;
    const std::string* other;
    // An `after` edge that a `requires` insists on (cycles are not broken
    // there).
    bool required = false;
};

// Every edge of `unit`'s lists, in list order (requires, wants, wanted_by,
// after, before, conflicts); names point into `unit`.
std::vector<UnitEdge> unit_edges(const Unit& unit);

}  // namespace fastinit
