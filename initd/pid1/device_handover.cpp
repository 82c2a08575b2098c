#include "initd/pid1/device_handover.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <tuple>

#include "base/atomic_file.h"
#include "base/log.h"
#include "base/paths.h"
#include "base/text.h"

extern char** environ;

namespace fastinit {

Result<KeepOutcome> keep_device_cache(const std::string& handed_over, const std::string& kept) {
    struct stat from {};
    if (::stat(handed_over.c_str(), &from) != 0) {
        if (errno == ENOENT)
            return KeepOutcome::nothing_to_keep;
        return system_error("cannot read " + handed_over);
    }
    // PID 1 reads it: a file grown without bound must not exhaust its memory.
    auto fresh = read_file_at_most(handed_over, paths::kMaxDeviceCacheSize);
    if (!fresh)
        return fresh.error();
    struct stat to {};
    if (::stat(kept.c_str(), &to) == 0) {
        auto old = read_file_at_most(kept, paths::kMaxDeviceCacheSize);
        if (old && *old == *fresh)
            return KeepOutcome::unchanged;
        // `fastinit devices probe` after the boot wrote a cache of its own:
        // the older one from the initramfs must not replace it.
        if (std::tie(to.st_mtim.tv_sec, to.st_mtim.tv_nsec) >
            std::tie(from.st_mtim.tv_sec, from.st_mtim.tv_nsec))
            return KeepOutcome::kept_is_newer;
    }
    std::string dir = kept.substr(0, kept.rfind('/'));
    if (!dir.empty() && ::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
        return system_error("cannot create " + dir);
    FI_TRY(write_file_atomically(kept, *fresh));
    return KeepOutcome::written;
}

std::string describe_keep(KeepOutcome outcome, const std::string& handed_over,
                          const std::string& kept) {
    switch (outcome) {
        case KeepOutcome::written:
            // Stage 1's cache and stage 2's root tree cache alike.
            return "device cache " + handed_over + " kept in " + kept;
        case KeepOutcome::unchanged:
            return kept + " already holds the device cache of this boot";
        case KeepOutcome::kept_is_newer:
            return kept + " changed after this boot's handover; " + handed_over + " not copied";
        case KeepOutcome::nothing_to_keep:
            return "nothing to keep: no device cache was handed over in " + handed_over;
    }
    return "";
}

void keep_handed_over_device_cache(const std::string& handed_over, const std::string& kept_at) {
    auto kept = keep_device_cache(handed_over, kept_at);
    if (kept) {
        if (*kept == KeepOutcome::nothing_to_keep)
            return;
        log::info(describe_keep(*kept, handed_over, kept_at));
    } else if (kept.error().errno_value == EROFS) {
        // Debian's default `ro`: the remount comes later, after fsck.
        log::info("the root is read-only: the device cache stays in ", handed_over,
                  " and fastinit-devices-keep writes it to ", kept_at, " after local-fs");
    } else {
        log::warning("cannot keep the device cache: ", kept.error().message);
    }
}

std::pair<std::string, std::string> root_modules_cache_pair(const std::string& handed_over,
                                                            const std::string& kept) {
    auto beside = [](const std::string& path) {
        size_t slash = path.rfind('/');
        std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
        return dir + paths::kRootModulesCacheName;
    };
    return {beside(handed_over), beside(kept)};
}

std::optional<StartedStage2> start_stage2_devices(const std::string& fastinit) {
    if (fastinit.empty()) {
        log::warning(
            "devices: no fastinit binary next to the manager; stage 2 device work skipped");
        return std::nullopt;
    }
    // Its messages into the journal: the write end becomes its fd 1 and 2
    // (dup2 clears close-on-exec there), the read end stays ours.
    int ends[2] = {-1, -1};
    UniqueFd read_end, write_end;
    if (::pipe2(ends, O_CLOEXEC) == 0) {
        read_end.reset(ends[0]);
        write_end.reset(ends[1]);
        if (::fcntl(read_end.get(), F_SETFL, O_NONBLOCK) < 0) {
            read_end.reset();
            write_end.reset();
        }
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (write_end) {
        posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDERR_FILENO);
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
        ::posix_spawn(&pid, fastinit.c_str(), &actions, &attr, const_cast<char**>(argv), environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) {
        log::warning("devices: cannot start ", fastinit, " devices stage2: ", std::strerror(error));
        return std::nullopt;
    }
    log::debug("devices: stage 2 runs as pid ", pid);
    return StartedStage2{pid, std::move(read_end)};
}

}  // namespace fastinit
