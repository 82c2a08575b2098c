// The boot path: stage 1 (fastinit as /init of an initramfs) and stage 2
// (its device work finished on the real root). The one folder that sees
// both initd/stage1 (the root) and device-cache (the modules).
//
// Glossary, one name per thing, here and in device-cache:
//   bring-up    the device work of a boot (device-cache/apply.h): decide
//               between the cache and a probe, load the modules, keep the
//               cache true. DeviceBringUp over seams, DeviceBringUpHere on
//               this machine, BootBringUp (boot/bring_up.h) as stage 1 uses
//               it: start() before the root is looked for, finish() before
//               switch_root, which may leave the rest for stage 2.
//   apply       the whole bring-up at once (`fastinit devices apply`,
//               apply_devices).
//   stage 1     the sequence below, until the next init is executed.
//   stage 2     on the real root, `fastinit devices stage2` (boot/stage2.h):
//               complete_bring_up with what stage 1 left, then a probe with
//               the root's own modules.
//   reports     initrd.json (stage 1, base/initrd_report.h), stage2.json
//               (base/stage2_report.h), boot.json (the manager's timeline).
//
// Stage 1 prepares just enough of the system to reach the real root —
// pseudo-filesystems, the devices (from the known-devices cache, or a
// probe), the root device named by root= — mounts it, switch_roots into it
// and executes the next init: fastinit.handoff= (or init=) if given, else
// the root's /sbin/init, else its fastinit. /sbin/init first: which init
// runs is the admin's choice (init=, or what /sbin/init is), never a side
// effect of installing fastinit beside systemd. It runs no units: everything here is on
// the path to the root, and each step is already parallel inside.
#pragma once

#include <string>
#include <vector>

#include "boot/stage1_system.h"

namespace fastinit {

// The init candidates tried after fastinit.handoff=, in order.
inline const std::vector<std::string> kNextInitCandidates = {"/sbin/init", "/usr/sbin/fastinit",
                                                             "/sbin/fastinit"};

// Stage 1's steps over `system`; `args` are its command-line arguments
// (argv without argv[0]: "--reprobe" forces a probe). It ends by executing
// the next init or in system.emergency(): it does not return.
[[noreturn]] void run_stage1(Stage1System& system, const std::vector<std::string>& args);

// Stage 1 on this machine, the initramfs's /init: the crash handler first.
[[noreturn]] void run_stage1_here(int argc, char** argv);

}  // namespace fastinit
