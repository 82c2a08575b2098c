// The rule for module paths taken from the device cache: a path is relative
// to the module tree and must stay inside it. The cache is a file on disk
// (and handed from stage 1 to the real root through /run), so a path such
// as "../../../etc/shadow" or "/sbin/init" in it must never make fastinit
// copy, read or load a file outside the tree.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace fastinit {

// Why `path` could leave a module tree, in words ("it is absolute", "it has
// a \"..\" component"), or "" when it names something inside it. Looks at
// the text only: symlinks are checked by resolve_module_path.
std::string module_path_problem(std::string_view path);

// `tree_dir` + "/" + `path` with every symlink resolved, when that file
// exists and lies inside the tree (itself resolved: /lib/modules may be a
// link to /usr/lib/modules). Otherwise an Error naming the path and why.
Result<std::string> resolve_module_path(const std::string& tree_dir, const std::string& path);

}  // namespace fastinit
