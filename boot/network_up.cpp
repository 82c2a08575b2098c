#include "boot/network_up.h"

#include <dirent.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "base/text.h"
#include "boot/run_tool.h"

namespace fastinit {

namespace {

// The file ipconfig wrote: net-DEVICE.conf for a named device, else the
// first net-*.conf (with "all" it writes one for the interface that
// answered).
std::string lease_file(const std::string& run_dir, const std::string& device) {
    if (!device.empty())
        return run_dir + "/net-" + device + ".conf";
    DIR* dir = ::opendir(run_dir.c_str());
    if (!dir)
        return "";
    std::string found;
    while (dirent* entry = ::readdir(dir)) {
        std::string name = entry->d_name;
        if (name.rfind("net-", 0) == 0 && name.size() > 9 &&
            name.compare(name.size() - 5, 5, ".conf") == 0 && name != "net-lo.conf") {
            found = run_dir + "/" + name;
            break;
        }
    }
    ::closedir(dir);
    return found;
}

// The interfaces ipconfig will configure: `device`, or every one but lo.
std::vector<std::string> interfaces(const std::string& device) {
    if (!device.empty())
        return {device};
    std::vector<std::string> names;
    DIR* dir = ::opendir("/sys/class/net");
    if (!dir)
        return names;
    while (dirent* entry = ::readdir(dir)) {
        std::string name = entry->d_name;
        if (name != "." && name != ".." && name != "lo" && name.size() < IFNAMSIZ)
            names.push_back(name);
        if (names.size() >= 64)
            break;
    }
    ::closedir(dir);
    return names;
}

// Sets the interfaces up and waits (at most `limit`) until one has a link.
// ipconfig does the first itself, but its first DHCP request then goes out
// before the link is ready and is lost, and it waits about 10 s to send
// the next one; with the link already there it is answered at once.
void bring_links_up(const std::vector<std::string>& names, Duration limit) {
    int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        return;
    for (const std::string& name : names) {
        ifreq request{};
        std::strncpy(request.ifr_name, name.c_str(), IFNAMSIZ - 1);
        if (::ioctl(sock, SIOCGIFFLAGS, &request) == 0 && !(request.ifr_flags & IFF_UP)) {
            request.ifr_flags |= IFF_UP;
            ::ioctl(sock, SIOCSIFFLAGS, &request);
        }
    }
    ::close(sock);
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        for (const std::string& name : names) {
            auto carrier = read_file_at_most("/sys/class/net/" + name + "/carrier", 16);
            if (carrier && carrier->rfind("1", 0) == 0)
                return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

}  // namespace

std::vector<std::string> ipconfig_argv(const IpConfig& ip, std::optional<Duration> timeout) {
    std::vector<std::string> argv{kIpconfigPath};
    if (timeout) {
        auto seconds = std::chrono::duration_cast<std::chrono::seconds>(*timeout).count();
        argv.insert(argv.end(), {"-t", std::to_string(seconds < 1 ? 1 : seconds)});
    }
    if (ip.method == IpConfig::Method::fixed) {
        argv.insert(argv.end(), {"-d", ip.text});
    } else {
        argv.insert(argv.end(), {"-c", "dhcp", "-d", ip.device.empty() ? "all" : ip.device});
    }
    return argv;
}

Result<NetLease> configure_network_here(const IpConfig& ip, std::optional<Duration> timeout,
                                        const std::string& run_dir) {
    if (::access(kIpconfigPath, X_OK) != 0)
        return Error{std::string("this initramfs has no ") + kIpconfigPath +
                     " (rebuild it with fastinit-mkinitramfs --nfs where klibc-utils is "
                     "installed)"};
    Duration link_wait = std::chrono::seconds(10);
    bring_links_up(interfaces(ip.device), timeout ? std::min(*timeout, link_wait) : link_wait);
    // ipconfig gives up by itself at -t; the tool's deadline is a backstop.
    Duration deadline = timeout ? *timeout + std::chrono::seconds(5) : std::chrono::hours(24 * 365);
    auto run = run_tool(ipconfig_argv(ip, timeout), deadline);
    if (!run)
        return run.error();
    if (run->exit_status != 0) {
        std::string said = last_line(run->output);
        return Error{"ipconfig exited with status " + std::to_string(run->exit_status) +
                     (said.empty() ? "" : ": " + to_valid_utf8(said))};
    }
    std::string path = lease_file(run_dir, ip.device);
    auto text = path.empty() ? Result<std::string>(Error{"no net-*.conf in " + run_dir})
                             : read_file_at_most(path, 64 * 1024);
    if (!text)
        return Error{"ipconfig ran, but what it learnt is not readable: " + text.error().message};
    NetLease lease = parse_net_conf(*text);
    if (lease.device.empty())
        lease.device = ip.device;
    return lease;
}

}  // namespace fastinit
