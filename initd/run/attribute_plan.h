// Rule: a service's process attributes are turned into plain values here,
// in the parent, before the child exists; the child (spawn.cpp) only hands
// them to system calls, since between clone and execve it may not allocate,
// lock or call a library that might (libcap included).
#pragma once

#include <sched.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

#include "initd/unit/process_attributes.h"

namespace fastinit {

struct AttributePlan {
    struct Limit {
        int resource;
        struct rlimit value;
    };
    Limit limits[RLIM_NLIMITS] = {};
    size_t limit_count = 0;
    bool set_umask = false;
    mode_t umask = 0;
    bool set_nice = false;
    int nice = 0;
    bool set_io_priority = false;
    int io_priority = 0;  // IOPRIO_PRIO_VALUE(class, data), for ioprio_set
    bool set_affinity = false;
    cpu_set_t cpus;
    // "-500\n": what goes into /proc/self/oom_score_adj.
    bool set_oom_score_adj = false;
    char oom_score_adj[16] = {};
    size_t oom_score_adj_length = 0;
    // Capabilities dropped from the bounding set, while still root.
    int bounding_drops[64] = {};
    size_t bounding_drop_count = 0;
    // Raised into the inheritable and ambient sets after the user switch
    // (and kept across it with PR_SET_KEEPCAPS).
    bool set_ambient = false;
    uint64_t ambient = 0;
    bool no_new_privileges = false;

    bool empty() const {
        return limit_count == 0 && !set_umask && !set_nice && !set_io_priority && !set_affinity &&
               !set_oom_score_adj && bounding_drop_count == 0 && !set_ambient && !no_new_privileges;
    }
};

// `last_cap` is the kernel's highest capability (read_last_capability()):
// the bounding set keeps exactly the capabilities named, so every other one
// up to it is dropped.
AttributePlan plan_attributes(const ProcessAttributes& attributes, int last_cap);

// /proc/sys/kernel/cap_last_cap, or the highest capability this program
// was built to know when that cannot be read.
int read_last_capability();

// The ioprio_set value for a class and priority (IOPRIO_PRIO_VALUE).
int io_priority_value(IoClass io_class, int priority);

}  // namespace fastinit
