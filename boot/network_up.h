// Stage 1's network, for a root on NFS: klibc's ipconfig (what
// initramfs-tools uses; mkinitramfs --nfs puts it in the image) brings the
// interface up and configures it by DHCP or as ip= says, and writes what it
// learnt to /run/net-IFACE.conf, which switch_root carries to the real
// root (its networking must not undo the address the root is reached
// through). No DHCP client of fastinit's own.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/duration.h"
#include "base/result.h"
#include "initd/stage1/nfs_root.h"

namespace fastinit {

// Where mkinitramfs puts ipconfig (and where Debian installs it).
inline constexpr const char* kIpconfigPath = "/usr/lib/klibc/bin/ipconfig";

// ipconfig's argv for `ip`, waiting at most `timeout` for an answer.
std::vector<std::string> ipconfig_argv(const IpConfig& ip, std::optional<Duration> timeout);

// Sets the interfaces up and waits for a link (at most 10 s), runs
// ipconfig and reads back the configuration file it wrote in
// `run_dir`. An error when ipconfig is missing, fails, or wrote nothing.
Result<NetLease> configure_network_here(const IpConfig& ip, std::optional<Duration> timeout,
                                        const std::string& run_dir = "/run");

}  // namespace fastinit
