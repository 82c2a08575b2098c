#include "cli/client.h"

#include <sys/stat.h>

#include <cstring>

namespace fastinit {
namespace {

constexpr const char* kObject = "/org/fastinit1";
constexpr const char* kInterface = "org.fastinit1.Manager";

// Frees an sd_bus_error and an optional reply on every path.
struct CallState {
    sd_bus_error error{};  // SD_BUS_ERROR_NULL, a C compound literal C++ lacks
    sd_bus_message* reply = nullptr;
    ~CallState() {
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
    }
    Error failure(const char* method, int r) const {
        if (sd_bus_error_is_set(&error))
            return Error{error.message ? error.message : error.name, -r};
        return Error{std::string(method) + " failed: " + std::strerror(-r), -r};
    }
};

}  // namespace

Result<ManagerClient> ManagerClient::connect(const std::string& socket_path) {
    struct stat st;
    if (::stat(socket_path.c_str(), &st) < 0) {
        if (errno == EACCES)
            return Error{"permission denied on " + socket_path + " (are you root?)", errno};
        return Error{"no fastinit manager is running (no control socket at " + socket_path + ")",
                     errno};
    }
    ManagerClient client;
    int r = sd_bus_new(&client.m_bus);
    if (r >= 0)
        r = sd_bus_set_address(client.m_bus, ("unix:path=" + socket_path).c_str());
    // The manager identifies callers by SO_PEERCRED; ANONYMOUS also works
    // from outside its PID namespace, where EXTERNAL cannot.
    if (r >= 0)
        r = sd_bus_set_anonymous(client.m_bus, 1);
    if (r >= 0)
        r = sd_bus_start(client.m_bus);
    if (r < 0) {
        if (r == -EACCES || r == -EPERM)
            return Error{"permission denied on " + socket_path + " (are you root?)", -r};
        // A socket file nobody listens on is left behind by a manager that
        // has exited (or was killed).
        if (r == -ECONNREFUSED)
            return Error{"no fastinit manager is running (nothing listens on " + socket_path + ")",
                         -r};
        return Error{
            "cannot reach the fastinit manager at " + socket_path + ": " + std::strerror(-r), -r};
    }
    return client;
}

ManagerClient::ManagerClient(ManagerClient&& other) noexcept : m_bus(other.m_bus) {
    other.m_bus = nullptr;
}

ManagerClient::~ManagerClient() {
    sd_bus_flush_close_unref(m_bus);
}

Result<void> ManagerClient::simple_call(const char* method, const std::string& argument) {
    CallState call;
    int r = sd_bus_call_method(m_bus, nullptr, kObject, kInterface, method, &call.error,
                               &call.reply, "s", argument.c_str());
    if (r < 0)
        return call.failure(method, r);
    return {};
}

Result<void> ManagerClient::start_unit(const std::string& name) {
    return simple_call("StartUnit", name);
}
Result<void> ManagerClient::stop_unit(const std::string& name) {
    return simple_call("StopUnit", name);
}
Result<void> ManagerClient::restart_unit(const std::string& name) {
    return simple_call("RestartUnit", name);
}
Result<void> ManagerClient::reload_unit(const std::string& name) {
    return simple_call("ReloadUnit", name);
}
Result<void> ManagerClient::reboot(const std::string& mode) {
    return simple_call("Reboot", mode);
}

Result<std::vector<UnitSummary>> ManagerClient::list_units() {
    CallState call;
    int r = sd_bus_call_method(m_bus, nullptr, kObject, kInterface, "ListUnits", &call.error,
                               &call.reply, "");
    if (r < 0)
        return call.failure("ListUnits", r);
    std::vector<UnitSummary> units;
    r = sd_bus_message_enter_container(call.reply, 'a', "(sssssu)");
    while (r >= 0) {
        const char *name, *description, *state, *result, *status;
        uint32_t pid;
        r = sd_bus_message_read(call.reply, "(sssssu)", &name, &description, &state, &result,
                                &status, &pid);
        if (r <= 0)
            break;
        units.push_back({name, description, state, result, status, pid});
    }
    if (r < 0)
        return call.failure("ListUnits", r);
    return units;
}

namespace {

// An a{sv} of strings and numbers, every value as a string.
Result<std::map<std::string, std::string>> read_properties(CallState& call, const char* method) {
    std::map<std::string, std::string> properties;
    int r = sd_bus_message_enter_container(call.reply, 'a', "{sv}");
    while (r > 0) {
        r = sd_bus_message_enter_container(call.reply, 'e', "sv");
        if (r <= 0)
            break;
        const char* key;
        char type;
        const char* contents;
        r = sd_bus_message_read(call.reply, "s", &key);
        if (r >= 0)
            r = sd_bus_message_peek_type(call.reply, &type, &contents);
        if (r >= 0)
            r = sd_bus_message_enter_container(call.reply, 'v', contents);
        if (r >= 0 && contents[0] == 's') {
            const char* value;
            r = sd_bus_message_read(call.reply, "s", &value);
            properties[key] = value;
        } else if (r >= 0 && contents[0] == 'u') {
            uint32_t value;
            r = sd_bus_message_read(call.reply, "u", &value);
            properties[key] = std::to_string(value);
        } else if (r >= 0) {
            r = sd_bus_message_skip(call.reply, contents);
        }
        if (r >= 0)
            r = sd_bus_message_exit_container(call.reply);  // v
        if (r >= 0)
            r = sd_bus_message_exit_container(call.reply);  // e
        if (r >= 0)
            r = 1;
    }
    if (r < 0)
        return call.failure(method, r);
    return properties;
}

}  // namespace

Result<std::map<std::string, std::string>> ManagerClient::get_unit(const std::string& name) {
    CallState call;
    int r = sd_bus_call_method(m_bus, nullptr, kObject, kInterface, "GetUnit", &call.error,
                               &call.reply, "s", name.c_str());
    if (r < 0)
        return call.failure("GetUnit", r);
    return read_properties(call, "GetUnit");
}

Result<std::map<std::string, std::string>> ManagerClient::watchdog() {
    CallState call;
    int r = sd_bus_call_method(m_bus, nullptr, kObject, kInterface, "Watchdog", &call.error,
                               &call.reply, "");
    if (r < 0)
        return call.failure("Watchdog", r);
    return read_properties(call, "Watchdog");
}

Result<std::map<std::string, std::string>> ManagerClient::wait_unit(
    const std::string& name, std::chrono::microseconds timeout) {
    CallState call;
    sd_bus_message* message = nullptr;
    int r =
        sd_bus_message_new_method_call(m_bus, &message, nullptr, kObject, kInterface, "WaitUnit");
    if (r >= 0)
        r = sd_bus_message_append(message, "s", name.c_str());
    if (r >= 0)
        r = sd_bus_call(m_bus, message, static_cast<uint64_t>(timeout.count()), &call.error,
                        &call.reply);
    sd_bus_message_unref(message);
    if (r == -ETIMEDOUT)
        return Error{"timed out", ETIMEDOUT};
    if (r < 0)
        return call.failure("WaitUnit", r);
    return read_properties(call, "WaitUnit");
}

Result<LogPage> ManagerClient::read_log(const std::vector<std::string>& units, uint64_t after,
                                        uint32_t tail) {
    CallState call;
    sd_bus_message* request = nullptr;
    int r =
        sd_bus_message_new_method_call(m_bus, &request, nullptr, kObject, kInterface, "ReadLog");
    if (r >= 0)
        r = sd_bus_message_open_container(request, 'a', "s");
    for (size_t i = 0; r >= 0 && i < units.size(); ++i)
        r = sd_bus_message_append(request, "s", units[i].c_str());
    if (r >= 0)
        r = sd_bus_message_close_container(request);
    if (r >= 0)
        r = sd_bus_message_append(request, "tu", after, tail);
    if (r >= 0)
        r = sd_bus_call(m_bus, request, 0, &call.error, &call.reply);
    sd_bus_message_unref(request);
    if (r < 0)
        return call.failure("ReadLog", r);
    LogPage page;
    int more = 0;
    r = sd_bus_message_read(call.reply, "tb", &page.next, &more);
    page.more = more != 0;
    if (r >= 0)
        r = sd_bus_message_enter_container(call.reply, 'a', "(tsuxxys)");
    while (r >= 0) {
        LogLine line;
        const char* unit = nullptr;
        const char* text = nullptr;
        uint8_t priority = 6;
        r = sd_bus_message_read(call.reply, "(tsuxxys)", &line.seq, &unit, &line.pid,
                                &line.realtime_us, &line.boottime_us, &priority, &text);
        if (r <= 0)
            break;
        line.unit = unit;
        line.text = text;
        line.priority = priority;
        page.lines.push_back(std::move(line));
    }
    if (r < 0)
        return call.failure("ReadLog", r);
    return page;
}

Result<std::string> ManagerClient::reload_units(std::chrono::microseconds timeout) {
    CallState call;
    sd_bus_message* message = nullptr;
    int r = sd_bus_message_new_method_call(m_bus, &message, nullptr, kObject, kInterface, "Reload");
    if (r >= 0)
        r = sd_bus_call(m_bus, message, static_cast<uint64_t>(timeout.count()), &call.error,
                        &call.reply);
    sd_bus_message_unref(message);
    if (r < 0)
        return call.failure("Reload", r);
    const char* report;
    r = sd_bus_message_read(call.reply, "s", &report);
    if (r < 0)
        return call.failure("Reload", r);
    return std::string(report);
}

Result<std::string> ManagerClient::bless() {
    CallState call;
    int r = sd_bus_call_method(m_bus, nullptr, kObject, kInterface, "Bless", &call.error,
                               &call.reply, "");
    if (r < 0)
        return call.failure("Bless", r);
    const char* answer;
    r = sd_bus_message_read(call.reply, "s", &answer);
    if (r < 0)
        return call.failure("Bless", r);
    return std::string(answer);
}

Result<std::string> ManagerClient::boot_timeline() {
    CallState call;
    int r = sd_bus_call_method(m_bus, nullptr, kObject, kInterface, "BootTimeline", &call.error,
                               &call.reply, "");
    if (r < 0)
        return call.failure("BootTimeline", r);
    const char* json;
    r = sd_bus_message_read(call.reply, "s", &json);
    if (r < 0)
        return call.failure("BootTimeline", r);
    return std::string(json);
}

}  // namespace fastinit
