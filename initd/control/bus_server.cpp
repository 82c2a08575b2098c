#include "initd/control/bus_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "base/power_action.h"
#include "base/text.h"
#include "initd/control/backlog.h"
#include "initd/control/bus_calls.h"

namespace fastinit {
namespace {

// Connections are cheap but not free: bound them so a misbehaving client
// cannot exhaust PID 1's file descriptors.
constexpr size_t kMaxConnections = 64;
// WaitUnit calls held at once, over all connections (each holds a message):
// root's and everyone else's counted apart, so that other users waiting
// cannot keep root's `fastinit start` from learning its result.
constexpr size_t kMaxRootWaits = 256;
constexpr size_t kMaxOtherWaits = 64;
// Reload calls held at once (root's only): they all share one reload.
constexpr size_t kMaxReloadWaits = 64;

// Appends a reply of handle_bus_call to the method return `reply`, in the
// signature the vtable declares for `method`.
int append_reply(sd_bus_message* reply, std::string_view method, const BusReply& result) {
    if (method == "ListUnits") {
        int r = sd_bus_message_open_container(reply, 'a', "(sssssu)");
        for (size_t i = 0; r >= 0 && i < result.units.size(); ++i) {
            const UnitRow& u = result.units[i];
            r = sd_bus_message_append(reply, "(sssssu)", u.name.c_str(), u.description.c_str(),
                                      u.state.c_str(), u.result.c_str(), u.status_text.c_str(),
                                      u.main_pid);
        }
        return r < 0 ? r : sd_bus_message_close_container(reply);
    }
    if (method == "GetUnit" || method == "WaitUnit" || method == "Watchdog") {
        int r = sd_bus_message_open_container(reply, 'a', "{sv}");
        for (size_t i = 0; r >= 0 && i < result.properties.size(); ++i) {
            const auto& [key, value] = result.properties[i];
            if (const auto* text = std::get_if<std::string>(&value))
                r = sd_bus_message_append(reply, "{sv}", key.c_str(), "s", text->c_str());
            else
                r = sd_bus_message_append(reply, "{sv}", key.c_str(), "u",
                                          std::get<uint32_t>(value));
        }
        return r < 0 ? r : sd_bus_message_close_container(reply);
    }
    if (method == "BootTimeline" || method == "Reload" || method == "Bless")
        return sd_bus_message_append(reply, "s", result.text.c_str());
    return 0;  // the others return nothing
}

}  // namespace

const sd_bus_vtable BusServer::kVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD_WITH_NAMES("ListUnits", "", , "a(sssssu)", SD_BUS_PARAM(units), method_call,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("GetUnit", "s", SD_BUS_PARAM(name), "a{sv}", SD_BUS_PARAM(properties),
                             method_call, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("StartUnit", "s", SD_BUS_PARAM(name), "", , method_call,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("StopUnit", "s", SD_BUS_PARAM(name), "", , method_call,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("RestartUnit", "s", SD_BUS_PARAM(name), "", , method_call,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("ReloadUnit", "s", SD_BUS_PARAM(name), "", , method_call,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("WaitUnit", "s", SD_BUS_PARAM(name), "a{sv}", SD_BUS_PARAM(properties),
                             method_call, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Watchdog", "", , "a{sv}", SD_BUS_PARAM(properties), method_call,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("BootTimeline", "", , "s", SD_BUS_PARAM(json), method_call,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Reload", "", , "s", SD_BUS_PARAM(report), method_call,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Reboot", "s", SD_BUS_PARAM(mode), "", , method_call,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Bless", "", , "s", SD_BUS_PARAM(answer), method_call,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES(
        "ReadLog", "astu", SD_BUS_PARAM(units) SD_BUS_PARAM(after) SD_BUS_PARAM(tail),
        "tba(tsuxxys)", SD_BUS_PARAM(next) SD_BUS_PARAM(more) SD_BUS_PARAM(lines), method_read_log,
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
    // sd_bus_attach_event gives every connection an exit source that calls
    // sd_bus_flush, which waits for as long as the client does not read. Ours
    // runs first and closes them all without flushing.
    r = sd_event_add_exit(supervisor.event(), &server->m_exit_source, on_loop_exit, server.get());
    if (r >= 0)
        r = sd_event_source_set_priority(server->m_exit_source, SD_EVENT_PRIORITY_IMPORTANT);
    if (r < 0)
        return system_error("cannot watch the end of the event loop", -r);
    BusServer* raw = server.get();
    supervisor.add_unit_listener([raw](UnitId unit) { raw->emit_unit_changed(unit); });
    supervisor.add_reload_listener(
        [raw](const ReloadReport& report) { raw->answer_reloads(report); });
    return server;
}

BusServer::~BusServer() {
    close_all();
    sd_event_source_disable_unref(m_exit_source);
    sd_event_source_disable_unref(m_accept_source);
}

void BusServer::close_all() {
    // No flush: a client that does not read would hold the shutdown forever
    // (sd_bus_flush waits for it). Whatever it has not read, it loses.
    for (const Wait& wait : m_waits)
        sd_bus_message_unref(wait.call);
    m_waits.clear();
    for (sd_bus_message* call : m_reload_waits)
        sd_bus_message_unref(call);
    m_reload_waits.clear();
    for (auto& [bus, connection] : m_connections) {
        sd_bus_detach_event(bus);
        sd_bus_close_unref(bus);
    }
    m_connections.clear();
}

int BusServer::on_loop_exit(sd_event_source*, void* userdata) {
    static_cast<BusServer*>(userdata)->close_all();
    return 0;
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
            client_warning("control socket: ", kMaxConnections,
                           " connections are open; refusing another");
            continue;
        }
        ucred peer{};
        socklen_t length = sizeof peer;
        if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer, &length) < 0) {
            client_warning("control socket: refusing a connection whose peer is unknown: ",
                           strerror(errno));
            continue;
        }

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
        // Before any method: the backlog check sees every message first.
        if (r >= 0)
            r = sd_bus_add_filter(bus, nullptr, on_incoming, connection.get());
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
            client_warning("control socket: cannot serve a connection of uid ", peer.uid, ": ",
                           strerror(-r));
            sd_bus_close_unref(bus);
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
    drop_waits(bus);
    sd_bus_detach_event(bus);
    // The bus may still be dispatching this very callback: drop our reference
    // and let sd-bus free it when it unwinds.
    sd_bus_close_unref(bus);
}

template <typename... Parts>
void BusServer::client_warning(const Parts&... parts) {
    if (!m_client_warnings.allow(std::chrono::steady_clock::now()))
        return;
    if (uint64_t suppressed = m_client_warnings.take_suppressed())
        log::warning("control socket: ", suppressed, " similar messages suppressed");
    log::warning(parts...);
}

bool BusServer::drop_if_backlogged(sd_bus* bus) {
    uint64_t queued_write = 0, queued_read = 0;
    if (sd_bus_get_n_queued_write(bus, &queued_write) < 0 ||
        sd_bus_get_n_queued_read(bus, &queued_read) < 0)
        return false;
    if (!backlog_exceeded(queued_write, queued_read))
        return false;
    auto it = m_connections.find(bus);
    uid_t uid = it == m_connections.end() ? static_cast<uid_t>(-1) : it->second->uid;
    client_warning("control socket: dropping a client of uid ", uid, ": ", queued_write,
                   " messages wait for it to read them, ", queued_read, " from it to be handled");
    close_connection(bus);
    return true;
}

void BusServer::drop_waits(sd_bus* bus) {
    std::erase_if(m_waits, [bus](const Wait& wait) {
        if (sd_bus_message_get_bus(wait.call) != bus)
            return false;
        sd_bus_message_unref(wait.call);
        return true;
    });
    std::erase_if(m_reload_waits, [bus](sd_bus_message* call) {
        if (sd_bus_message_get_bus(call) != bus)
            return false;
        sd_bus_message_unref(call);
        return true;
    });
}

void BusServer::answer_reloads(const ReloadReport& report) {
    if (m_reload_waits.empty())
        return;
    std::vector<sd_bus_message*> calls = std::move(m_reload_waits);
    m_reload_waits.clear();
    std::string text;
    for (const auto& line : report.lines())
        text += line + "\n";
    BusReply result;
    result.text = bus_text(text);
    std::vector<sd_bus*> buses;
    for (sd_bus_message* call : calls) {
        sd_bus_message* reply = nullptr;
        int r = report.error.empty() ? sd_bus_message_new_method_return(call, &reply)
                                     : sd_bus_message_new_method_errorf(
                                           call, &reply, kErrorRequestFailed, "not reloaded: %s",
                                           bus_text(report.error).c_str());
        if (r >= 0 && report.error.empty())
            r = append_reply(reply, "Reload", result);
        if (r >= 0)
            (void)sd_bus_send(nullptr, reply, nullptr);  // a gone client is no error of ours
        sd_bus_message_unref(reply);
        if (std::find(buses.begin(), buses.end(), sd_bus_message_get_bus(call)) == buses.end())
            buses.push_back(sd_bus_message_get_bus(call));
        sd_bus_message_unref(call);
    }
    for (sd_bus* bus : buses)
        drop_if_backlogged(bus);
}

// The unit changed: the WaitUnit calls for it are answered once its job is
// over, with its properties as GetUnit gives them.
void BusServer::answer_waits(UnitId unit) {
    const Manager& manager = m_supervisor.manager();
    if (*manager.job(unit) != '\0')
        return;
    std::vector<Wait> done;
    std::erase_if(m_waits, [&](const Wait& wait) {
        if (wait.unit != unit)
            return false;
        done.push_back(wait);
        return true;
    });
    if (done.empty())
        return;
    BusReply properties = unit_properties(manager, unit);
    std::vector<sd_bus*> buses;
    for (const Wait& wait : done) {
        sd_bus_message* reply = nullptr;
        int r = sd_bus_message_new_method_return(wait.call, &reply);
        if (r >= 0)
            r = append_reply(reply, "WaitUnit", properties);
        if (r >= 0)
            (void)sd_bus_send(nullptr, reply, nullptr);  // a gone client is no error of ours
        sd_bus_message_unref(reply);
        if (std::find(buses.begin(), buses.end(), sd_bus_message_get_bus(wait.call)) == buses.end())
            buses.push_back(sd_bus_message_get_bus(wait.call));
        sd_bus_message_unref(wait.call);
    }
    // As for every other reply: a client that does not read them goes.
    for (sd_bus* bus : buses)
        drop_if_backlogged(bus);
}

void BusServer::emit_unit_changed(UnitId unit) {
    answer_waits(unit);
    const Manager& manager = m_supervisor.manager();
    std::string name = bus_text(manager.graph().nodes[unit].name);
    const char* state = to_string(manager.runtime(unit).state);
    std::vector<sd_bus*> backlogged;
    for (auto& [bus, connection] : m_connections) {
        sd_bus_emit_signal(bus, kBusObject, kBusInterface, "UnitChanged", "ss", name.c_str(),
                           state);
        uint64_t queued = 0;
        if (sd_bus_get_n_queued_write(bus, &queued) >= 0 && queued > kMaxQueuedForClient)
            backlogged.push_back(bus);
    }
    // A client that only listens and never reads is dropped too.
    for (sd_bus* bus : backlogged)
        drop_if_backlogged(bus);
}

int BusServer::on_incoming(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* connection = static_cast<Connection*>(userdata);
    // 1 consumes the message: nothing more is done for a dropped client.
    return connection->server->drop_if_backlogged(sd_bus_message_get_bus(m)) ? 1 : 0;
}

int BusServer::method_hello(sd_bus_message* m, void*, sd_bus_error*) {
    return sd_bus_reply_method_return(m, "s", ":1.1");
}

int BusServer::method_call(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    auto* connection = static_cast<Connection*>(userdata);
    BusServer* server = connection->server;
    Supervisor& supervisor = server->m_supervisor;
    std::string_view method = sd_bus_message_get_member(m);
    const char* argument = "";
    if (sd_bus_message_has_signature(m, "s")) {
        int r = sd_bus_message_read(m, "s", &argument);
        if (r < 0)
            return r;
    }
    BusCallContext context{
        supervisor.manager(), connection->uid,
        [server](const std::string& mode) { return server->reboot(mode); },
        [&supervisor] { return supervisor.timeline().json(supervisor.manager()); }};
    context.watchdog = server->m_watchdog;
    context.bless = server->m_bless;
    BusReply result = handle_bus_call(context, method, argument);
    if (!result.ok())
        return sd_bus_error_set(error, result.error_name.c_str(), result.error_message.c_str());
    if (result.wait_for) {
        bool root = connection->uid == 0;
        size_t same = std::count_if(server->m_waits.begin(), server->m_waits.end(),
                                    [root](const Wait& wait) { return wait.root == root; });
        if (same >= (root ? kMaxRootWaits : kMaxOtherWaits))
            return sd_bus_error_set(error, kErrorRequestFailed,
                                    "too many calls wait for units already; try again later");
        server->m_waits.push_back({sd_bus_message_ref(m), *result.wait_for, root});
        return 1;  // answered by answer_waits
    }
    if (result.reload) {
        if (server->m_reload_waits.size() >= kMaxReloadWaits)
            return sd_bus_error_set(error, kErrorRequestFailed,
                                    "too many reload calls wait already; try again later");
        server->m_reload_waits.push_back(sd_bus_message_ref(m));
        supervisor.request_reload();
        return 1;  // answered by answer_reloads
    }
    sd_bus_message* reply = nullptr;
    int r = sd_bus_message_new_method_return(m, &reply);
    if (r >= 0)
        r = append_reply(reply, method, result);
    if (r >= 0)
        r = sd_bus_send(nullptr, reply, nullptr);
    sd_bus_message_unref(reply);
    return r;
}

int BusServer::method_read_log(sd_bus_message* m, void* userdata, sd_bus_error* error) {
    auto* connection = static_cast<Connection*>(userdata);
    const Journal& journal = connection->server->m_supervisor.journal();
    // Names one by one, never more than allowed plus one: a caller's array
    // of a million names costs PID 1 nothing but the message it sent.
    std::vector<std::string> units;
    int r = sd_bus_message_enter_container(m, 'a', "s");
    while (r >= 0) {
        const char* name = nullptr;
        r = sd_bus_message_read(m, "s", &name);
        if (r <= 0)
            break;
        if (units.size() == kMaxReadLogUnits)
            return sd_bus_error_setf(error, kErrorInvalidArgs, "at most %zu units at once",
                                     kMaxReadLogUnits);
        units.emplace_back(name);
    }
    if (r >= 0)
        r = sd_bus_message_exit_container(m);
    uint64_t after = 0;
    uint32_t tail = 0;
    if (r >= 0)
        r = sd_bus_message_read(m, "tu", &after, &tail);
    if (r < 0)
        return r;
    BusReply result = read_log(journal, units, after, tail);
    if (!result.ok())
        return sd_bus_error_set(error, result.error_name.c_str(), result.error_message.c_str());
    sd_bus_message* reply = nullptr;
    r = sd_bus_message_new_method_return(m, &reply);
    if (r >= 0)
        r = sd_bus_message_append(reply, "tb", result.log.next, result.log.more ? 1 : 0);
    if (r >= 0)
        r = sd_bus_message_open_container(reply, 'a', "(tsuxxys)");
    for (size_t i = 0; r >= 0 && i < result.log.lines.size(); ++i) {
        const JournalLine& line = result.log.lines[i];
        r = sd_bus_message_append(
            reply, "(tsuxxys)", line.seq, line.unit.c_str(), static_cast<uint32_t>(line.pid),
            static_cast<int64_t>(line.realtime_us), static_cast<int64_t>(line.boottime_us),
            static_cast<uint8_t>(line.priority), line.text.c_str());
    }
    if (r >= 0)
        r = sd_bus_message_close_container(reply);
    if (r >= 0)
        r = sd_bus_send(nullptr, reply, nullptr);
    sd_bus_message_unref(reply);
    return r;
}

std::string BusServer::reboot(const std::string& mode) {
    std::optional<PowerAction> action = parse_power_action(mode);
    if (!action)
        return "unsupported reboot mode \"" + mode + "\" (kexec, cold, poweroff or halt)";
    if (*action == PowerAction::kexec) {
        // The client loads the kernel first (kexec_file_load); nothing is
        // stopped unless a kernel is really waiting.
        auto loaded = read_file(m_kexec_loaded_path);
        if (!loaded || loaded->empty() || (*loaded)[0] != '1')
            return "no kernel is loaded for kexec (" + m_kexec_loaded_path +
                   " is not 1); `fastinit reboot` loads one first";
    }
    m_supervisor.request_shutdown(*action);
    return "";
}

}  // namespace fastinit
