// A root on NFS, as the kernel command line describes it, and the mount(2)
// that reaches it. Pure: parsing and planning only; the network is brought
// up and the mount made through Stage1System.
//
// The spellings understood are those of the kernel, initramfs-tools and
// dracut:
//   root=/dev/nfs nfsroot=[SERVER:]PATH[,OPTIONS]   (NFSv3 unless vers=4)
//   root=nfs:[SERVER:]PATH[:OPTIONS]                (dracut; NFSv3 unless vers=4)
//   root=nfs4:[SERVER:]PATH[:OPTIONS]               (dracut; NFSv4)
//   ip=dhcp | ip=IFACE:dhcp | ip=off | ip=CLIENT:SERVER:GW:NETMASK:HOSTNAME:DEVICE:AUTOCONF[:...]
// A missing SERVER comes from ip='s SERVER field, else from the DHCP answer
// (its root server, or its root path "SERVER:PATH"). Stage 1 has no DNS:
// the server must be a numeric address (IPv4, or IPv6 in brackets), and
// the error says so. Input is bounded: every field has a length limit and
// a character set, so nothing odd reaches the kernel or ipconfig's argv.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace fastinit {

// How ip= asks the network to be configured (klibc's ipconfig does it).
struct IpConfig {
    enum class Method { dhcp, fixed, off };
    Method method = Method::dhcp;  // no ip= on an NFS root: DHCP, as initramfs-tools does
    std::string device;            // "" : every interface ("all")
    // The kernel's static form as given, passed to ipconfig whole.
    std::string text;
    std::string server;  // its SERVER field (may be "")

    bool operator==(const IpConfig&) const = default;
};

struct NfsRoot {
    std::string server;   // numeric; "" : from ip= or DHCP
    std::string path;     // "/srv/root"; "" : from DHCP's root path
    std::string options;  // comma-separated, as given
    bool v4 = false;
    IpConfig ip;

    bool operator==(const NfsRoot&) const = default;
};

// What the network configuration learnt (ipconfig's /run/net-IFACE.conf).
struct NetLease {
    std::string device;       // DEVICE
    std::string address;      // IPV4ADDR
    std::string root_server;  // ROOTSERVER (DHCP's next-server)
    std::string root_path;    // ROOTPATH (DHCP option 17)

    bool operator==(const NetLease&) const = default;
};

// The mount(2) of the root: source "SERVER:PATH", type nfs or nfs4, and
// its text options (addr= always; nolock and vers=3 for v3 unless given).
// NFSv4 without a minor version given is tried as 4.2, then 4.1, then 4.0,
// as mount.nfs does (the kernel alone would take 4.0): `fallbacks` are the
// options to try, in order, while the server refuses the version
// (EPROTONOSUPPORT).
struct NfsMount {
    std::string source;
    std::string fstype;
    std::string data;
    std::vector<std::string> fallbacks;

    bool operator==(const NfsMount&) const = default;
};

inline constexpr size_t kMaxNfsPath = 1024;
inline constexpr size_t kMaxNfsOptions = 1024;

// Whether root= (its value) asks for an NFS root.
bool is_nfs_root(const std::string& root);

// root= (is_nfs_root), nfsroot= and ip= (nullopt when absent); an error
// says what is wrong in which option.
Result<NfsRoot> parse_nfs_root(const std::string& root, const std::optional<std::string>& nfsroot,
                               const std::optional<std::string>& ip);

// ip= alone (nullopt: DHCP on every interface).
Result<IpConfig> parse_ip_option(const std::optional<std::string>& ip);

// ipconfig's KEY='value' lines; unknown keys ignored, values bounded.
NetLease parse_net_conf(const std::string& text);

// The mount for `root` once the network is up: the server and path filled
// in from the lease where the command line left them out, "%s" in the path
// replaced by the client's address (as the kernel does), `rootflags`
// appended to the options.
Result<NfsMount> plan_nfs_mount(const NfsRoot& root, const NetLease& lease,
                                const std::string& rootflags);

}  // namespace fastinit
