// /etc/fastinit/system.toml: the manager's own settings, as opposed to the
// units'. Rule: the file is hostile input like a unit file (it passes the
// TOML guard, and is at most kMaxSystemConfigSize); a bad key or value is an
// error naming the file, line and key, and every other key still applies.
//
//   [journal]
//   size = "1M"          # the in-memory journal's budget (64K to 256M)
//   persistent = true    # also write it to /var/log/fastinit/
//   file_size = "4M"     # each file of it at most this (64K to 64M)
//   files = 8            # and at most this many files (2 to 64)
//
//   [watchdog]      # the hardware watchdog (initd/pid1/hardware_watchdog.h)
//   runtime = "30s"             # its timeout while the system runs; "0": unused
//   reboot = "10min"            # armed before a final reboot or kexec; "0": disarmed
//   device = "/dev/watchdog0"   # default: the first of /dev/watchdog0, /dev/watchdog
//   arm_at_poweroff = false     # true: power-off and halt leave it armed too
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fastinit {

inline constexpr const char* kSystemConfigPath = "/etc/fastinit/system.toml";
inline constexpr size_t kMaxSystemConfigSize = 64 * 1024;

struct SystemConfig {
    std::optional<uint64_t> journal_size;
    std::optional<bool> journal_persistent;
    std::optional<uint64_t> journal_file_size;
    std::optional<uint64_t> journal_files;
    // [watchdog]: what is not given stays unset (the defaults are the
    // watchdog's own).
    std::optional<std::chrono::microseconds> watchdog_runtime;
    std::optional<std::chrono::microseconds> watchdog_reboot;
    std::optional<std::string> watchdog_device;
    std::optional<bool> watchdog_arm_at_poweroff;
    std::vector<std::string> problems;  // "PATH:LINE:COL: KEY: what"
};

SystemConfig parse_system_config(std::string_view text, std::string_view path);

// Reads and parses the file; a missing file is no problem and no setting.
SystemConfig read_system_config(const std::string& path);

}  // namespace fastinit
