#include "device-cache/load_plan.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <unordered_map>

namespace fastinit {
namespace {

struct Edge {
    size_t from;  // the prerequisite
    size_t to;    // the module that waits for it
    bool hard;
    bool dropped = false;
};

}  // namespace

LoadPlan make_load_plan(const std::vector<ModuleSpec>& input) {
    std::vector<const ModuleSpec*> specs;
    std::unordered_map<std::string, size_t> index;
    for (const ModuleSpec& spec : input)
        if (index.emplace(spec.name, specs.size()).second)
            specs.push_back(&spec);
    const size_t count = specs.size();

    std::vector<Edge> edges;
    std::vector<std::vector<size_t>> outgoing(count);
    std::vector<size_t> waiting(count, 0);
    for (size_t to = 0; to < count; ++to) {
        for (const Prerequisite& prerequisite : specs[to]->after) {
            auto found = index.find(prerequisite.module);
            if (found == index.end() || found->second == to)
                continue;
            outgoing[found->second].push_back(edges.size());
            edges.push_back({found->second, to, prerequisite.hard()});
            ++waiting[to];
        }
    }

    // Kahn's algorithm; the smallest input position goes first among the
    // ready modules, so the order is deterministic and close to the input.
    std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
    for (size_t i = 0; i < count; ++i)
        if (waiting[i] == 0)
            ready.push(i);
    std::vector<size_t> order;
    std::vector<bool> placed(count, false);
    LoadPlan plan;
    auto release = [&](size_t module) {
        placed[module] = true;
        order.push_back(module);
        for (size_t e : outgoing[module])
            if (!edges[e].dropped && --waiting[edges[e].to] == 0)
                ready.push(edges[e].to);
    };
    while (order.size() < count) {
        if (!ready.empty()) {
            size_t next = ready.top();
            ready.pop();
            release(next);
            continue;
        }
        // Stuck on a cycle. Free the first unplaced module that waits only
        // on soft edges (the usual culprit: a softdep loop); a cycle of hard
        // dependencies (a broken modules.dep) frees the first one outright.
        auto remaining_edges = [&](size_t module) {
            std::vector<size_t> found;
            for (size_t e = 0; e < edges.size(); ++e)
                if (edges[e].to == module && !edges[e].dropped && !placed[edges[e].from])
                    found.push_back(e);
            return found;
        };
        size_t victim = count;
        for (size_t i = 0; i < count && victim == count; ++i) {
            if (placed[i])
                continue;
            auto waiting_on = remaining_edges(i);
            if (std::none_of(waiting_on.begin(), waiting_on.end(),
                             [&](size_t e) { return edges[e].hard; }))
                victim = i;
        }
        for (size_t i = 0; i < count && victim == count; ++i)
            if (!placed[i])
                victim = i;
        for (size_t e : remaining_edges(victim)) {
            edges[e].dropped = true;
            --waiting[victim];
            plan.notes.push_back("ignored " + specs[edges[e].from]->name + " before " +
                                 specs[victim]->name + " to break a dependency cycle");
        }
        ready.push(victim);
    }

    std::vector<size_t> position(count);
    for (size_t p = 0; p < count; ++p)
        position[order[p]] = p;
    plan.modules.resize(count);
    for (size_t p = 0; p < count; ++p)
        plan.modules[p].spec = *specs[order[p]];
    for (const Edge& edge : edges)
        if (!edge.dropped)
            plan.modules[position[edge.to]].prerequisites.push_back(
                {position[edge.from], edge.hard});
    return plan;
}

}  // namespace fastinit
