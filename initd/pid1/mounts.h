// The pseudo-filesystems every Linux userspace expects, mounted by PID 1 when
// they are missing (an initramfs starts with none; a namespace or container
// already has most of them, and those are left alone).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace fastinit {

class MountOps {
  public:
    virtual ~MountOps() = default;
    virtual bool is_mountpoint(const std::string& path) = 0;
    virtual Result<void> make_directory(const std::string& path, unsigned mode) = 0;
    virtual Result<void> mount(const std::string& source, const std::string& target,
                               const std::string& type, unsigned long flags,
                               const std::string& data) = 0;
};

// The real system calls.
MountOps& system_mount_ops();

struct MountReport {
    std::vector<std::string> mounted;  // targets mounted now
    std::vector<Error> errors;         // one per mount that failed
};

// /proc, /sys, /dev (devtmpfs), /dev/pts, /dev/shm and /run, in that order,
// each only if nothing is mounted there yet. Failures are collected, not
// fatal: the boot goes on with what it has.
MountReport mount_pseudo_filesystems(MountOps& ops);

// The real init's kernel interfaces beyond those: the cgroup2 hierarchy at
// /sys/fs/cgroup (the manager puts every service in a cgroup of its own),
// bpf at /sys/fs/bpf and securityfs at /sys/kernel/security, each only if
// nothing is mounted there. Failures are collected (the callers warn).
MountReport mount_kernel_filesystems(MountOps& ops);

}  // namespace fastinit
