// Turning modaliases into the modules that drive them: the seam between the
// probe and libkmod.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "device-cache/module_spec.h"

namespace fastinit {

struct AliasMatch {
    std::string modalias;
    // The modules to load for it (after blacklist and built-in filtering).
    std::vector<std::string> modules;
    // Modules the alias matched that need no loading, each with the reason:
    // "e1000e (blacklisted)", "ahci (built-in)". For display only.
    std::vector<std::string> not_needed;

    bool operator==(const AliasMatch&) const = default;
};

struct Resolution {
    // One entry per modalias asked about, in the order asked, including
    // those that matched nothing (most devices are driven by built-in code).
    std::vector<AliasMatch> aliases;
    // Every module to load: the matched ones plus their dependencies and
    // soft dependencies, each once, with prerequisites filled in.
    std::vector<ModuleSpec> modules;
};

class ModuleResolver {
  public:
    virtual ~ModuleResolver() = default;
    virtual Result<Resolution> resolve(const std::vector<std::string>& modaliases) = 0;
};

}  // namespace fastinit
