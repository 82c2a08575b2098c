#include "initd/run/timeline.h"

#include <nlohmann/json.hpp>

#include "base/text.h"

namespace fastinit {
namespace {

using json = nlohmann::json;

std::optional<long long> since(const std::optional<TimePoint>& at, TimePoint start) {
    if (!at)
        return std::nullopt;
    return std::chrono::duration_cast<std::chrono::microseconds>(*at - start).count();
}

void put(json& object, const char* key, const std::optional<long long>& value) {
    if (value)
        object[key] = *value;
}

std::optional<long long> get(const json& object, const char* key) {
    auto it = object.find(key);
    if (it == object.end() || !it->is_number_integer())
        return std::nullopt;
    return it->get<long long>();
}

// Serializes without throwing: a string with bad UTF-8 that got in anyway
// comes out with U+FFFD, where nlohmann would otherwise throw.
std::string dump(const json& value, int indent) {
    return value.dump(indent, ' ', false, json::error_handler_t::replace);
}

}  // namespace

Timeline make_timeline(const Manager& manager, TimePoint manager_start, const BootFacts& boot) {
    Timeline t;
    t.boot = boot;
    t.manager_start_us =
        std::chrono::duration_cast<std::chrono::microseconds>(manager_start.time_since_epoch())
            .count();
    const Graph& graph = manager.graph();
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        const UnitRuntime& u = manager.runtime(i);
        if (!u.queued_at)
            continue;  // never part of a start job
        const Node& node = graph.nodes[i];
        TimelineEntry e;
        e.name = node.name;
        e.state = to_string(u.state);
        e.result = to_string(u.result);
        e.reason = u.reason;
        e.type = node.unit && node.unit->service ? to_string(node.unit->service->type) : "target";
        e.queued_us = since(u.queued_at, manager_start);
        e.started_us = since(u.started_at, manager_start);
        e.ready_us = since(u.ready_at, manager_start);
        e.finished_us = since(u.finished_at, manager_start);
        if (u.waited_for)
            e.waited_for = graph.nodes[*u.waited_for].name;
        t.units.push_back(std::move(e));
    }
    // The makespan is the boot's: from the first start job's queueing to the
    // last of its units settling. Units started again later are re-queued,
    // so they no longer count (nor does the idle time in between).
    std::optional<long long> first, last;
    for (const auto& e : t.units)
        if (!first || *e.queued_us < *first)
            first = e.queued_us;
    for (const auto& e : t.units) {
        auto end = e.ready_us ? e.ready_us : e.finished_us;
        if (e.queued_us == first && end && (!last || *end > *last))
            last = end;
    }
    if (first && last)
        t.makespan_us = *last - *first;
    return t;
}

void to_json(json& u, const TimelineEntry& e) {
    // Names come from file names and reasons quote what units said: any
    // bytes at all, and JSON holds only UTF-8.
    u = json::object();
    u["name"] = to_valid_utf8(e.name);
    u["state"] = to_valid_utf8(e.state);
    u["result"] = to_valid_utf8(e.result);
    u["type"] = to_valid_utf8(e.type);
    if (!e.reason.empty())
        u["reason"] = to_valid_utf8(e.reason);
    put(u, "queued_us", e.queued_us);
    put(u, "started_us", e.started_us);
    put(u, "ready_us", e.ready_us);
    put(u, "finished_us", e.finished_us);
    if (!e.waited_for.empty())
        u["waited_for"] = to_valid_utf8(e.waited_for);
}

void from_json(const json& u, TimelineEntry& e) {
    e.name = u.at("name").get<std::string>();
    e.state = u.value("state", "");
    e.result = u.value("result", "");
    e.reason = u.value("reason", "");
    e.type = u.value("type", "");
    e.queued_us = get(u, "queued_us");
    e.started_us = get(u, "started_us");
    e.ready_us = get(u, "ready_us");
    e.finished_us = get(u, "finished_us");
    e.waited_for = u.value("waited_for", "");
}

void to_json(json& root, const Timeline& timeline) {
    root = json::object();
    root["manager_start_monotonic_us"] = timeline.manager_start_us;
    root["makespan_us"] = timeline.makespan_us;
    root["manager_start_boottime_us"] = timeline.boot.manager_start_boottime_us;
    root["init_start_boottime_us"] = timeline.boot.init_start_boottime_us;
    if (!timeline.boot.initrd_report.empty()) {
        json initrd = json::parse(timeline.boot.initrd_report, nullptr, false);
        if (!initrd.is_discarded())
            root["initrd"] = std::move(initrd);
    }
    root["units"] = timeline.units;
}

void from_json(const json& root, Timeline& t) {
    t.manager_start_us = get(root, "manager_start_monotonic_us").value_or(0);
    t.makespan_us = get(root, "makespan_us").value_or(0);
    t.boot.manager_start_boottime_us = get(root, "manager_start_boottime_us").value_or(0);
    t.boot.init_start_boottime_us = get(root, "init_start_boottime_us").value_or(0);
    if (auto initrd = root.find("initrd"); initrd != root.end() && initrd->is_object())
        t.boot.initrd_report = dump(*initrd, -1);
    t.units = root.at("units").get<std::vector<TimelineEntry>>();
}

std::string to_json(const Timeline& timeline) {
    return dump(json(timeline), 1) + "\n";
}

Result<Timeline> parse_timeline(const std::string& text) try {
    json root = json::parse(text, nullptr, false);
    if (root.is_discarded() || !root.is_object())
        return Error{"not a boot timeline (invalid JSON)"};
    auto units = root.find("units");
    if (units == root.end() || !units->is_array())
        return Error{"not a boot timeline (no units array)"};
    for (const auto& u : *units)
        if (!u.is_object() || !u.contains("name") || !u["name"].is_string())
            return Error{"not a boot timeline (a unit has no name)"};
    return root.get<Timeline>();
} catch (const json::exception& e) {
    // A field of the wrong type (a number where a name belongs): a file
    // someone else wrote or damaged, which must not bring down a reader.
    return Error{std::string("not a boot timeline (") + e.what() + ")"};
}

}  // namespace fastinit
