// Instances made on demand. Rule: `fastinit start NAME@INSTANCE` for an
// instance no loaded unit names makes it from its template exactly as the
// loader would (same instance-name checks, same parser, same placeholders
// for names with no unit), adds it to the running graph, and keeps the
// graph a DAG: an instance whose ordering would close a cycle is refused,
// not added. The name comes from a bus caller, so it is hostile input.
#pragma once

#include <string>

#include "base/result.h"
#include "initd/graph/graph.h"

namespace fastinit {

// Adds NAME@INSTANCE to `graph` from graph.templates and returns its index
// (the existing one when the name is already a node). Errors say why not:
// not an instance name, no such template, a bad instance name, the
// template's errors for this instance, an ordering cycle, or more than
// kMaxInstances made this way. Names the instance refers to that are not in
// the graph become missing nodes, as at load time; instances it names are
// not made.
Result<size_t> add_instance(Graph& graph, const std::string& name);

}  // namespace fastinit
