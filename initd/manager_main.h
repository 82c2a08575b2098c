// The manager role of the fastinit binary: PID 1 of a machine or of a PID
// namespace, or a supervisor started by hand for development.
#pragma once

namespace fastinit {

// Never returns when running as PID 1.
int run_manager(int argc, char** argv);

}  // namespace fastinit
