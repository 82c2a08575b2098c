// Loading the modules modules-load.d lists. Rule: every listed name is
// resolved as modprobe would (a name or an alias; blacklisted and built-in
// modules left out), a name that resolves to nothing is an error at its
// FILE:LINE, and everything else still loads, in parallel with its
// prerequisites. Through the resolver and loader seams, so tests fake
// libkmod.
#pragma once

#include <string>
#include <vector>

#include "device-cache/module_loader.h"
#include "device-cache/module_resolver.h"
#include "device-cache/modules_load.h"

namespace fastinit {

struct ModulesLoadReport {
    // One line per listed module: "loop: loaded (/etc/modules:3)".
    std::vector<std::string> lines;
    // "FILE:LINE: error: ...", one per module that did not get in.
    std::vector<std::string> errors;
};

// `loader` null: resolve only, and say what would load.
ModulesLoadReport load_listed_modules(const std::vector<ModulesLoadEntry>& modules,
                                      ModuleResolver& resolver, ModuleLoader* loader);

}  // namespace fastinit
