// /etc/fastinit/kexec.toml: what `fastinit reboot` loads when no option says
// otherwise. Every key is optional:
//
//   kernel  = "/boot/vmlinuz-6.1.0-18-amd64"  # relative paths: to the boot dir
//   initrd  = "/boot/initrd.img-6.1.0-18-amd64"  # or a list, concatenated
//   cmdline = "root=/dev/vda1 ro"             # replaces /proc/cmdline
//   append  = "quiet"                         # added to the command line
//
// An `initrd` without a `kernel` is an error: an initrd belongs to a kernel.
// Errors read "FILE:LINE:COLUMN: KEY: message" (without KEY for syntax
// errors).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace fastinit {

inline constexpr char kKexecConfigPath[] = "/etc/fastinit/kexec.toml";

struct KexecConfig {
    std::string path;
    std::optional<std::string> kernel;
    std::vector<std::string> initrds;
    std::optional<std::string> cmdline;
    std::optional<std::string> append;
};

Result<KexecConfig> parse_kexec_config(std::string_view text, std::string_view path);

// Reads and parses `path`; nullopt when the file does not exist.
Result<std::optional<KexecConfig>> load_kexec_config(const std::string& path);

}  // namespace fastinit
