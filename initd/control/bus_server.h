// The manager's control interface: org.fastinit1.Manager at /org/fastinit1,
// served peer-to-peer (no bus daemon) on a unix socket, each connection an
// sd-bus server attached to the supervisor's sd-event loop. See docs/dbus.md.
//
// Methods that change state are allowed for uid 0 only; the uid is taken
// from the connection (SO_PEERCRED), which the peer cannot forge. What each
// method does with its argument is in bus_calls.h; a client is dropped when
// too much waits for it (backlog.h), and log lines a client can cause are
// rate-limited.
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/rate_limit.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "initd/control/bus_calls.h"
#include "initd/run/supervisor.h"

namespace fastinit {

inline constexpr const char* kBusObject = "/org/fastinit1";
inline constexpr const char* kBusInterface = "org.fastinit1.Manager";

class BusServer {
  public:
    static Result<std::unique_ptr<BusServer>> listen(Supervisor& supervisor,
                                                     const std::string& socket_path);
    ~BusServer();

    // Where Reboot("kexec") checks that a kernel is loaded (tests point it at
    // a file of their own; the host's kexec state is not theirs to use).
    void set_kexec_loaded_path(std::string path) { m_kexec_loaded_path = std::move(path); }
    // What the Watchdog method reports (BusCallContext::watchdog); unset:
    // no hardware watchdog in use.
    void set_watchdog(
        std::function<std::vector<std::pair<std::string, PropertyValue>>()> watchdog) {
        m_watchdog = std::move(watchdog);
    }

    // What the Bless method does (BusCallContext::bless); unset: this is no
    // trial boot.
    void set_bless(std::function<Result<std::string>()> bless) { m_bless = std::move(bless); }

  private:
    struct Connection {
        BusServer* server = nullptr;
        sd_bus* bus = nullptr;
        uid_t uid = static_cast<uid_t>(-1);
    };

    explicit BusServer(Supervisor& supervisor) : m_supervisor(supervisor) {}
    static int on_accept(sd_event_source*, int fd, uint32_t, void* self);
    void accept_connection();
    void close_connection(sd_bus* bus);
    // Closes every connection without flushing (the event loop ends, or we do).
    void close_all();
    static int on_loop_exit(sd_event_source*, void* self);
    void emit_unit_changed(UnitId unit);
    // Drops the client of `bus` when too much waits for it; true if dropped.
    bool drop_if_backlogged(sd_bus* bus);
    // A warning that any client can cause, within the shared budget.
    template <typename... Parts>
    void client_warning(const Parts&... parts);

    static int method_call(sd_bus_message* m, void* userdata, sd_bus_error* error);
    static int method_read_log(sd_bus_message* m, void* userdata, sd_bus_error* error);
    static int method_hello(sd_bus_message* m, void* userdata, sd_bus_error* error);
    static int on_incoming(sd_bus_message* m, void* userdata, sd_bus_error* error);
    static int on_disconnect(sd_bus_message* m, void* userdata, sd_bus_error* error);

    // Reboot(mode): "" when the shutdown was requested, else the sentence
    // to send back.
    std::string reboot(const std::string& mode);

    // WaitUnit calls whose unit still has a job: answered by
    // answer_waits once it has none, dropped with their connection.
    struct Wait {
        sd_bus_message* call;
        UnitId unit;
        bool root;  // the caller is uid 0
    };
    void answer_waits(UnitId unit);
    // Reload calls, answered with the report of the reload that runs next.
    void answer_reloads(const ReloadReport& report);
    std::vector<sd_bus_message*> m_reload_waits;
    void drop_waits(sd_bus* bus);

    static const sd_bus_vtable kVtable[];
    static const sd_bus_vtable kDaemonVtable[];

    Supervisor& m_supervisor;
    std::string m_path;
    UniqueFd m_listen_fd;
    sd_event_source* m_accept_source = nullptr;
    sd_event_source* m_exit_source = nullptr;
    std::map<sd_bus*, std::unique_ptr<Connection>> m_connections;
    std::vector<Wait> m_waits;
    std::string m_kexec_loaded_path = "/sys/kernel/kexec_loaded";
    std::function<std::vector<std::pair<std::string, PropertyValue>>()> m_watchdog;
    std::function<Result<std::string>()> m_bless;
    // Refused connections and dropped clients: anyone allowed to connect
    // can cause these as fast as they like.
    RateLimit m_client_warnings{std::chrono::seconds(10), 10};
};

}  // namespace fastinit
