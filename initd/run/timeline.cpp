#include "initd/run/timeline.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>

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

std::string ms(long long us) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fms", us / 1000.0);
    return buf;
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
        e.result = u.result;
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

std::string to_json(const Timeline& timeline) {
    json root;
    root["manager_start_monotonic_us"] = timeline.manager_start_us;
    root["makespan_us"] = timeline.makespan_us;
    root["manager_start_boottime_us"] = timeline.boot.manager_start_boottime_us;
    root["init_start_boottime_us"] = timeline.boot.init_start_boottime_us;
    if (!timeline.boot.initrd_report.empty()) {
        json initrd = json::parse(timeline.boot.initrd_report, nullptr, false);
        if (!initrd.is_discarded())
            root["initrd"] = std::move(initrd);
    }
    json units = json::array();
    for (const auto& e : timeline.units) {
        // Names come from file names and reasons quote what units said:
        // any bytes at all, and JSON holds only UTF-8.
        json u;
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
        units.push_back(std::move(u));
    }
    root["units"] = std::move(units);
    return dump(root, 1) + "\n";
}

Result<Timeline> parse_timeline(const std::string& text) try {
    json root = json::parse(text, nullptr, false);
    if (root.is_discarded() || !root.is_object())
        return Error{"not a boot timeline (invalid JSON)"};
    Timeline t;
    t.manager_start_us = get(root, "manager_start_monotonic_us").value_or(0);
    t.makespan_us = get(root, "makespan_us").value_or(0);
    t.boot.manager_start_boottime_us = get(root, "manager_start_boottime_us").value_or(0);
    t.boot.init_start_boottime_us = get(root, "init_start_boottime_us").value_or(0);
    if (auto initrd = root.find("initrd"); initrd != root.end() && initrd->is_object())
        t.boot.initrd_report = dump(*initrd, -1);
    auto units = root.find("units");
    if (units == root.end() || !units->is_array())
        return Error{"not a boot timeline (no units array)"};
    for (const auto& u : *units) {
        if (!u.is_object() || !u.contains("name") || !u["name"].is_string())
            return Error{"not a boot timeline (a unit has no name)"};
        TimelineEntry e;
        e.name = u["name"].get<std::string>();
        e.state = u.value("state", "");
        e.result = u.value("result", "");
        e.reason = u.value("reason", "");
        e.type = u.value("type", "");
        e.queued_us = get(u, "queued_us");
        e.started_us = get(u, "started_us");
        e.ready_us = get(u, "ready_us");
        e.finished_us = get(u, "finished_us");
        e.waited_for = u.value("waited_for", "");
        t.units.push_back(std::move(e));
    }
    return t;
} catch (const json::exception& e) {
    // A field of the wrong type (a number where a name belongs): a file
    // someone else wrote or damaged, which must not bring down a reader.
    return Error{std::string("not a boot timeline (") + e.what() + ")"};
}

std::string format_blame(const Timeline& timeline) {
    // How long each unit took from its start to ready (or to its end).
    struct Row {
        long long took;
        const TimelineEntry* entry;
    };
    std::vector<Row> rows;
    for (const auto& e : timeline.units) {
        auto end = e.ready_us ? e.ready_us : e.finished_us;
        if (!e.started_us || !end)
            continue;
        rows.push_back({*end - *e.started_us, &e});
    }
    std::stable_sort(rows.begin(), rows.end(),
                     [](const Row& a, const Row& b) { return a.took > b.took; });
    std::string out;
    for (const auto& r : rows) {
        char line[512];
        std::snprintf(line, sizeof line, "%10s %s%s\n", ms(r.took).c_str(), r.entry->name.c_str(),
                      r.entry->state == "active" || r.entry->state == "inactive"
                          ? ""
                          : (" (" + r.entry->state + ")").c_str());
        out += line;
    }
    return out;
}

