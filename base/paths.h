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
// The largest device cache anyone copies or reads: a real one is well under
// a megabyte, and a bigger file would only cost boot time and memory before
// it was rejected.
inline constexpr size_t kMaxDeviceCacheSize = 16 * 1024 * 1024;

// The manager's runtime directory: control socket, notify socket, reports.
inline constexpr const char* kRuntimeDir = "/run/fastinit";
// Where stage 1 leaves the device cache it used or rewrote, for stage 2 to
// keep on the real root.
inline constexpr const char* kHandedOverCache = "/run/fastinit/devices.db";
// Stage 2's device work (`fastinit devices stage2`, beside the units of a
// real boot) leaves its report under this name in the runtime directory,
// next to the boot timeline, when it is done.
inline constexpr const char* kStage2ReportName = "stage2.json";

}  // namespace fastinit::paths
