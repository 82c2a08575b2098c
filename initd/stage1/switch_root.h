// Leaves the initramfs for the real root: moves the pseudo-filesystems into
// it, frees the initramfs's memory by deleting its files, makes the new root
// "/", and executes the next init. Like util-linux's switch_root, but inside
// PID 1 so nothing has to be re-executed in between.
#pragma once

#include <optional>
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

// A file of the filesystem mounted at `root`, found with every symlink and
// ".." resolved inside it (openat2 RESOLVE_IN_ROOT): /sbin/init ->
// /lib/systemd/systemd names the root's systemd, not the initramfs's.
struct InRoot {
    std::string path;         // absolute, in the root's own terms
    bool executable = false;  // a regular file with an execute bit
};
// Nothing when it does not exist (or the kernel lacks openat2, before 5.6).
// `root` "" is the current root.
std::optional<InRoot> look_up_in(const std::string& root, const std::string& path);

// The first of `candidates` (absolute paths of the root at `root`) that is
// an executable file there; empty when none is.
std::string first_executable_in(const std::string& root,
                                const std::vector<std::string>& candidates);

}  // namespace fastinit
