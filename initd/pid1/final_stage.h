// What PID 1 does once every unit has stopped: end the processes that no
// unit owned, flush filesystems, and hand the machine to the kernel for
// power-off, reboot, halt or a kexec jump. If that call returns, PID 1 does
// not exit (the kernel would panic): a failed kexec or reboot falls back to a
// firmware reboot; whatever still fails ends halted in place.
#pragma once

#include <chrono>
#include <functional>

#include "base/power_action.h"

namespace fastinit {

class PowerOps {
  public:
    virtual ~PowerOps() = default;
    // Signals every process but the caller (kill(-1, ...)).
    virtual void signal_all(int signal) = 0;
    // Reaps children until none is left or the deadline passes; true if none
    // is left.
    virtual bool reap_all_until(std::chrono::steady_clock::time_point deadline) = 0;
    virtual void sync() = 0;
    // Unmounts disk filesystems, or remounts them read-only when busy, the
    // root last. Only on a real machine: in a PID namespace the superblocks
    // are the host's.
    virtual void unmount_filesystems() = 0;
    // reboot(2); returns only on failure, with errno.
    virtual int reboot(int command) = 0;
    virtual void halt_forever() = 0;
};

PowerOps& system_power_ops();

// Only for PID 1 (of the machine or of a PID namespace).
// `release_filesystems`: unmount or remount read-only before the jump (a
// real boot); false in a PID namespace. `before_jump` runs right before
// each reboot(2) (the hardware watchdog's last pet).
[[noreturn]] void finish_as_pid1(PowerAction action, PowerOps& ops,
                                 std::chrono::milliseconds grace = std::chrono::seconds(3),
                                 bool release_filesystems = false,
                                 const std::function<void()>& before_jump = {});

// The reboot(2) command for an action.
int reboot_command(PowerAction action);

}  // namespace fastinit
