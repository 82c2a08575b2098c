// Every file and directory fastinit's programs share with each other or
// with the system, named once. A path written out in two places drifts
// apart; here stage 1, PID 1, the client and the tests agree by construction.
#pragma once

#include <cstddef>

namespace fastinit::paths {

// The marker file of an initramfs: as PID 1 with it present, the binary
// takes the role of stage 1.
inline constexpr const char* kInitrdRelease = "/etc/initrd-release";

// The known-devices cache on the real root, kept across boots.
inline constexpr const char* kDeviceCache = "/var/lib/fastinit/devices.db";
inline constexpr const char* kDeviceCacheDir = "/var/lib/fastinit";
// The second cache, stage 2's: what the real root's own module tree loads on
// this machine (the devices the initramfs has no module for). Same format,
// its fingerprint the root tree's index and the devices stage 1 saw.
inline constexpr const char* kRootModulesCacheName = "devices-root.db";
inline constexpr const char* kRootModulesCache = "/var/lib/fastinit/devices-root.db";
// The largest device cache anyone copies or reads: a real one is well under
// a megabyte, and a bigger file would only cost boot time and memory before
// it was rejected.
inline constexpr size_t kMaxDeviceCacheSize = 16 * 1024 * 1024;

// The manager's runtime directory: control socket, notify socket, reports.
inline constexpr const char* kRuntimeDir = "/run/fastinit";
// Its sockets, by name: the bus (org.fastinit1.Manager) and sd_notify.
inline constexpr const char* kControlSocketName = "private";
inline constexpr const char* kNotifySocketName = "notify";
// What `fastinit kexec load` staged for the next `fastinit reboot`.
inline constexpr const char* kKexecStagedName = "kexec-staged.json";
// The crash dump the boot before this one saved, when this boot is the
// first to learn of it (`fastinit kdump load` writes it, `analyze time`
// reads it): the dump's directory.
inline constexpr const char* kLastCaptureName = "last-capture";
// The boot number the persistent journal writes this boot as
// (journal_writer.h), for `fastinit logs --boot` to tell this boot's files
// from the ones before.
inline constexpr const char* kJournalBootName = "journal-boot";
// Stage 1's messages as journal records (base/journal_record.h), which the
// manager takes into its journal at start (and then removes).
inline constexpr const char* kInitrdJournalName = "initrd-journal.log";
// Where stage 1 leaves the device cache it used or rewrote, for stage 2 to
// keep on the real root.
inline constexpr const char* kHandedOverCache = "/run/fastinit/devices.db";
// Where stage 2 works on its cache (a copy of kRootModulesCache) while the
// root may still be read-only; `fastinit devices keep` writes it back.
inline constexpr const char* kRootModulesCacheRun = "/run/fastinit/devices-root.db";
// Where stage 1 leaves a copy of the module files the real root's fastinit
// is to load: a module tree per kernel release.
inline constexpr const char* kInitrdModulesDir = "/run/fastinit/initrd-modules";

// The reports the boot's stages leave in the runtime directory, by name
// (the manager's runtime directory can be another one).
inline constexpr const char* kInitrdReportName = "initrd.json";  // stage 1
inline constexpr const char* kStage2ReportName = "stage2.json";  // stage 2's device work
inline constexpr const char* kBootReportName = "boot.json";      // the manager's timeline
// Stage 1's, at the path the manager of the real root finds it.
inline constexpr const char* kInitrdReport = "/run/fastinit/initrd.json";
inline constexpr const char* kStage2Report = "/run/fastinit/stage2.json";
// Left by stage 1 when it checked the root (boot/root_fsck.h): the
// manager's `fsck--` is skipped then (initd/unit/fstab_units.h).
inline constexpr const char* kRootFsckDone = "/run/fastinit/fsck-root";
// In the initramfs: the resume device to use when the command line has no
// resume= (mkinitramfs --host-only writes it; boot/resume.h).
inline constexpr const char* kImageResumeDefault = "/etc/fastinit/resume";

// Where stage 1 mounts the real root before it switches to it.
inline constexpr const char* kNewRoot = "/root";
// The kernel command line.
inline constexpr const char* kProcCmdline = "/proc/cmdline";

}  // namespace fastinit::paths
