// The real root as the kernel command line describes it: root=, rootfstype=,
// rootflags=, ro/rw, and how long to wait for it (fastinit.root_timeout=,
// default 30 s; `rootwait` means wait without limit). A root on NFS
// (root=/dev/nfs, root=nfs:, root=nfs4:) has no device to wait for: its
// server, path and network are in `nfs` (initd/stage1/nfs_root.h).
#pragma once

#include <optional>
#include <string>

#include "base/duration.h"
#include "base/kernel_cmdline.h"
#include "base/result.h"
#include "initd/stage1/nfs_root.h"

namespace fastinit {

struct RootSpec {
    // "/dev/vda1", "UUID=…", "LABEL=…", "PARTUUID=…" or "PARTLABEL=…";
    // "/dev/nfs", "nfs:…" or "nfs4:…" for a root on NFS.
    std::string source;
    std::string fstype;     // empty: detect
    std::string options;    // rootflags=, passed to mount(2) as data
    bool read_only = true;  // the kernel's default, as with "ro"
    std::optional<Duration> timeout = std::chrono::seconds(30);  // nullopt: forever
    std::optional<NfsRoot> nfs;  // a root on NFS; source is then root='s value
};

// Error when there is no root= (or it is empty or malformed).
Result<RootSpec> root_spec_from_cmdline(const KernelCmdline& cmdline);

}  // namespace fastinit
