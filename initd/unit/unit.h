// A unit as read from its TOML file. Units are plain values: parsing fills
// them, the graph links them by name, the manager runs them.
//
// A unit without a [service] table is a target: a named milestone that is
// reached when everything it pulls in has settled.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <csignal>

#include "base/duration.h"
#include "initd/unit/process_attributes.h"

namespace fastinit {

enum class ServiceType { simple, exec, oneshot, notify, forking };
enum class RestartPolicy { no, on_failure, always };
// Which processes a stop signals: every process of the cgroup, the main
// process with the signal and the rest with SIGKILL, or the main process only.
enum class KillMode { control_group, mixed, process };

// One of a service's extra commands (exec_start_pre and friends). Written
// with a leading '-' on the program ("-/bin/rm"), a failure is tolerated: the
// '-' is not part of the program and `tolerate_failure` is set.
struct Command {
    std::vector<std::string> argv;
    bool tolerate_failure = false;
    bool operator==(const Command&) const = default;
};

// Where a service's stdout or stderr goes.
struct OutputTarget {
    enum class Kind { journal, kmsg, console, null, file, inherit };
    Kind kind = Kind::journal;
    std::string path;  // for Kind::file
    bool operator==(const OutputTarget&) const = default;
};

// Every condition must hold for the unit to start; otherwise it is skipped
// (which is not a failure). A leading '!' negates a single entry.
struct Conditions {
    std::vector<std::string> path_exists;
    std::vector<std::string> kernel_cmdline;
    bool empty() const { return path_exists.empty() && kernel_cmdline.empty(); }
    bool operator==(const Conditions&) const = default;
};

struct Service {
    ServiceType type = ServiceType::simple;
    std::vector<std::string> exec;
    // Run one after another, each bounded by start_timeout (start_pre,
    // start_post, reload) or stop_timeout (stop, stop_post).
    std::vector<Command> exec_start_pre;
    std::vector<Command> exec_start_post;
    std::vector<Command> exec_stop;
    std::vector<Command> exec_stop_post;
    std::vector<Command> exec_reload;
    int kill_signal = SIGTERM;
    int reload_signal = SIGHUP;  // 0 ("none"): it cannot be reloaded by a signal
    KillMode kill_mode = KillMode::control_group;
    // type = forking: where the daemon writes its pid (absolute).
    std::string pid_file;
    std::vector<std::pair<std::string, std::string>> environment;
    // Read when the process starts, in order, after `environment`: a later
    // assignment of a name replaces an earlier one.
    std::vector<EnvironmentFileRef> environment_files;
    std::string user;
    std::string group;
    std::string working_directory;
    RestartPolicy restart = RestartPolicy::no;
    Duration restart_delay = std::chrono::milliseconds(100);
    Duration restart_delay_max = std::chrono::seconds(10);
    Duration start_timeout = std::chrono::seconds(90);
    Duration stop_timeout = std::chrono::seconds(10);
    // The service pets its watchdog (WATCHDOG=1) at least this often or it
    // fails; 0: no watchdog.
    Duration watchdog{0};
    // More than start_limit_burst starts within start_limit_interval → failed.
    int start_limit_burst = 5;
    Duration start_limit_interval = std::chrono::seconds(10);
    // cgroup v2 limits, as the kernel's files take them: memory.max (bytes
    // or "max"), pids.max (a count or "max"), cpu.weight (1..10000).
    std::optional<std::string> memory_max;
    std::optional<std::string> tasks_max;
    std::optional<std::string> cpu_weight;
    OutputTarget stdout_target;
    OutputTarget stderr_target;  // defaults to wherever stdout goes
    bool stderr_set = false;
    ServiceDirectories directories;
    ProcessAttributes attributes;
    // A reload compares definitions whole (initd/run/manager_reload.cpp).
    bool operator==(const Service&) const = default;
};

struct Unit {
    std::string name;  // the file stem
    std::string path;  // the file it came from
    // The drop-ins merged over it, in the order applied (unit_dropins.h).
    std::vector<std::string> dropins;
    std::string description;
    std::vector<std::string> requires_;
    std::vector<std::string> wants;
    std::vector<std::string> after;
    std::vector<std::string> before;
    std::vector<std::string> conflicts;
    std::vector<std::string> wanted_by;
    // Devices (device_spec.h spellings) that must exist before the unit
    // starts; if one has not appeared within device_timeout, it fails.
    std::vector<std::string> after_devices;
    Duration device_timeout = std::chrono::seconds(90);
    Conditions conditions;
    std::optional<Service> service;

    bool is_target() const { return !service.has_value(); }
    bool operator==(const Unit&) const = default;
};

const char* to_string(ServiceType type);
const char* to_string(RestartPolicy policy);
const char* to_string(KillMode mode);

}  // namespace fastinit
