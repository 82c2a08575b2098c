#include "cli/analyze_format.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>

#include "base/initrd_report.h"
#include "base/stage2_report.h"
#include "base/text.h"

namespace fastinit {
namespace {

using json = nlohmann::json;

std::string ms(long long us) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fms", us / 1000.0);
    return buf;
}

// The device and root lines of stage 1's report, for the parts `initrd`
// (its JSON) has.
std::string initrd_phases(const json& initrd, const InitrdReport& report) {
    std::string out;
    if (initrd.contains("devices") && initrd["devices"].is_object()) {
        const InitrdReport::Devices& d = report.devices;
        out += "initrd devices: " + (d.mode.empty() ? std::string("?") : d.mode);
        if (!d.reason.empty())
            out += " (" + d.reason + ")";
        out += ", " + std::to_string(d.modules_loaded) + " modules in " +
               ms(d.end_us - d.start_us) + "\n";
    }
    if (initrd.contains("root") && initrd["root"].is_object())
        out +=
            "initrd root: " + (report.root.device.empty() ? std::string("?") : report.root.device) +
            " mounted at " + ms(report.root.mounted_us) + "\n";
    return out;
}

}  // namespace

std::string format_initrd_time(const std::string& initrd_json) {
    json initrd = json::parse(initrd_json, nullptr, false);
    if (!initrd.is_object() || !initrd.contains("userspace_start_us") ||
        !initrd.contains("switch_root_us"))
        return {};
    auto report = parse_initrd_report(initrd);
    if (!report)
        return {};
    long long kernel = report->userspace_start_us;
    long long switched = report->switch_root_us;
    std::string out = "kernel " + ms(kernel) + " + initrd " + ms(switched - kernel) + " = " +
                      ms(switched) + " (until the switch to the root";
    if (!report->next_init.empty())
        out += " and " + report->next_init;
    return out + ")\n" + initrd_phases(initrd, *report);
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
        auto report = parse_initrd_report(initrd);
        if (!report)  // a field of the wrong type: leave the report out
            return "userspace " + ms(timeline.makespan_us) + "\n";
        long long kernel = report->userspace_start_us;
        long long switched = report->switch_root_us;
        out += "kernel " + ms(kernel) + " + initrd " + ms(switched - kernel) + " + userspace " +
               ms(userspace_end - switched) + " = " + ms(userspace_end) + "\n";
        out += initrd_phases(initrd, *report);
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

std::string format_stage2_devices(const std::string& report_json) {
    auto report = parse_stage2_report(report_json);
    if (!report)
        return {};  // not JSON, or a field of the wrong type: not a report we wrote
    std::string out = "stage 2 devices: @" + ms(report->start_us) + " +" +
                      ms(report->end_us - report->start_us) + "\n";
    if (const auto& c = report->completed)
        out += "  left by the initramfs: " + std::to_string(c->loaded) +
               " modules in the kernel, " + std::to_string(c->failed) + " failed (" +
               ms(static_cast<long long>(c->ms * 1000)) + ")\n";
    if (const auto& p = report->probed)
        out += std::string(p->from_cache ? "  from the cache of " : "  probed with ") + p->dir +
               ": " +
               (p->loaded.empty() ? "nothing more to load" : "loaded " + join(p->loaded, ", ")) +
               (p->failed.empty() ? "" : "; failed: " + join(p->failed, ", ")) +
               (p->no_device.empty() ? "" : "; no device for: " + join(p->no_device, ", ")) + " (" +
               ms(static_cast<long long>(p->ms * 1000)) + ")\n";
    return out;
}

}  // namespace fastinit
