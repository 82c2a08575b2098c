// The manager's seams: every side effect it causes goes through one of these
// narrow interfaces, so its logic runs in unit tests against fakes and, for
// real, against processes in a PID namespace or a VM.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "initd/run/unit_state.h"
#include "initd/unit/unit.h"

namespace fastinit {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// What a unit's process is started with. Prepared by the manager on the main
// thread; user and group names are resolved by the launcher.
struct SpawnRequest {
    std::string unit;
    std::vector<std::string> argv;
    std::vector<std::string> environment;  // "NAME=value"
    std::string user;
    std::string group;
    std::string working_directory;
    OutputTarget stdout_target;
    OutputTarget stderr_target;
    // The cgroup directory the process starts in; empty: the manager's own.
    std::string cgroup;
    // Read by the launcher just before the process starts (so an edit takes
    // effect at the next start); a later assignment replaces an earlier one.
    std::vector<EnvironmentFileRef> environment_files;
    // Made (and given to the user) before the process starts.
    ServiceDirectories directories;
    ProcessAttributes attributes;
    // The process gets WATCHDOG_PID=<its own pid> (it is known only once it
    // exists, so the child writes it; see spawn.h).
    bool watchdog_pid = false;
};

struct SpawnResult {
    pid_t pid = 0;
    uid_t uid = 0;
};

// How a process ended, as waitid() reports it.
struct ExitStatus {
    int code = 0;    // exit code when signal == 0
    int signal = 0;  // terminating signal, or 0
    bool success() const { return signal == 0 && code == 0; }
    std::string to_string() const;
};

class ProcessControl {
  public:
    virtual ~ProcessControl() = default;
    // Starts the unit's process asynchronously. The outcome comes back to
    // Manager::on_spawned or Manager::on_spawn_failed, on the main thread.
    virtual void spawn(UnitId unit, SpawnRequest request) = 0;
    // Signals a unit's process and its process group (services run in their
    // own session, so the group holds what they forked). A negative pid is a
    // process group. Never reaches PID 1, every process (-1), the caller's
    // own group (0) or the caller, whatever it is asked.
    virtual void kill(pid_t pid, int signal) = 0;
    // The same for one process alone, not its group (kill_mode = "process",
    // reload_signal), with the same refusals.
    virtual void kill_process(pid_t pid, int signal) = 0;
    // The session id of a process, to tie sd_notify senders to their unit.
    virtual std::optional<pid_t> session_of(pid_t pid) = 0;
    // The parent of a process, to tell whether MAINPID= names a descendant
    // of the unit's processes.
    virtual std::optional<pid_t> parent_of(pid_t pid) = 0;
    // At most kMaxPidFileSize + 1 bytes of a forking service's pid file (one
    // more than allowed, so that a longer file shows); an error when it
    // cannot be read, is not a regular file or is a symbolic link.
    virtual Result<std::string> read_pid_file(const std::string& path) = 0;
    // The unit is down: its runtime directories (names under /run) go, with
    // everything in them. Failures are the implementation's to report.
    virtual void remove_runtime_directories(const std::string& unit,
                                            const std::vector<std::string>& names) = 0;
};

// A service's cgroup (cgroup_tree.h): made before its process starts, and
// what tells whether any of its processes is left, whoever their parent.
class CgroupControl {
  public:
    virtual ~CgroupControl() = default;
    // Creates the unit's cgroup with its limits; returns its directory. A
    // limit that cannot be applied is reported by the implementation and the
    // cgroup still returned; an error means no cgroup.
    virtual Result<std::string> prepare(const std::string& unit, const Service& service) = 0;
    virtual bool populated(const std::string& unit) = 0;
    // Every process in it (SIGKILL: through cgroup.kill).
    virtual void kill_all(const std::string& unit, int signal) = 0;
    // The unit is down: its cgroup goes if it is empty.
    virtual void remove(const std::string& unit) = 0;
    // For `fastinit status`: the cgroup's directory and what runs in it
    // (pid and comm, as the process named itself).
    virtual std::string path(const std::string& unit) = 0;
    virtual std::vector<std::pair<pid_t, std::string>> processes(const std::string& unit) = 0;
};

// pid_file_poll: a forking service's parent has exited and its pid file is
// not there (yet): look again shortly, until the start timeout.
// control_timeout: the running command of exec_start_pre and friends.
// device_timeout: a waiting unit's after_devices have not all appeared.
// watchdog: a service with a watchdog has not petted it (WATCHDOG=1) in time.
enum class TimerKind {
    start_timeout,
    stop_timeout,
    restart_delay,
    pid_file_poll,
    control_timeout,
    device_timeout,
    watchdog
};

class TimerControl {
  public:
    virtual ~TimerControl() = default;
    // (Re)arms the unit's timer of that kind; Manager::on_timer fires later.
    virtual void arm(UnitId unit, TimerKind kind, TimePoint deadline) = 0;
    virtual void disarm(UnitId unit, TimerKind kind) = 0;
};

class TimeSource {
  public:
    virtual ~TimeSource() = default;
    virtual TimePoint now() = 0;
};

// The devices units wait for (after_devices; spellings in
// initd/unit/device_spec.h). It never blocks: present() is a quick look
// (stat, a udev link, an interface index), and a spec being watched is
// reported through Manager::on_device_present once it appears.
class DeviceWatcher {
  public:
    virtual ~DeviceWatcher() = default;
    virtual bool present(const std::string& spec) = 0;
    // Looks for `spec` until it appears, then reports it once and forgets
    // it. Watching a spec twice is watching it once.
    virtual void watch(const std::string& spec) = 0;
    // Stops looking for `spec`: no unit waits for it any more (it timed out
    // or was stopped). Looking costs a disk scan for a tag without udevd.
    virtual void unwatch(const std::string& spec) = 0;
};

// Facts about the machine that conditions test.
class ConditionContext {
  public:
    virtual ~ConditionContext() = default;
    virtual bool path_exists(const std::string& path) = 0;
    virtual const std::vector<std::string>& kernel_cmdline_words() = 0;
};

}  // namespace fastinit
