// The manager role of the fastinit binary: PID 1 of a machine or of a PID
// namespace, or a supervisor started by hand for development.
#pragma once

#include <functional>

namespace fastinit {

// What a real boot's manager needs from the device cache, which initd does
// not depend on.
struct ManagerHooks {
    // Run on a thread of its own while the units start: finishes the device
    // work stage 1 left to the real root and loads what only the real root
    // has modules for. True when it rewrote the handed-over cache (kept on
    // the root again then).
    std::function<bool()> complete_devices;
};

// Never returns when running as PID 1.
int run_manager(int argc, char** argv, const ManagerHooks& hooks = {});

}  // namespace fastinit
