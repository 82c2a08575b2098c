// The manager's runtime directory (/run/fastinit, or --runtime-dir): the
// control socket, the notify socket and boot.json live there, all written by
// root. A directory someone else owns or may write to would let them swap
// those files for symlinks and make root write wherever they point, or put
// their own socket where clients look for the manager's; so it is refused.
#pragma once

#include <string>

#include "base/result.h"

namespace fastinit {

// Creates `path` (mode 0755) when it is missing; then succeeds only when it
// is a directory, not a symlink, owned by us and not writable by anyone
// else. The error says which rule failed.
Result<void> prepare_runtime_dir(const std::string& path);

// Where PID 1 goes when its runtime directory is refused: a new directory of
// its own (mkdtemp, so nobody can have prepared it) under /run, or /tmp when
// /run is missing. PID 1 must keep running and its services still need a
// notify socket; the bus is served there too, at a path the log names.
Result<std::string> make_private_runtime_dir();

}  // namespace fastinit
