// The rule: every service runs in a cgroup of its own, `<root>/<unit>.service`,
// and the manager itself in `<root>/init.scope` (cgroup v2 lets only leaf
// cgroups hold processes once controllers are enabled). A service is down
// only when its cgroup is empty, whatever its processes forked or setsid()'d.
//
// This is the file-system side of that: a directory tree under `root`, read
// and written with plain system calls, so unit tests point it at a temporary
// directory laid out like cgroupfs. It logs nothing; callers report errors.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace fastinit {

// Resource limits a service asks for (unit keys memory_max, tasks_max,
// cpu_weight), written to memory.max, pids.max and cpu.weight.
struct CgroupLimits {
    std::optional<std::string> memory_max;  // bytes or "max", as the kernel takes it
    std::optional<std::string> tasks_max;   // a count or "max"
    std::optional<std::string> cpu_weight;  // 1..10000
    bool empty() const { return !memory_max && !tasks_max && !cpu_weight; }
};

// The cgroup directory name of a unit: "sshd" → "sshd.service".
std::string service_cgroup_name(std::string_view unit);

// The mount point of the cgroup2 hierarchy in /proc/self/mountinfo's text.
std::optional<std::string> cgroup2_mount_point(std::string_view mountinfo);
// The process's cgroup v2 path ("/a/b") from /proc/self/cgroup's "0::" line.
std::optional<std::string> unified_cgroup_path(std::string_view proc_self_cgroup);

class CgroupTree {
  public:
    using Killer = std::function<void(pid_t pid, int signal)>;
    // `root`: the directory that holds init.scope and the services' cgroups.
    explicit CgroupTree(std::string root, Killer killer = {});

    const std::string& root() const { return m_root; }
    std::string path_of(std::string_view unit) const;

    // Moves `pid` (the manager) into <root>/init.scope and enables every
    // controller of cgroup.controllers in cgroup.subtree_control. Returns
    // what could not be done, as sentences (the tree still works for
    // tracking without controllers).
    Result<std::vector<std::string>> adopt_manager(pid_t pid);

    // Creates the unit's cgroup (or reuses an empty one) and applies its
    // limits. A limit whose file is missing (its controller is not enabled)
    // becomes a warning naming the unit and key; the cgroup is still usable.
    Result<std::vector<std::string>> prepare(std::string_view unit, const CgroupLimits& limits);

    // Whether any process is in it ("populated 1" in cgroup.events; a
    // missing cgroup is empty).
    bool populated(std::string_view unit) const;
    std::vector<pid_t> processes(std::string_view unit) const;
    // SIGKILL through cgroup.kill (Linux 5.14+), else, and for every other
    // signal, to each pid in cgroup.procs. Never pid 1 or the manager.
    void kill_all(std::string_view unit, int signal);
    // Removes the unit's cgroup if it is empty; errors ignored (not empty yet).
    void remove(std::string_view unit);

  private:
    std::string m_root;
    Killer m_killer;
};

}  // namespace fastinit
