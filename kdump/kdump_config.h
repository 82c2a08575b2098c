// /etc/fastinit/kdump.toml: how the crash kernel is armed and what its
// capture does. Every key is optional; a missing file means the defaults.
//
//   kernel     = "/boot/vmlinuz-6.1.0-18-amd64"  # default: the running one
//   initrd     = "/boot/initrd-kdump.img"        # or a list; default: its initrd
//   cmdline    = "root=UUID=... ro"              # default: /proc/cmdline
//   append     = "irqpoll nr_cpus=1 reset_devices"  # replaces this default
//   target     = "/var/crash"   # absolute, on the root filesystem
//   dump_level = 31             # makedumpfile -d: which pages to leave out
//   compress   = "lzo"          # lzo (-l), zlib (-c) or none
//   action     = "reboot"       # after the capture: reboot, poweroff, shell
//   timeout    = "10min"        # the whole capture; then a cold reboot
//
// The rule: a capture must never make things worse. Whatever the file says,
// the crash kernel's command line always carries `fastinit.kdump` and never
// `crashkernel=`, and the capture always ends, by the timeout if need be.
// Errors read "FILE:LINE:COLUMN: KEY: message", like the kexec config's.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/duration.h"
#include "base/result.h"

namespace fastinit {

inline constexpr char kKdumpConfigPath[] = "/etc/fastinit/kdump.toml";
// On a crash kernel's command line: stage 1 captures instead of booting.
inline constexpr char kKdumpWord[] = "fastinit.kdump";
inline constexpr char kDefaultKdumpAppend[] = "irqpoll nr_cpus=1 reset_devices";

enum class KdumpCompression { lzo, zlib, none };
enum class KdumpAction { reboot, poweroff, shell };

struct KdumpConfig {
    std::string path;  // "" for the defaults
    std::optional<std::string> kernel;
    std::vector<std::string> initrds;
    std::optional<std::string> cmdline;
    std::string append = kDefaultKdumpAppend;
    std::string target = "/var/crash";
    int dump_level = 31;
    KdumpCompression compress = KdumpCompression::lzo;
    KdumpAction action = KdumpAction::reboot;
    Duration timeout = std::chrono::minutes(10);
};

std::string_view to_string(KdumpAction action);

Result<KdumpConfig> parse_kdump_config(std::string_view text, std::string_view path);

// Reads and parses `path`; the defaults when the file does not exist.
Result<KdumpConfig> load_kdump_config(const std::string& path);

}  // namespace fastinit
