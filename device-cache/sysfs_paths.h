// Small helpers for reading sysfs's symlinks, shared by the root record's
// driver chain (root_record.h) and the root's storage stack (root_stack.h).
// A sysfs tree is a directory argument ("/sys", or a test's fake tree).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.h"

namespace fastinit {

// The symlink's target, "" when `path` is not a readable symlink.
std::string read_link(const std::string& path);
// What follows the last '/'.
std::string last_component(const std::string& path);
// `target` (a symlink target) resolved against directory `base`, with "."
// and ".." folded away; an absolute target stays absolute.
std::string resolve_relative(const std::string& base, const std::string& target);
// The symlink `dir`/`name` resolved: "" when there is none.
std::string resolve_link_in(const std::string& dir, const std::string& name);

// The sysfs directory of block device `device` (/sys/devices/...).
Result<std::string> block_device_dir(dev_t device, const std::string& sysfs);
// The modules bound along the sysfs ancestry of device directory `path`,
// outermost first (see block_device_driver_modules).
std::vector<std::string> device_dir_driver_modules(std::string path, const std::string& sysfs);

}  // namespace fastinit
