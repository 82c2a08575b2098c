// Leaves the initramfs for the real root: moves the pseudo-filesystems into
// it, frees the initramfs's memory by deleting its files, makes the new root
// "/", and executes the next init. Like util-linux's switch_root, but inside
// PID 1 so nothing has to be re-executed in between.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace fastinit {

// Moves /dev, /proc, /sys and /run into `new_root`, has the initramfs
// contents deleted (never crossing into other mounts) by a child process at
// idle priority, which the next init reaps, and chroots into `new_root`.
// Returns an error, leaving the system in the initramfs, only if nothing has
// been changed yet; later failures are best-effort and reported.
Result<void> switch_root(const std::string& new_root);

// `path` (absolute) in the filesystem mounted at `root`, its symlinks
// followed inside that filesystem: an absolute link target such as
// /sbin/init -> /lib/systemd/systemd names a path of `root`, not of the
// initramfs. Only the last component's links are followed.
std::string resolve_in(const std::string& root, std::string path);

// The first of `candidates` (absolute paths of the root at `root`) that is
// an executable file there; empty when none is.
std::string first_executable_in(const std::string& root,
                                const std::vector<std::string>& candidates);

}  // namespace fastinit
