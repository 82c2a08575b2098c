#include "initd/control/bus_calls.h"

#include <algorithm>

#include "base/text.h"
#include "initd/unit/unit_template.h"

namespace fastinit {
namespace {

// Enough of a name to recognise it in an error message.
constexpr size_t kEchoLimit = 256;

BusReply failure(const char* name, std::string message) {
    BusReply reply;
    reply.error_name = name;
    reply.error_message = bus_text(message);
    return reply;
}

BusReply no_such_unit(std::string_view name) {
    return failure(kErrorNoSuchUnit, "no such unit: " + bus_text(name, kEchoLimit));
}

// Lookups use the bytes as given (a unit file may really be named with bad
// UTF-8); only what goes back out is made well-formed.
std::optional<size_t> find_unit(const Manager& manager, std::string_view name) {
    return manager.find(std::string(name));
}

std::vector<UnitRow> list_units(const Manager& manager) {
    std::vector<UnitRow> rows;
    const Graph& graph = manager.graph();
    rows.reserve(graph.nodes.size());
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        const Node& node = graph.nodes[i];
        const UnitRuntime& u = manager.runtime(i);
        rows.push_back({bus_text(node.name), bus_text(node.unit ? node.unit->description : ""),
                        to_string(u.state), bus_text(to_string(u.result)),
                        bus_text(u.status_text.value_or("")), static_cast<uint32_t>(u.main_pid)});
    }
    return rows;
}

BusReply get_unit(const Manager& manager, std::string_view name) {
    auto unit = find_unit(manager, name);
    if (!unit)
        return no_such_unit(name);
    return unit_properties(manager, *unit);
}

BusReply unit_request(BusCallContext& context, std::string_view name,
                      Result<void> (Manager::*request)(const std::string&)) {
    if (context.uid != 0)
        return failure(kErrorAccessDenied, "only root may start, stop, restart or reload units");
    // A start may make an instance of a template (Manager::start checks the
    // name); anything else needs a unit that exists.
    bool may_make = request == &Manager::start && split_instance_name(name).has_value();
    if (!may_make && !find_unit(context.manager, name))
        return no_such_unit(name);
    auto result = (context.manager.*request)(std::string(name));
    if (!result)
        return failure(kErrorRequestFailed, result.error().message);
    return {};
}

// Anyone may wait, as anyone may look (GetUnit); the bus server bounds how
// many calls wait at once.
BusReply wait_unit(const Manager& manager, std::string_view name) {
    auto unit = find_unit(manager, name);
    if (!unit)
        return no_such_unit(name);
    if (*manager.job(*unit) == '\0')
        return unit_properties(manager, *unit);
    BusReply reply;
    reply.wait_for = *unit;
    return reply;
}

BusReply reboot(BusCallContext& context, std::string_view mode) {
    if (context.uid != 0)
        return failure(kErrorAccessDenied, "only root may reboot or power off");
    std::string why = context.reboot ? context.reboot(bus_text(mode, kEchoLimit))
                                     : "rebooting is not available here";
    if (!why.empty())
        return failure(kErrorRequestFailed, why);
    return {};
}

}  // namespace

BusReply unit_properties(const Manager& manager, UnitId unit) {
    const Node& node = manager.graph().nodes[unit];
    const UnitRuntime& u = manager.runtime(unit);
    std::string type = node.unit && node.unit->service ? to_string(node.unit->service->type)
                                                       : (node.unit ? "target" : "");
    BusReply reply;
    auto& p = reply.properties;
    p.emplace_back("Name", bus_text(node.name));
    p.emplace_back("Description", bus_text(node.unit ? node.unit->description : ""));
    p.emplace_back("Type", type);
    p.emplace_back("State", std::string(to_string(u.state)));
    p.emplace_back("Result", bus_text(to_string(u.result)));
    p.emplace_back("Reason", bus_text(u.reason.empty() ? node.failure : u.reason));
    p.emplace_back("StatusText", bus_text(u.status_text.value_or("")));
    p.emplace_back("MainPID", static_cast<uint32_t>(u.main_pid));
    p.emplace_back("Restarts", static_cast<uint32_t>(u.restarts));
    p.emplace_back("Job", std::string(manager.job(unit)));
    if (!u.reload_failure.empty())
        p.emplace_back("ReloadFailure", bus_text(u.reload_failure));
    // A reload's definition waiting for the unit to be down.
    if (const Node* pending = manager.pending_definition(unit))
        p.emplace_back("Pending",
                       std::string(pending->unit ? "definition changed; restart to apply"
                                                 : "unit file removed; runs until stopped"));
    if (u.errno_value)
        p.emplace_back("Errno", static_cast<uint32_t>(*u.errno_value));
    if (u.last_exit)
        p.emplace_back("LastExit", bus_text(u.last_exit->to_string()));
    p.emplace_back("Path", bus_text(node.unit ? node.unit->path : ""));
    if (node.unit && !node.unit->dropins.empty()) {
        std::string dropins;  // one path a line, in the order they apply
        for (const auto& path : node.unit->dropins)
            dropins += path + "\n";
        p.emplace_back("DropIns", bus_text(dropins));
    }
    // after_devices not there yet, for a unit still waiting for them.
    if (u.state == UnitState::waiting && !u.missing_devices.empty()) {
        std::string devices;
        for (const auto& spec : u.missing_devices)
            devices += (devices.empty() ? "" : ", ") + spec;
        p.emplace_back("WaitingForDevices", bus_text(devices));
    }
    // cgroup v2: where its processes are tracked, and each of them as
    // "PID COMM" lines (comm is whatever the process named itself).
    std::string cgroup = manager.cgroup_path(unit);
    if (!cgroup.empty()) {
        p.emplace_back("ControlGroup", bus_text(cgroup));
        std::string processes;
        for (const auto& [pid, comm] : manager.cgroup_processes(unit))
            processes += std::to_string(pid) + " " + comm + "\n";
        p.emplace_back("Processes", bus_text(processes));
    }
    return reply;
}

