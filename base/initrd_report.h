// Stage 1's report, <runtime dir>/initrd.json (paths::kInitrdReport): the
// phase times of the initramfs for `fastinit analyze`. One type for the
// writer (stage 1) and the readers (the manager, `fastinit analyze`).
//
// Its strings include what the device cache said (module names, the reason
// for a probe), and a cache is a file anyone with root on the last boot
// could have written: writing the report must not be able to fail, since
// stage 1 is PID 1, and reading one must not throw.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace fastinit {

struct InitrdReport {
    // CLOCK_BOOTTIME microseconds throughout.
    long long userspace_start_us = 0;  // when stage 1 began
    // The device bring-up: from start_us until the boot could go on to its
    // root (end_us); all_loaded_us when the last module was in, if it was in
    // here (else left_for_the_real_root says how many were not).
    struct Devices {
        std::string mode;    // "cache-hit", "probe", "none"
        std::string reason;  // why a probe (cache missing, stale, damaged, reprobe)
        int modules_loaded = 0, modules_failed = 0;
        // Reading the cache, enumerating, fingerprinting and deciding, and
        // its parts.
        long long check_us = 0;
        long long read_cache_us = 0, enumerate_us = 0, fingerprint_us = 0;
        std::vector<std::string> root_first;  // loaded before the root was looked for
        long long start_us = 0, end_us = 0;
        int left_for_the_real_root = 0;
        std::optional<long long> all_loaded_us;
        long long finished_us = 0;
        // The identity of the module index the decision fingerprinted
        // (the initramfs's): `fastinit devices status` compares with it.
        std::string module_index;
    } devices;
    struct Root {
        std::string device;
        long long found_us = 0, ready_us = 0, mounted_us = 0;
        // Its check before the mount (boot/root_fsck.h); result "" when
        // stage 1 did not get there.
        struct Fsck {
            std::string result;  // "clean", "fixed", "reboot", "failed", "skipped"
            std::string why;     // why skipped or failed
            std::string tool;
            int status = -1;  // fsck's exit status, when it ran to its end
            long long start_us = 0, end_us = 0;
        } fsck;
    } root;
    long long switch_root_us = 0;
    std::string next_init;
};

void to_json(nlohmann::json& out, const InitrdReport::Devices& devices);
void to_json(nlohmann::json& out, const InitrdReport& report);
// Throws nlohmann's exceptions on a field of the wrong type; a missing
// field keeps its default. Readers use parse_initrd_report.
void from_json(const nlohmann::json& in, InitrdReport::Devices& devices);
void from_json(const nlohmann::json& in, InitrdReport& report);

// The report from its JSON; an error, never an exception, for anything that
// is not an object of the right shape.
Result<InitrdReport> parse_initrd_report(const nlohmann::json& json);
Result<InitrdReport> parse_initrd_report(const std::string& text);

// The report as text, one line per value. Bytes that are not UTF-8 become
// U+FFFD; if the report cannot be written at all, the text is an object
// with only "error" saying why, and `error` gets the same sentence. Never
// throws.
std::string stage1_report_text(const nlohmann::json& report, std::string& error);

}  // namespace fastinit
