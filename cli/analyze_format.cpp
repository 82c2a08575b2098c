#include "cli/analyze_format.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>

namespace fastinit {
namespace {

using json = nlohmann::json;

std::string ms(long long us) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fms", us / 1000.0);
    return buf;
}

}  // namespace

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
