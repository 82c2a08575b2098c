// Where the running program lives, for finding the programs installed next
// to it (fastinit, fastinit-manager, fastinit-stage1 ship side by side).
#pragma once

#include <string>
#include <string_view>

namespace fastinit {

// The path of `name` in the directory of /proc/self/exe when it is there and
// executable; empty otherwise.
std::string sibling_program(std::string_view name);

}  // namespace fastinit
