// A reload as the Manager sees it: a new graph from the loader, merged into
// the running one by name, and a diff. The rules are at apply_reload in
// manager.h; docs/units.md ("Reloading units") says them for users.
#include <utility>

#include "initd/run/manager.h"

namespace fastinit {
namespace {

// A node's definition only: its unit, status and failure, no edges.
Node definition_of(const Node& node) {
    Node out;
    out.name = node.name;
    out.status = node.status;
    out.unit = node.unit;
    out.failure = node.failure;
    return out;
}

bool same_definition(const Node& a, const Node& b) {
    return a.status == b.status && a.failure == b.failure && a.unit == b.unit;
}

bool is_loaded(const Node& node) {
    return node.status == NodeStatus::loaded && node.unit.has_value();
}

std::vector<size_t> remapped(const std::vector<size_t>& list, const std::vector<size_t>& to) {
    std::vector<size_t> out;
    out.reserve(list.size());
    for (size_t i : list)
        out.push_back(to[i]);
    return out;
}

}  // namespace

const Node* Manager::pending_definition(UnitId unit) const {
    auto it = m_pending.find(unit);
    return it == m_pending.end() ? nullptr : &it->second;
}

const Unit* Manager::next_definition(UnitId unit) const {
    const Node* pending = pending_definition(unit);
    const Node& node = pending ? *pending : m_graph.nodes[unit];
    return is_loaded(node) ? &*node.unit : nullptr;
}

// Called by settle() once the unit is down, after what it did with the old
// definition (removing its cgroup and runtime directories).
void Manager::adopt_pending_definition(UnitId unit) {
    auto it = m_pending.find(unit);
    if (it == m_pending.end())
        return;
    Node& node = m_graph.nodes[unit];
    node.status = it->second.status;
    node.unit = std::move(it->second.unit);
    node.failure = std::move(it->second.failure);
    m_pending.erase(it);
}

Result<ReloadDiff> Manager::apply_reload(Graph fresh) {
    m_thread.check("Manager::apply_reload");
    if (m_shutting_down)
        return Error{"the system is shutting down"};
    ReloadDiff diff;
    Graph merged;
    merged.nodes.reserve(m_graph.nodes.size() + fresh.nodes.size());
    std::vector<size_t> to_merged(fresh.nodes.size(), SIZE_MAX);
    std::vector<UnitId> touched;

    // Every unit known now keeps its id.
    for (UnitId i = 0; i < m_graph.nodes.size(); ++i) {
        const Node& now = m_graph.nodes[i];
        auto found = fresh.find(now.name);
        Node next = found ? definition_of(fresh.nodes[*found]) : missing_node(now.name);
        if (found)
            to_merged[*found] = i;
        const Node* pending = pending_definition(i);
        const Node& before = pending ? *pending : now;  // what its next start would have used
        bool was_loaded = is_loaded(before), loaded = is_loaded(next);
        bool down = is_down(m_units[i].state);
        if (!was_loaded && loaded) {
            diff.added.push_back(now.name);
        } else if (was_loaded && !loaded) {
            diff.removed.push_back(now.name);
            if (!down)
                diff.still_running.push_back(now.name);
        } else if (was_loaded && loaded && before.unit != next.unit) {
            diff.changed.push_back(now.name);
            if (!down)
                diff.restart_to_apply.push_back(now.name);
        } else if (was_loaded) {
            ++diff.unchanged;
        }
        if (!same_definition(before, next))
            touched.push_back(i);
        if (down || same_definition(now, next)) {
            m_pending.erase(i);
            merged.nodes.push_back(std::move(next));
        } else {
            // It goes on with what it was started with.
            m_pending[i] = std::move(next);
            merged.nodes.push_back(definition_of(now));
        }
    }
    // New names after them.
    for (size_t j = 0; j < fresh.nodes.size(); ++j) {
        if (to_merged[j] != SIZE_MAX)
            continue;
        to_merged[j] = merged.nodes.size();
        if (is_loaded(fresh.nodes[j]))
            diff.added.push_back(fresh.nodes[j].name);
        touched.push_back(to_merged[j]);
        merged.nodes.push_back(definition_of(fresh.nodes[j]));
    }
    // The new edges, in the merged ids; a name only the old graph knew has
    // none (the fresh graph is a DAG, so the merged one is too).
    for (size_t j = 0; j < fresh.nodes.size(); ++j) {
        const Node& from = fresh.nodes[j];
        Node& to = merged.nodes[to_merged[j]];
        to.requires_ = remapped(from.requires_, to_merged);
        to.wants = remapped(from.wants, to_merged);
        to.conflicts = remapped(from.conflicts, to_merged);
        to.after = remapped(from.after, to_merged);
        to.dependents = remapped(from.dependents, to_merged);
    }
    for (size_t i = 0; i < merged.nodes.size(); ++i)
        merged.index.emplace(merged.nodes[i].name, i);
    merged.problems = std::move(fresh.problems);
    merged.templates = std::move(fresh.templates);
    merged.dropins = std::move(fresh.dropins);
    merged.instances_made = m_graph.instances_made;
    m_graph = std::move(merged);

    size_t count = m_graph.nodes.size();
    m_units.resize(count);
    m_queued.resize(count, false);
    if (!m_shutdown_job.empty())
        m_shutdown_job.resize(count, false);
    // Added units are not started: a start request pulls them in. Units in
    // a start or stop job look at their new ordering edges again.
    for (UnitId i = 0; i < count; ++i)
        if (m_units[i].state == UnitState::waiting || m_units[i].stop_requested)
            enqueue(i);
    for (UnitId i : touched)
        changed(i);
    process();
    return diff;
}

}  // namespace fastinit