std::string format_critical_chain(const Timeline& timeline, const std::string& target) {
    std::map<std::string, const TimelineEntry*> by_name;
    for (const auto& e : timeline.units)
        by_name[e.name] = &e;
    auto it = by_name.find(target);
    if (it == by_name.end())
        return "";
    // Walk back along "waited for" links: the chain of units each of which
    // was the last thing holding up the next.
    std::vector<const TimelineEntry*> chain;
    std::map<std::string, bool> seen;
    for (const TimelineEntry* e = it->second; e && !seen[e->name];) {
        seen[e->name] = true;
        chain.push_back(e);
        auto next = by_name.find(e->waited_for);
        e = next == by_name.end() ? nullptr : next->second;
    }
    std::string out;
    std::string indent;
    for (const auto* e : chain) {
        auto end = e->ready_us ? e->ready_us : e->finished_us;
        std::string line = indent + e->name;
        if (end)
            line += " @" + ms(*end);
        if (e->started_us && end && *end > *e->started_us)
            line += " +" + ms(*end - *e->started_us);
        if (e->state != "active" && e->state != "inactive")
            line += " (" + e->state + ")";
        out += line + "\n";
        indent += "  ";
    }
    return out;
}

std::string format_boot_time(const Timeline& timeline) try {
    long long manager_start = timeline.boot.manager_start_boottime_us;
    long long userspace_end = manager_start + timeline.makespan_us;
    std::string out;
    json initrd = timeline.boot.initrd_report.empty()
                      ? json()
                      : json::parse(timeline.boot.initrd_report, nullptr, false);
    if (initrd.is_object() && initrd.contains("userspace_start_us") &&
        initrd.contains("switch_root_us")) {
        long long kernel = initrd["userspace_start_us"].get<long long>();
        long long switched = initrd["switch_root_us"].get<long long>();
        out += "kernel " + ms(kernel) + " + initrd " + ms(switched - kernel) + " + userspace " +
               ms(userspace_end - switched) + " = " + ms(userspace_end) + "\n";
        if (initrd.contains("devices") && initrd["devices"].is_object()) {
            const json& d = initrd["devices"];
            out += "initrd devices: " + d.value("mode", std::string("?"));
            std::string reason = d.value("reason", std::string());
            if (!reason.empty())
                out += " (" + reason + ")";
            out += ", " + std::to_string(d.value("modules_loaded", 0)) + " modules in " +
                   ms(d.value("end_us", 0LL) - d.value("start_us", 0LL)) + "\n";
        }
        if (initrd.contains("root") && initrd["root"].is_object())
            out += "initrd root: " + initrd["root"].value("device", std::string("?")) +
                   " mounted at " + ms(initrd["root"].value("mounted_us", 0LL)) + "\n";
    } else if (manager_start > 0) {
        out += "kernel " + ms(manager_start) + " + userspace " + ms(timeline.makespan_us) + " = " +
               ms(userspace_end) + "\n";
    } else {
        out += "userspace " + ms(timeline.makespan_us) + "\n";
    }
    return out;
} catch (const json::exception&) {
    // The initrd report had a field of the wrong type: leave it out.
    return "userspace " + ms(timeline.makespan_us) + "\n";
}

std::string format_stage2_devices(const std::string& report_json) try {
    json report = json::parse(report_json, nullptr, false);
    if (!report.is_object())
        return {};
    long long start = report.value("start_us", 0LL), end = report.value("end_us", 0LL);
    std::string out = "stage 2 devices: @" + ms(start) + " +" + ms(end - start) + "\n";
    auto names = [](const json& list) {
        std::string text;
        if (list.is_array())
            for (const auto& name : list)
                if (name.is_string())
                    text += (text.empty() ? "" : ", ") + name.get<std::string>();
        return text;
    };
    if (auto c = report.find("completed"); c != report.end() && c->is_object()) {
        out += "  left by the initramfs: " + std::to_string(c->value("loaded", 0)) +
               " modules in the kernel, " + std::to_string(c->value("failed", 0)) + " failed (" +
               ms(static_cast<long long>(c->value("ms", 0.0) * 1000)) + ")\n";
    }
    if (auto p = report.find("probed"); p != report.end() && p->is_object()) {
        std::string loaded = names(p->value("loaded", json::array()));
        std::string failed = names(p->value("failed", json::array()));
        out += "  probed with " + p->value("dir", std::string("?")) + ": " +
               (loaded.empty() ? "nothing more to load" : "loaded " + loaded) +
               (failed.empty() ? "" : "; failed: " + failed) + " (" +
               ms(static_cast<long long>(p->value("ms", 0.0) * 1000)) + ")\n";
    }
    return out;
} catch (const json::exception&) {
    return {};  // a field of the wrong type: the report is not one we wrote
}

}  // namespace fastinit
