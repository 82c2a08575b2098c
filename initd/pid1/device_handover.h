// What the manager of a real boot does about devices. The device cache and
// its libraries (SQLite, libkmod) stay out of PID 1: stage 1 leaves its cache
// in /run, the manager keeps that file on the root, and the device work of
// stage 2 runs in a process of its own (`fastinit devices stage2`).
//
// The root is often still read-only when the manager starts (Debian boots
// with `ro` and remounts after fsck). Then the cache stays in /run and the
// shipped unit `fastinit-devices-keep` (`fastinit devices keep`, after
// local-fs) writes it once the root is writable; that is not a failure.
// Stage 2's own cache (the root tree's, boot/stage2.h) goes the same way.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "base/paths.h"
#include "base/result.h"
#include "base/unique_fd.h"

namespace fastinit {

enum class KeepOutcome {
    written,          // `kept` now holds the handed-over cache
    unchanged,        // `kept` already had the same bytes
    kept_is_newer,    // `kept` changed after the handover (a later probe): left alone
    nothing_to_keep,  // no handed-over cache (not booted through fastinit's initramfs)
};

// Copies the cache at `handed_over` to `kept` (atomically, its directory
// created when missing) unless they are equal or `kept` was modified after
// `handed_over`. Fails with the errno of the failing call (EROFS on a
// read-only root) and a message naming the path; EFBIG for a cache larger
// than paths::kMaxDeviceCacheSize, which nobody should copy.
Result<KeepOutcome> keep_device_cache(const std::string& handed_over, const std::string& kept);

// One sentence for an outcome, naming the paths.
std::string describe_keep(KeepOutcome outcome, const std::string& handed_over,
                          const std::string& kept);

// keep_device_cache from `handed_over` (default paths::kHandedOverCache) to
// `kept` (paths::kDeviceCache), as the manager and stage 2 do it: logs what
// it did; a read-only root is an info line saying the cache is kept later,
// not a warning. Stage 2 keeps its own cache with it too
// (paths::kRootModulesCacheRun to paths::kRootModulesCache).
void keep_handed_over_device_cache(const std::string& handed_over = paths::kHandedOverCache,
                                   const std::string& kept = paths::kDeviceCache);

// Where `fastinit devices keep` keeps stage 2's cache when it keeps the one
// at `handed_over` in `kept`: the file named paths::kRootModulesCacheName
// beside each ({"/run/fastinit/devices-root.db",
// "/var/lib/fastinit/devices-root.db"} for the defaults).
std::pair<std::string, std::string> root_modules_cache_pair(const std::string& handed_over,
                                                            const std::string& kept);

// Starts `FASTINIT devices stage2` without waiting for it: PID 1 reaps it
// like any orphan. Its standard output and error are a pipe whose read end
// (non-blocking) comes back, for the manager to read into its journal once
// its loop runs (the pipe holds what stage 2 writes until then). Logs and
// carries on when it cannot.
struct StartedStage2 {
    pid_t pid = 0;
    UniqueFd output;  // invalid: no pipe (its output goes where PID 1's does)
};
std::optional<StartedStage2> start_stage2_devices(const std::string& fastinit);

}  // namespace fastinit
