#include "initd/control/bus_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "base/log.h"
#include "base/text.h"
#include "initd/run/timeline.h"

namespace fastinit {
namespace {

constexpr const char* kNoSuchUnit = "org.fastinit1.Error.NoSuchUnit";
constexpr const char* kRequestFailed = "org.fastinit1.Error.RequestFailed";
constexpr const char* kAccessDenied = "org.freedesktop.DBus.Error.AccessDenied";
// Connections are cheap but not free: bound them so a misbehaving client
// cannot exhaust PID 1's file descriptors.
constexpr size_t kMaxConnections = 64;

// Appends one "{sv}" entry whose variant holds a string.
int append_string_entry(sd_bus_message* reply, const char* key, const std::string& value) {
    return sd_bus_message_append(reply, "{sv}", key, "s", value.c_str());
}

int append_uint_entry(sd_bus_message* reply, const char* key, uint32_t value) {
    return sd_bus_message_append(reply, "{sv}", key, "u", value);
}

}  // namespace

const sd_bus_vtable BusServer::kVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD_WITH_NAMES("ListUnits", "", , "a(sssssu)", SD_BUS_PARAM(units), method_list_units,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("GetUnit", "s", SD_BUS_PARAM(name), "a{sv}", SD_BUS_PARAM(properties),
                             method_get_unit, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("StartUnit", "s", SD_BUS_PARAM(name), "", , method_start_unit,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("StopUnit", "s", SD_BUS_PARAM(name), "", , method_stop_unit,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("RestartUnit", "s", SD_BUS_PARAM(name), "", , method_restart_unit,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("BootTimeline", "", , "s", SD_BUS_PARAM(json), method_boot_timeline,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Reboot", "s", SD_BUS_PARAM(mode), "", , method_reboot,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_SIGNAL_WITH_NAMES("UnitChanged", "ss", SD_BUS_PARAM(name) SD_BUS_PARAM(state), 0),
    SD_BUS_VTABLE_END};

// Clients that speak to a bus daemon (busctl) greet it with Hello first; on
// this peer-to-peer socket we answer that greeting ourselves.
const sd_bus_vtable BusServer::kDaemonVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("Hello", "", "s", method_hello, SD_BUS_VTABLE_UNPRIVILEGED), SD_BUS_VTABLE_END};

Result<std::unique_ptr<BusServer>> BusServer::listen(Supervisor& supervisor,
                                                     const std::string& socket_path) {
    std::unique_ptr<BusServer> server(new BusServer(supervisor));
    server->m_path = socket_path;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof address.sun_path)
        return Error{"control socket path too long: " + socket_path};
    std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);

    server->m_listen_fd.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!server->m_listen_fd)
        return system_error("cannot create the control socket");
    ::unlink(socket_path.c_str());
    // Create it 0600 from the start: no window in which others could connect.
    mode_t old_umask = ::umask(0177);
    int r =
        ::bind(server->m_listen_fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::umask(old_umask);
    if (r < 0)
        return system_error("cannot bind the control socket " + socket_path);
    if (::listen(server->m_listen_fd.get(), SOMAXCONN) < 0)
        return system_error("cannot listen on " + socket_path);
    r = sd_event_add_io(supervisor.event(), &server->m_accept_source, server->m_listen_fd.get(),
                        EPOLLIN, on_accept, server.get());
    if (r < 0)
        return system_error("cannot watch the control socket", -r);
    BusServer* raw = server.get();
    supervisor.add_unit_listener([raw](size_t unit) { raw->emit_unit_changed(unit); });
    return server;
}

BusServer::~BusServer() {
    for (auto& [bus, connection] : m_connections)
        sd_bus_flush_close_unref(bus);
    sd_event_source_disable_unref(m_accept_source);
}

int BusServer::on_accept(sd_event_source*, int, uint32_t, void* userdata) {
    static_cast<BusServer*>(userdata)->accept_connection();
    return 0;
}

void BusServer::accept_connection() {
    for (;;) {
        UniqueFd fd(::accept4(m_listen_fd.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
        if (!fd)
            return;
        if (m_connections.size() >= kMaxConnections) {
            log::warning("control socket: too many connections; refusing one");
            continue;
        }
        ucred peer{};
        socklen_t length = sizeof peer;
        if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer, &length) < 0)
            continue;

        auto connection = std::make_unique<Connection>();
        connection->server = this;
        connection->uid = peer.uid;
        sd_bus* bus = nullptr;
        sd_id128_t id;
        sd_id128_randomize(&id);
        int r = sd_bus_new(&bus);
        if (r >= 0)
            r = sd_bus_set_fd(bus, fd.get(), fd.get());
        if (r >= 0) {
            fd.release();  // the bus owns it now
            r = sd_bus_set_server(bus, 1, id);
        }
        if (r >= 0)
            r = sd_bus_set_trusted(bus, 1);  // access is checked per method, by uid
        // SASL EXTERNAL fails for clients outside our PID namespace (the
        // kernel reports their pid as 0), so ANONYMOUS is accepted too:
        // identity comes from SO_PEERCRED above, never from the handshake.
        if (r >= 0)
            r = sd_bus_set_anonymous(bus, 1);
        if (r >= 0)
            r = sd_bus_add_object_vtable(bus, nullptr, kBusObject, kBusInterface, kVtable,
                                         connection.get());
        if (r >= 0)
            r = sd_bus_add_object_vtable(bus, nullptr, "/org/freedesktop/DBus",
                                         "org.freedesktop.DBus", kDaemonVtable, connection.get());
        if (r >= 0)
            r = sd_bus_match_signal(bus, nullptr, "org.freedesktop.DBus.Local",
                                    "/org/freedesktop/DBus/Local", "org.freedesktop.DBus.Local",
                                    "Disconnected", on_disconnect, connection.get());
        if (r >= 0)
            r = sd_bus_start(bus);
        if (r >= 0)
            r = sd_bus_attach_event(bus, m_supervisor.event(), SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
            log::warning("control socket: cannot serve a connection: ", strerror(-r));
            sd_bus_flush_close_unref(bus);
            continue;
        }
        connection->bus = bus;
        m_connections.emplace(bus, std::move(connection));
    }
}

int BusServer::on_disconnect(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* connection = static_cast<Connection*>(userdata);
    connection->server->close_connection(sd_bus_message_get_bus(m));
    return 0;
}

void BusServer::close_connection(sd_bus* bus) {
    auto it = m_connections.find(bus);
    if (it == m_connections.end())
        return;
    auto connection = std::move(it->second);
    m_connections.erase(it);
    sd_bus_detach_event(bus);
    // The bus may still be dispatching this very callback: drop our reference
    // and let sd-bus free it when it unwinds.
    sd_bus_close_unref(bus);
}

void BusServer::emit_unit_changed(size_t unit) {
    const Manager& manager = m_supervisor.manager();
    const std::string& name = manager.graph().nodes[unit].name;
    const char* state = to_string(manager.runtime(unit).state);
    for (auto& [bus, connection] : m_connections)
        sd_bus_emit_signal(bus, kBusObject, kBusInterface, "UnitChanged", "ss", name.c_str(),
                           state);
}

BusServer::Connection* BusServer::connection_of(sd_bus_message*, void* userdata) {
    return static_cast<Connection*>(userdata);
}

int BusServer::method_hello(sd_bus_message* m, void*, sd_bus_error*) {
    return sd_bus_reply_method_return(m, "s", ":1.1");
}

int BusServer::method_list_units(sd_bus_message* m, void* userdata, sd_bus_error*) {
    Manager& manager = connection_of(m, userdata)->server->m_supervisor.manager();
    sd_bus_message* reply = nullptr;
    int r = sd_bus_message_new_method_return(m, &reply);
    if (r < 0)
        return r;
    r = sd_bus_message_open_container(reply, 'a', "(sssssu)");
    const Graph& graph = manager.graph();
    for (size_t i = 0; r >= 0 && i < graph.nodes.size(); ++i) {
        const Node& node = graph.nodes[i];
        const UnitRuntime& u = manager.runtime(i);
        std::string description = node.unit ? node.unit->description : "";
        std::string status = u.status_text.value_or("");
        r = sd_bus_message_append(reply, "(sssssu)", node.name.c_str(), description.c_str(),
                                  to_string(u.state), u.result.c_str(), status.c_str(),
                                  static_cast<uint32_t>(u.main_pid));
    }
    if (r >= 0)
        r = sd_bus_message_close_container(reply);
    if (r >= 0)
        r = sd_bus_send(nullptr, reply, nullptr);
    sd_bus_message_unref(reply);
    return r;
}

int BusServer::method_get_unit(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    Manager& manager = connection_of(m, userdata)->server->m_supervisor.manager();
    const char* name = nullptr;
    int r = sd_bus_message_read(m, "s", &name);
    if (r < 0)
        return r;
    auto unit = manager.find(name);
    if (!unit)
        return sd_bus_error_setf(error, kNoSuchUnit, "no such unit: %s", name);
    const Node& node = manager.graph().nodes[*unit];
    const UnitRuntime& u = manager.runtime(*unit);

    sd_bus_message* reply = nullptr;
    r = sd_bus_message_new_method_return(m, &reply);
    if (r < 0)
        return r;
    r = sd_bus_message_open_container(reply, 'a', "{sv}");
    std::string type = node.unit && node.unit->service ? to_string(node.unit->service->type)
                                                       : (node.unit ? "target" : "");
    if (r >= 0)
        r = append_string_entry(reply, "Name", node.name);
    if (r >= 0)
        r = append_string_entry(reply, "Description", node.unit ? node.unit->description : "");
    if (r >= 0)
        r = append_string_entry(reply, "Type", type);
    if (r >= 0)
        r = append_string_entry(reply, "State", to_string(u.state));
    if (r >= 0)
        r = append_string_entry(reply, "Result", u.result);
    if (r >= 0)
        r = append_string_entry(reply, "Reason", u.reason.empty() ? node.failure : u.reason);
    if (r >= 0)
        r = append_string_entry(reply, "StatusText", u.status_text.value_or(""));
    if (r >= 0)
        r = append_uint_entry(reply, "MainPID", static_cast<uint32_t>(u.main_pid));
    if (r >= 0)
        r = append_uint_entry(reply, "Restarts", static_cast<uint32_t>(u.restarts));
    if (r >= 0 && u.errno_value)
        r = append_uint_entry(reply, "Errno", static_cast<uint32_t>(*u.errno_value));
    if (r >= 0 && u.last_exit)
        r = append_string_entry(reply, "LastExit", u.last_exit->to_string());
    if (r >= 0)
        r = append_string_entry(reply, "Path", node.unit ? node.unit->path : "");
    if (r >= 0)
        r = sd_bus_message_close_container(reply);
    if (r >= 0)
        r = sd_bus_send(nullptr, reply, nullptr);
    sd_bus_message_unref(reply);
    return r;
}

int BusServer::unit_request(sd_bus_message* m, void* userdata, sd_bus_error* error,
                            Result<void> (Manager::*request)(const std::string&)) {
    Connection* connection = connection_of(m, userdata);
    if (connection->uid != 0)
        return sd_bus_error_set(error, kAccessDenied, "only root may start, stop or restart units");
    const char* name = nullptr;
    int r = sd_bus_message_read(m, "s", &name);
    if (r < 0)
        return r;
    Manager& manager = connection->server->m_supervisor.manager();
    if (!manager.find(name))
        return sd_bus_error_setf(error, kNoSuchUnit, "no such unit: %s", name);
    auto result = (manager.*request)(name);
    if (!result)
        return sd_bus_error_set(error, kRequestFailed, result.error().message.c_str());
    return sd_bus_reply_method_return(m, "");
}

int BusServer::method_start_unit(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return unit_request(m, userdata, error, &Manager::start);
}

int BusServer::method_stop_unit(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return unit_request(m, userdata, error, &Manager::stop);
}

int BusServer::method_restart_unit(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    return unit_request(m, userdata, error, &Manager::restart);
}

int BusServer::method_boot_timeline(sd_bus_message* m, void* userdata, sd_bus_error*) {
    Supervisor& supervisor = connection_of(m, userdata)->server->m_supervisor;
    std::string json = to_json(
        make_timeline(supervisor.manager(), supervisor.started_at(), supervisor.boot_facts()));
    return sd_bus_reply_method_return(m, "s", json.c_str());
}

int BusServer::method_reboot(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    Connection* connection = connection_of(m, userdata);
    if (connection->uid != 0)
        return sd_bus_error_set(error, kAccessDenied, "only root may reboot or power off");
    const char* mode = nullptr;
    int r = sd_bus_message_read(m, "s", &mode);
    if (r < 0)
        return r;
    BusServer* server = connection->server;
    std::string why =
        server->m_reboot_handler ? server->m_reboot_handler(mode) : server->default_reboot(mode);
    if (!why.empty())
        return sd_bus_error_set(error, kRequestFailed, why.c_str());
    return sd_bus_reply_method_return(m, "");
}

std::string BusServer::default_reboot(const std::string& mode) {
    if (mode == "kexec") {
        // The client loads the kernel first (kexec_file_load); nothing is
        // stopped unless a kernel is really waiting.
        auto loaded = read_file(m_kexec_loaded_path);
        if (!loaded || loaded->empty() || (*loaded)[0] != '1')
            return "no kernel is loaded for kexec (" + m_kexec_loaded_path +
                   " is not 1); `fastinit reboot` loads one first";
        m_supervisor.request_shutdown(FinalAction::kexec);
    } else if (mode == "cold") {
        m_supervisor.request_shutdown(FinalAction::reboot);
    } else if (mode == "poweroff") {
        m_supervisor.request_shutdown(FinalAction::poweroff);
    } else if (mode == "halt") {
        m_supervisor.request_shutdown(FinalAction::halt);
    } else {
        return "unsupported reboot mode \"" + mode + "\" (kexec, cold, poweroff or halt)";
    }
    return "";
}

}  // namespace fastinit
