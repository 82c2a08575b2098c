// The fstab generator. Rule: fstab lines become ordinary in-memory units
// before the graph is built, so they start, order, fail and show in
// `analyze critical-chain` like units from files; a unit file of the same
// name wins over a generated unit, as /etc wins over /usr/lib.
//
// What each line becomes (docs/units.md, "fstab as units"):
//   - a mount unit `mount-ESC` (ESC: escape_unit_path of the mount point)
//     that runs /bin/mount for the entry, before `local-fs`, or, for network
//     filesystems and `_netdev`, after `network-online` and before
//     `remote-fs`. The target requires it, or only wants it (and is not
//     ordered after it) with `nofail`;
//     with `noauto` nothing pulls it in but it can be started by name.
//   - with a pass number, an fsck unit `fsck-ESC` the mount requires, run
//     after the fsck units of every lower pass (pass 1, the root, first).
//   - the root line: `remount-root`, which remounts / with fstab's options
//     after the root's fsck (`fsck--`, generated only when / is mounted
//     read-only: a read-write root cannot be checked, and skipped when
//     stage 1 checked the root before mounting it: its mark
//     paths::kRootFsckDone exists). Every other mount is ordered after it.
//   - a swap line: `swap-ESC` (ESC of the device) running swapon, before
//     `swap`.
//
// The device of a mount, fsck or swap line (UUID=, LABEL=, PARTUUID=,
// PARTLABEL=, /dev/...) is the unit's after_devices: it starts once that
// device exists, not after a global `udevadm settle`; mount, fsck and
// swapon then resolve the spelling themselves. The root's units do not wait
// (stage 1 has mounted it). A nofail line is not ordered before its target,
// so a missing device does not hold the boot.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/paths.h"
#include "initd/unit/fstab.h"
#include "initd/unit/unit_loader.h"

namespace fastinit {

inline constexpr char kDefaultFstab[] = "/etc/fstab";

struct FstabContext {
    std::string fstab_path = kDefaultFstab;             // handed to mount(8) and named in messages
    bool root_read_only = true;                         // stage 1 left / read-only: check it first
    std::string client_program = "/usr/sbin/fastinit";  // asked to reboot when fsck says so
    // Stage 1's mark that it checked the root (boot/root_fsck.h); "": none.
    std::string root_checked = paths::kRootFsckDone;
};

// The unit-name spelling of a path: "/" is "-", "/var/lib/x" is
// "var-lib-x"; bytes other than letters, digits and '.' (including '-',
// '_' and '@') become _XX in hex, so two paths never share a name.
std::string escape_unit_path(std::string_view path);

// Whether the mount at "/" is read-only, from /proc/self/mountinfo's text.
// Unparseable text counts as read-write: then no fsck runs on a mounted root.
bool root_is_read_only(std::string_view mountinfo);

// Adds the units of `entries` to `units` (diagnostics to units.diagnostics).
void add_fstab_units(UnitSet& units, const std::vector<FstabEntry>& entries,
                     const FstabContext& context);

// Reads context.fstab_path (a missing file is no fstab), parses it and adds
// its units; returns how many units were generated.
size_t load_fstab_units(UnitSet& units, const FstabContext& context);

}  // namespace fastinit
