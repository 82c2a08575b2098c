#include "cli/reboot_requester.h"

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#include <cstring>

#include "cli/client.h"

namespace fastinit {
namespace {

class ManagerRequester : public RebootRequester {
  public:
    explicit ManagerRequester(ManagerClient client) : m_client(std::move(client)) {}
    Result<void> request_reboot(PowerAction mode) override {
        return m_client.reboot(std::string(to_string(mode)));
    }

  private:
    ManagerClient m_client;
};

// Companion mode: systemd does the stopping and the final reboot(2);
// fastinit has already loaded the kernel, exactly as it would for itself.
class SystemdRequester : public RebootRequester {
  public:
    explicit SystemdRequester(sd_bus* bus) : m_bus(bus) {}
    ~SystemdRequester() override { sd_bus_flush_close_unref(m_bus); }
    SystemdRequester(const SystemdRequester&) = delete;
    SystemdRequester& operator=(const SystemdRequester&) = delete;

    Result<void> request_reboot(PowerAction mode) override {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message* reply = nullptr;
        const char* target = systemd_target_for(mode);
        // replace-irreversibly: no later job may cancel the reboot, as
        // systemctl kexec does.
        int r = sd_bus_call_method(m_bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                   "org.freedesktop.systemd1.Manager", "StartUnit", &error, &reply,
                                   "ss", target, "replace-irreversibly");
        Result<void> result;
        if (r < 0)
            result = Error{std::string("systemd refused to start ") + target + ": " +
                               (error.message ? error.message : std::strerror(-r)),
                           -r};
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        return result;
    }

  private:
    sd_bus* m_bus;
};

}  // namespace

const char* systemd_target_for(PowerAction mode) {
    switch (mode) {
        case PowerAction::kexec:
            return "kexec.target";
        case PowerAction::reboot:
            return "reboot.target";
        case PowerAction::poweroff:
            return "poweroff.target";
        case PowerAction::halt:
            return "halt.target";
    }
    return "reboot.target";
}

Result<std::unique_ptr<RebootRequester>> connect_reboot_requester(const ClientContext& context) {
    auto client = ManagerClient::connect(context.socket_path());
    if (client)
        return std::unique_ptr<RebootRequester>(new ManagerRequester(std::move(*client)));
    // A dead manager at a named directory must not turn `poweroff` into
    // powering off the host through its systemd.
    if (context.runtime_dir_given)
        return Error{"no fastinit manager at " + context.runtime_dir + " (" +
                         client.error().message +
                         "); with --runtime-dir nothing else is asked, not even systemd",
                     client.error().errno_value};
    if (sd_booted() <= 0)
        return client.error();
    sd_bus* bus = nullptr;
    int r = sd_bus_open_system(&bus);
    if (r < 0)
        return Error{std::string("PID 1 is systemd, but its system bus is unreachable: ") +
                         std::strerror(-r),
                     -r};
    return std::unique_ptr<RebootRequester>(new SystemdRequester(bus));
}

}  // namespace fastinit
