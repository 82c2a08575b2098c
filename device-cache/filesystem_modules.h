// A filesystem's modules: no device asks for them, so they are found by the
// alias the kernel gives each filesystem type ("fs-ext4"). The one place
// that alias is spelled, for the bring-up's root-first load and for stage 1
// loading its root's filesystem.
#pragma once

#include <string>

#include "base/result.h"
#include "device-cache/module_resolver.h"
#include "device-cache/module_tree.h"

namespace fastinit {

// The modules (with their dependencies) that provide filesystem `fstype`.
Result<Resolution> resolve_filesystem(ModuleResolver& resolver, const std::string& fstype);

// Loads filesystem `fstype`'s modules from `tree` on this machine. Only the
// modules the alias names must load; a soft prerequisite (such as a
// CPU-specific crc32c) may fail without harm.
Result<void> load_filesystem_here(const ModuleTree& tree, const std::string& fstype);

// The same for modules by name or alias that no device asks for (a storage
// layer's: md_mod, raid1, dm_mod). Those built into the kernel need nothing;
// an error names each that neither is built in nor loaded.
Result<void> load_named_modules_here(const ModuleTree& tree, const std::vector<std::string>& names);

}  // namespace fastinit
