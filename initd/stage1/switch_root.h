// Leaves the initramfs for the real root: moves the pseudo-filesystems into
// it, frees the initramfs's memory by deleting its files, makes the new root
// "/", and executes the next init. Like util-linux's switch_root, but inside
// PID 1 so nothing has to be re-executed in between.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace fastinit {

// Moves /dev, /proc, /sys and /run into `new_root`, deletes the initramfs
// contents (never crossing into other mounts) and chroots into `new_root`.
// Returns an error, leaving the system in the initramfs, only if nothing has
// been changed yet; later failures are best-effort and reported.
Result<void> switch_root(const std::string& new_root);

// The first of `candidates` that exists and is executable in the (new) root.
std::string first_executable(const std::vector<std::string>& candidates);

}  // namespace fastinit
