// A connection to a running manager's control socket, for the client verbs.
#pragma once

#include <systemd/sd-bus.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace fastinit {

struct UnitSummary {
    std::string name, description, state, result, status_text;
    uint32_t main_pid = 0;
};

// One line of the manager's journal (ReadLog, docs/dbus.md).
struct LogLine {
    uint64_t seq = 0;  // 0: the journal's own ("N lines dropped")
    std::string unit;
    uint32_t pid = 0;
    int64_t realtime_us = 0;
    int64_t boottime_us = 0;
    int priority = 6;
    std::string text;
};

struct LogPage {
    uint64_t next = 0;
    bool more = false;
    std::vector<LogLine> lines;
};

class ManagerClient {
  public:
    // Errors say plainly when no manager is listening.
    static Result<ManagerClient> connect(const std::string& socket_path);
    ManagerClient(ManagerClient&& other) noexcept;
    ~ManagerClient();

    Result<std::vector<UnitSummary>> list_units();
    Result<std::map<std::string, std::string>> get_unit(const std::string& name);
    Result<void> start_unit(const std::string& name);
    Result<void> stop_unit(const std::string& name);
    Result<void> restart_unit(const std::string& name);
    Result<void> reload_unit(const std::string& name);
    // The unit's properties (as get_unit) once its job is over; an error
    // with ETIMEDOUT after `timeout`.
    Result<std::map<std::string, std::string>> wait_unit(const std::string& name,
                                                         std::chrono::microseconds timeout);
    Result<void> reboot(const std::string& mode);
    // Has the manager read its unit files again; the report, one line each.
    Result<std::string> reload_units(std::chrono::microseconds timeout);
    Result<std::string> boot_timeline();
    // Confirms a trial boot (Bless): the manager's answer, or its refusal.
    Result<std::string> bless();
    // The hardware watchdog as PID 1 uses it (State, Device, Identity,
    // TimeoutSec, LastPetMsAgo, Problem).
    Result<std::map<std::string, std::string>> watchdog();
    Result<LogPage> read_log(const std::vector<std::string>& units, uint64_t after, uint32_t tail);

  private:
    ManagerClient() = default;
    Result<void> simple_call(const char* method, const std::string& argument);
    sd_bus* m_bus = nullptr;
};

}  // namespace fastinit
