// Who carries out a reboot for the client verbs: the fastinit manager over
// its control socket, or — on a host whose PID 1 is systemd (companion mode)
// — systemd over the system bus, asked to start kexec.target, reboot.target,
// poweroff.target or halt.target.
#pragma once

#include <memory>

#include "base/result.h"
#include "cli/verbs.h"
#include "kexec/reboot_plan.h"

namespace fastinit {

// The fastinit manager when one listens; else, unless the caller named a
// runtime directory, systemd when it is PID 1 (sd_booted); else an error
// that says neither is there.
Result<std::unique_ptr<RebootRequester>> connect_reboot_requester(const ClientContext& context);

// The unit systemd is asked to start for a mode.
const char* systemd_target_for(PowerAction mode);

}  // namespace fastinit
