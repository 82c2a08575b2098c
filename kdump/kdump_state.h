// What `fastinit kdump status` says, and the crash kernel's command line.
//
// The rule: status never just says "not armed"; it says why and what to do
// (no memory reserved: which crashkernel= to add, and where). Both are pure
// functions of facts read elsewhere, so every answer is unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fastinit {

struct KdumpFacts {
    // /sys/kernel/kexec_crash_size: bytes reserved for a crash kernel;
    // nullopt when the file is missing (a kernel without kexec or kdump).
    std::optional<uint64_t> reserved_bytes;
    // /sys/kernel/kexec_crash_loaded; nullopt when it cannot be read.
    std::optional<bool> loaded;
    std::string cmdline;  // /proc/cmdline
};

struct KdumpStatus {
    bool armed = false;  // a crash kernel is loaded into reserved memory
    std::vector<std::string> lines;
};

KdumpStatus describe_kdump(const KdumpFacts& facts);

// The crash kernel's command line from `base` (the running kernel's, or the
// config's): without crashkernel= (a crash kernel reserves nothing), without
// the one-shot words kexec/cmdline.h drops, without `fastinit.kdump` already
// there; then `append` and `fastinit.kdump` (before a bare "--").
std::string crash_cmdline(const std::string& base, const std::string& append);

}  // namespace fastinit
