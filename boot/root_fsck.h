// Checking the root filesystem in stage 1, before it is mounted: the
// options (fsck.mode=, fsck.repair=, as systemd spells them), the command
// and what its exit status means. Decided here; run through the
// Stage1System seam. Rules:
//   - The root is checked when the image carries the checker for its type
//     (fsck.TYPE: mkinitramfs adds it); without one it is left to the
//     manager's `fsck--` unit, as before.
//   - It is checked even with `rw` on the command line: it is not mounted
//     yet, so a check is safe either way.
//   - fsck(8)'s status is a bit mask: 0 clean, 1 errors corrected, 2
//     corrected and a reboot needed (the kernel may hold stale data of it),
//     4 and up errors left, an operational error, a usage error or a
//     cancel. Corrected: the boot goes on; reboot: stage 1 reboots; the
//     rest: the emergency shell, saying how to repair it.
//   - A root stage 1 checked (clean or corrected) is marked in
//     paths::kRootFsckDone, and the manager's `fsck--` is then skipped.
#pragma once

#include <string>
#include <vector>

#include "base/duration.h"
#include "base/kernel_cmdline.h"
#include "base/result.h"

namespace fastinit {

// How long the check may take before it is killed (and the boot stops in
// the emergency shell): long for a disk, bounded all the same.
inline constexpr Duration kRootFsckTimeout = std::chrono::minutes(15);

enum class FsckMode { automatic, skip, force };  // fsck.mode=auto|skip|force
enum class FsckRepair { preen, yes, no };        // fsck.repair=preen|yes|no

struct FsckOptions {
    FsckMode mode = FsckMode::automatic;
    FsckRepair repair = FsckRepair::preen;
    std::vector<Error> errors;  // values not understood (the default is kept)
};
FsckOptions fsck_options(const KernelCmdline& cmdline);

// The command: `tool -a DEVICE` (preen: what is safe to fix unattended),
// -y with fsck.repair=yes (fix everything), -n with fsck.repair=no (only
// look); -f with fsck.mode=force (check a filesystem marked clean too).
std::vector<std::string> fsck_argv(const std::string& tool, const std::string& device,
                                   const FsckOptions& options);

enum class FsckVerdict { clean, fixed, reboot, failed };
FsckVerdict judge_fsck_status(int status);
// "clean", "fixed", "reboot", "failed": the word in initrd.json.
const char* to_string(FsckVerdict verdict);

// What an uncorrected status means, for the emergency shell's message.
std::string describe_fsck_failure(int status);

}  // namespace fastinit
