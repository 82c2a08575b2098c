// Rule: every value of a process attribute (resource limits, umask, nice,
// I/O priority, CPU affinity, OOM score, capabilities), of a service
// directory and of an environment file reference is checked here, when the
// unit is read, so that starting the process only applies values already
// known to be in range. Parsers return an Error whose message the unit
// parser reports at the key.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace fastinit {

// A setrlimit() pair; RLIM_INFINITY is "infinity".
struct ResourceLimit {
    int resource = 0;  // RLIMIT_*
    uint64_t soft = 0;
    uint64_t hard = 0;
    bool operator==(const ResourceLimit&) const = default;
};

enum class IoClass { realtime = 1, best_effort = 2, idle = 3 };  // IOPRIO_CLASS_*

struct ProcessAttributes {
    std::vector<ResourceLimit> limits;  // one per resource, in key order
    std::optional<mode_t> umask;
    std::optional<int> nice;
    std::optional<IoClass> io_class;
    std::optional<int> io_priority;
    std::vector<int> cpu_affinity;  // CPU numbers, sorted, unique
    std::optional<int> oom_score_adj;
    bool no_new_privileges = false;
    // Capability numbers as bit masks (bit N = capability N).
    std::optional<uint64_t> ambient_capabilities;
    std::optional<uint64_t> capability_bounding_set;

    bool empty() const {
        return limits.empty() && !umask && !nice && !io_class && !io_priority &&
               cpu_affinity.empty() && !oom_score_adj && !no_new_privileges &&
               !ambient_capabilities && !capability_bounding_set;
    }
    bool operator==(const ProcessAttributes&) const = default;
};

// Directories made for a service before it starts, relative to /run,
// /var/lib and /var/log, owned by its user and group.
struct ServiceDirectories {
    std::vector<std::string> runtime, state, logs;
    mode_t runtime_mode = 0755, state_mode = 0755, logs_mode = 0755;
    bool empty() const { return runtime.empty() && state.empty() && logs.empty(); }
    bool operator==(const ServiceDirectories&) const = default;
};

struct EnvironmentFileRef {
    std::string path;       // absolute
    bool optional = false;  // written with a leading '-': a missing file is fine
    bool operator==(const EnvironmentFileRef&) const = default;
};

// The limit_* keys, without the prefix ("nofile", "core", ...): the
// resource, and whether the values are bytes (which take K/M/G/T suffixes).
struct LimitKind {
    const char* name;
    int resource;
    bool bytes;
};
const std::vector<LimitKind>& limit_kinds();

// "infinity", a number (with a K, M, G or T suffix, powers of 1024, when
// `bytes`), or "SOFT:HARD" of two of those; soft may not exceed hard.
Result<ResourceLimit> parse_resource_limit(const LimitKind& kind, std::string_view text);
// An octal mode of at most `max`, as a string: "0022", "027". A umask is at
// most 0777; a directory's mode may also have the setuid, setgid and sticky
// bits (max 07777: "2755", a directory whose files inherit its group).
Result<mode_t> parse_octal_mode(std::string_view text, mode_t max = 0777);
// "0-3,6" style: CPU numbers and inclusive ranges, comma separated, each
// below 1024; adds to `cpus` (kept sorted and unique).
Result<void> parse_cpu_list(std::string_view text, std::vector<int>& cpus);
// A capability name as in capabilities(7) ("CAP_NET_BIND_SERVICE", any
// case) → its number, when the kernel headers libcap was built with know it.
Result<int> parse_capability(std::string_view name);
// A directory name under /run, /var/lib or /var/log: relative, made of
// non-empty components other than "." and "..", no control characters.
Result<void> check_directory_name(std::string_view name);
// "/path" or "-/path" (optional).
Result<EnvironmentFileRef> parse_environment_file_ref(std::string_view text);

}  // namespace fastinit