std::string bus_text(std::string_view text, size_t limit) {
    if (text.size() > limit)
        return to_valid_utf8(text.substr(0, limit)) + "…";
    if (is_valid_utf8(text))
        return std::string(text);
    return to_valid_utf8(text);
}

BusReply read_log(const Journal& journal, const std::vector<std::string>& units, uint64_t after,
                  uint32_t tail) {
    if (units.size() > kMaxReadLogUnits)
        return failure(kErrorInvalidArgs,
                       "at most " + std::to_string(kMaxReadLogUnits) + " units at once");
    for (const auto& unit : units)
        if (unit.empty() || unit.size() > kMaxUnitNameLength)
            return failure(kErrorInvalidArgs,
                           "not a unit name: \"" + bus_text(unit, kEchoLimit) + "\"");
    JournalQuery query;
    query.units = units;
    query.after = after;
    query.tail = std::min<size_t>(tail, kMaxReadLogTail);
    query.max_lines = kMaxReadLogLines;
    query.max_bytes = kMaxReadLogBytes;
    BusReply reply;
    reply.log = journal.read(query);
    // The manager's own lines may quote anything (a unit file's name).
    for (auto& line : reply.log.lines) {
        line.unit = bus_text(line.unit);
        line.text = bus_text(line.text);
    }
    return reply;
}

BusReply handle_bus_call(BusCallContext& context, std::string_view method,
                         std::string_view argument) {
    if (method == "ListUnits") {
        BusReply reply;
        reply.units = list_units(context.manager);
        return reply;
    }
    if (method == "GetUnit")
        return get_unit(context.manager, argument);
    if (method == "StartUnit")
        return unit_request(context, argument, &Manager::start);
    if (method == "StopUnit")
        return unit_request(context, argument, &Manager::stop);
    if (method == "RestartUnit")
        return unit_request(context, argument, &Manager::restart);
    if (method == "ReloadUnit")
        return unit_request(context, argument, &Manager::reload);
    if (method == "WaitUnit")
        return wait_unit(context.manager, argument);
    if (method == "BootTimeline") {
        BusReply reply;
        reply.text = bus_text(context.timeline_json ? context.timeline_json() : "");
        return reply;
    }
    if (method == "Reboot")
        return reboot(context, argument);
    if (method == "Watchdog") {
        BusReply reply;
        if (context.watchdog)
            reply.properties = context.watchdog();
        else
            reply.properties = {{"State", std::string("off")}};
        return reply;
    }
    if (method == "Bless") {
        if (context.uid != 0)
            return failure(kErrorAccessDenied, "only root may bless a trial boot");
        BusReply reply;
        if (!context.bless) {
            reply.text = "not a trial boot: nothing to bless";
            return reply;
        }
        auto blessed = context.bless();
        if (!blessed)
            return failure(kErrorRequestFailed, blessed.error().message);
        reply.text = *blessed;
        return reply;
    }
    if (method == "Reload") {
        if (context.uid != 0)
            return failure(kErrorAccessDenied, "only root may reload the units");
        BusReply reply;
        reply.reload = true;
        return reply;
    }
    return failure(kErrorUnknownMethod, "no method " + bus_text(method, kEchoLimit));
}

}  // namespace fastinit
