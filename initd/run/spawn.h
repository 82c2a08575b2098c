// Creates a service process. The child is made with clone(CLONE_VM |
// CLONE_VFORK), as posix_spawn does: it shares the parent's memory until it
// calls execve, so nothing is copied, and between clone and execve it makes
// only async-signal-safe system calls on arrays prepared beforehand. The
// parent resumes once the child has executed the program or failed, so an
// exec failure is reported precisely (with its errno) rather than as an exit
// code. Safe to call from any thread.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.h"
#include "initd/run/attribute_plan.h"
#include "initd/run/user_db.h"

namespace fastinit {

struct ProcessSpec {
    std::vector<std::string> argv;  // argv[0] is an absolute path
    std::vector<std::string> environment;
    std::string working_directory;  // empty: "/"
    bool change_credentials = false;
    Credentials credentials;
    // Who `credentials` are, as the unit names them ("www", "1000", with its
    // group when one was given), for the message when switching fails.
    std::string user_label;
    // The child writes itself into this cgroup.procs before anything else,
    // so every process it ever makes is in the service's cgroup; -1: stays
    // in the caller's.
    int cgroup_procs_fd = -1;
    std::string cgroup;  // its directory, for messages
    // Process attributes, applied in the child before the user switch (the
    // ambient capabilities and no_new_privileges after it); null: none.
    const AttributePlan* attributes = nullptr;
    // The child adds WATCHDOG_PID=<its own pid> to `environment` (a service
    // watchdog's contract: the pid the manager expects WATCHDOG=1 from).
    bool watchdog_pid = false;
    int stdin_fd = -1;  // -1: /dev/null
    int stdout_fd = -1;
    int stderr_fd = -1;
};

struct Spawned {
    pid_t pid = -1;
    // What was applied otherwise than asked, for the log: a resource limit
    // the kernel refused, lowered to the closest it allowed.
    std::vector<std::string> warnings;
};

// The pid of a child that has successfully executed its program.
Result<Spawned> spawn_process(const ProcessSpec& spec);

}  // namespace fastinit
