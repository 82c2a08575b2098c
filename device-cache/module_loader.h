// The seam through which modules get into the kernel.
#pragma once

#include <string>

#include "device-cache/module_spec.h"

namespace fastinit {

struct LoadAttempt {
    LoadStatus status = LoadStatus::loaded;
    int errno_value = 0;
    std::string message;  // for failures: what went wrong, in a sentence
};

// Loads one module whose prerequisites are already in the kernel.
// Implementations are called from several threads at once and must be
// thread-safe. They never throw; a failure is an attempt with status failed.
class ModuleLoader {
  public:
    virtual ~ModuleLoader() = default;
    virtual LoadAttempt load(const ModuleSpec& module) = 0;
};

}  // namespace fastinit
