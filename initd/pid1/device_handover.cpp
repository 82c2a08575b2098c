#include "initd/pid1/device_handover.h"

#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "base/paths.h"
#include "base/text.h"

extern char** environ;

namespace fastinit {

void keep_handed_over_device_cache() {
    const std::string kept = paths::kDeviceCache;
    // PID 1 reads it: a file grown without bound must not exhaust its memory.
    auto fresh = read_file_at_most(paths::kHandedOverCache, paths::kMaxDeviceCacheSize);
    if (!fresh) {
        if (fresh.error().errno_value == EFBIG)
            log::warning("device cache from the initramfs not kept: ", fresh.error().message);
        return;
    }
    auto old = read_file_at_most(kept, paths::kMaxDeviceCacheSize);
    if (old && *old == *fresh)
        return;
    ::mkdir(paths::kDeviceCacheDir, 0755);
    auto written = write_file_atomically(kept, *fresh);
    if (written)
        log::info("device cache from the initramfs kept in ", kept);
    else
        log::warning("cannot keep the device cache: ", written.error().message,
                     " (read-only root?)");
}

void start_stage2_devices(const std::string& fastinit) {
    if (fastinit.empty()) {
        log::warning(
            "devices: no fastinit binary next to the manager; stage 2 device work skipped");
        return;
    }
    // The manager blocks the signals it handles through signalfd; the child
    // must not inherit that mask.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    const char* argv[] = {fastinit.c_str(), "devices", "stage2", nullptr};
    pid_t pid = 0;
    int error =
        ::posix_spawn(&pid, fastinit.c_str(), nullptr, &attr, const_cast<char**>(argv), environ);
    posix_spawnattr_destroy(&attr);
    if (error != 0)
        log::warning("devices: cannot start ", fastinit, " devices stage2: ", std::strerror(error));
    else
        log::debug("devices: stage 2 runs as pid ", pid);
}

}  // namespace fastinit
