// The device cache on disk: one SQLite file, read on every boot, written
// after a probe.
//
// Writing builds the whole new database in a temporary file next to the
// cache, fsyncs it and renames it over the old one, so a crash leaves
// either the old cache or the new one, never a half-written file.
//
// Reading never throws and never blocks for long: every way a cache can be
// bad comes back as a state with one sentence saying why. On a read-only
// file system the file is opened immutable (no locks, no journal).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/paths.h"
#include "base/result.h"
#include "device-cache/device_cache.h"

namespace fastinit {

// PRAGMA user_version of the caches this code writes; it reads those from
// kOldestReadableCacheSchema on (see cache_schema.h).
//   1  the first
//   2  adds the root record (table root_modules, meta root_source,
//      root_fstype and root_device)
//   3  adds the root's storage layers (meta root_layers, root_stack.h)
inline constexpr int kCacheSchemaVersion = 3;
inline constexpr int kOldestReadableCacheSchema = 1;

// The largest file the reader opens: the limit of what stage 1 hands over
// and PID 1 keeps, too.
inline constexpr uint64_t kMaxCacheFileSize = paths::kMaxDeviceCacheSize;

enum class CacheState {
    valid,
    missing,       // no file
    empty,         // 0 bytes
    truncated,     // shorter than its own header says
    garbage,       // not an SQLite database at all
    corrupt,       // SQLite found damage inside
    locked,        // another connection holds a write lock (we waited ~100 ms)
    wrong_schema,  // another schema version, or not a fastinit cache
    wrong_kernel,  // intact, but written for another kernel release
    unreadable,    // permissions, I/O errors and the like
};

std::string_view cache_state_name(CacheState state);

struct CacheLoad {
    CacheState state = CacheState::missing;
    // One sentence, naming the file: "the device cache /x is truncated
    // (4096 of 8192 bytes)". Empty when valid.
    std::string reason;
    // Present when valid, and also for wrong_kernel, so tools can show it.
    std::optional<DeviceCache> cache;

    bool valid() const { return state == CacheState::valid; }
};

// How much of the cache to read. Every statement SQLite compiles costs
// several milliseconds of an emulated CPU in early boot.
enum class CacheDetail {
    everything,
    // What deciding and loading need: meta, fingerprint, modules with their
    // prerequisites, the root record. devices, aliases and timings (for
    // validation and display) stay empty.
    for_loading,
};

// Reads the cache at `path`, expecting one written for `kernel_release`.
//
// The file is treated as hostile (see hostile_db.h): larger than
// kMaxCacheFileSize, carrying a view or trigger, a table that is not one, a
// module path leading out of the module tree (module_path.h), or more work
// to read than any real cache: each is a damaged cache (corrupt or
// wrong_schema), which the boot answers with a probe, never a hang.
CacheLoad load_cache(const std::string& path, const std::string& kernel_release,
                     CacheDetail detail = CacheDetail::everything);

// The same for a cache file's bytes in memory (SQLite reads them in place);
// `name` stands for the file in reasons.
CacheLoad load_cache_image(std::string_view image, const std::string& name,
                           const std::string& kernel_release,
                           CacheDetail detail = CacheDetail::everything);

// Atomically replaces the cache at `path` (creating its directory). On
// failure the previous file is untouched and the temporary file removed.
Result<void> save_cache(const std::string& path, const DeviceCache& cache);

// Removes the cache so the next boot probes. A missing cache is fine.
Result<void> remove_cache(const std::string& path);

// The temporary file save_cache writes before renaming: `path` + ".new".
std::string cache_temp_path(const std::string& path);

}  // namespace fastinit
