// A kernel's module directory (modules.dep.bin and friends, as depmod
// writes them) and the kernel release it belongs to.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace fastinit {

struct ModuleTree {
    std::string dir;      // e.g. /lib/modules/6.1.0-56-amd64
    std::string release;  // the directory's last component: 6.1.0-56-amd64
    // True when this tree belongs to the kernel running now, so modules
    // that are already loaded can be recognised as such.
    bool running = false;
};

// uname -r.
std::string running_kernel_release();

// /lib/modules/$(uname -r).
ModuleTree running_module_tree();

// Any module directory, such as an extracted Debian kernel after
// `depmod -b`. Its release is the directory's name.
ModuleTree module_tree_at(const std::string& dir);

// Copies part of `from` into the directory `to` (created; its last
// component should be the release): the indexes (every file at the top)
// and the module files named by their paths relative to the tree, so that
// libkmod can load those modules from the copy.
Result<ModuleTree> copy_module_tree_part(const ModuleTree& from, const std::string& to,
                                         const std::vector<std::string>& module_paths);

}  // namespace fastinit
