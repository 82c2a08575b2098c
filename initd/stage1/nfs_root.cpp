#include "initd/stage1/nfs_root.h"

#include <arpa/inet.h>

#include <string_view>
#include <vector>

namespace fastinit {

namespace {

constexpr size_t kMaxServer = 64;     // an IPv6 address in brackets fits
constexpr size_t kMaxHostname = 64;   // the kernel's own limit for ip='s
constexpr size_t kMaxInterface = 15;  // IFNAMSIZ - 1
constexpr size_t kMaxIpText = 512;

bool numeric_address(const std::string& text, bool v6) {
    unsigned char buffer[16];
    return ::inet_pton(v6 ? AF_INET6 : AF_INET, text.c_str(), buffer) == 1;
}

// Letters, digits and the punctuation NFS options, paths and hostnames use;
// no spaces, commas inside a field, quotes or control characters.
bool plain(std::string_view text, std::string_view extra) {
    for (char c : text) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  extra.find(c) != std::string_view::npos;
        if (!ok)
            return false;
    }
    return true;
}

std::vector<std::string> split(std::string_view text, char separator) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (;;) {
        size_t end = text.find(separator, start);
        parts.emplace_back(text.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos)
            return parts;
        start = end + 1;
    }
}

// "[SERVER:]REST": the server ("" when none) and what follows it. A server
// is an IPv4 address or an IPv6 one in brackets; a name is taken too, for
// check_server to refuse with the reason.
struct ServerAndRest {
    std::string server;
    std::string rest;
};
Result<ServerAndRest> split_server(const std::string& text, const std::string& option) {
    if (!text.empty() && text[0] == '[') {
        size_t close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return Error{option + ": an IPv6 server is written [ADDRESS]:PATH"};
        return ServerAndRest{text.substr(0, close + 1), text.substr(close + 2)};
    }
    size_t colon = text.find(':');
    size_t slash = text.find('/');
    if (colon != std::string::npos && (slash == std::string::npos || colon < slash))
        return ServerAndRest{text.substr(0, colon), text.substr(colon + 1)};
    return ServerAndRest{"", text};
}

// The server as mount(2)'s addr= wants it: numeric. Brackets are kept in
// the source ("[fe80::1]:/srv") and dropped for addr=.
Result<void> check_server(const std::string& server, const std::string& option) {
    if (server.empty())
        return {};
    if (server.size() > kMaxServer)
        return Error{option + ": the NFS server is longer than " + std::to_string(kMaxServer) +
                     " characters"};
    bool v6 = server.front() == '[';
    std::string bare = v6 ? server.substr(1, server.size() - 2) : server;
    if (!numeric_address(bare, v6))
        return Error{option + ": the NFS server \"" + (plain(server, ".-_[]:") ? server : "?") +
                     "\" is not a numeric " + (v6 ? "IPv6" : "IPv4") +
                     " address; the initramfs has no DNS, give the server's address"};
    return {};
}

Result<void> check_path(const std::string& path, const std::string& option) {
    if (path.empty())
        return {};
    if (path.front() != '/')
        return Error{option + ": the NFS path must start with /"};
    if (path.size() > kMaxNfsPath)
        return Error{option + ": the NFS path is longer than " + std::to_string(kMaxNfsPath) +
                     " characters"};
    if (!plain(path, "/._-+%@~"))
        return Error{option + ": the NFS path has characters other than letters, digits and " +
                     "/._-+%@~"};
    return {};
}

Result<void> check_options(const std::string& options, const std::string& option) {
    if (options.size() > kMaxNfsOptions)
        return Error{option + ": the NFS options are longer than " +
                     std::to_string(kMaxNfsOptions) + " characters"};
    if (!plain(options, ",=._-:/[]"))
        return Error{option + ": the NFS options have characters other than letters, digits and " +
                     ",=._-:/[]"};
    for (const std::string& word : split(options, ','))
        if (word.rfind("addr=", 0) == 0)
            return Error{option + ": addr= is set by fastinit from the server; leave it out"};
    return {};
}

bool has_option(const std::string& options, std::string_view key) {
    for (const std::string& word : split(options, ',')) {
        std::string_view name(word);
        name = name.substr(0, name.find('='));
        if (name == key)
            return true;
    }
    return false;
}

// vers=4, nfsvers=4, vers=4.2 ...
bool asks_v4(const std::string& options) {
    for (const std::string& word : split(options, ','))
        for (std::string_view key : {"vers=4", "nfsvers=4"})
            if (word == key || word.rfind(std::string(key) + ".", 0) == 0)
                return true;
    return false;
}

Result<IpConfig> method_word(const std::string& word, IpConfig config) {
    if (word == "dhcp" || word == "on" || word == "any" || word == "both" || word == "bootp" ||
        word == "all" || word.empty())
        config.method = IpConfig::Method::dhcp;
    else if (word == "off" || word == "none" || word == "static")
        config.method = IpConfig::Method::off;
    else
        return Error{"ip=: \"" + (plain(word, "_-") ? word : std::string("?")) +
                     "\" is not a method fastinit knows (dhcp, on, any, off, none, or the "
                     "static CLIENT:SERVER:GW:NETMASK:HOSTNAME:DEVICE:AUTOCONF)"};
    return config;
}

Result<void> check_interface(const std::string& name) {
    if (name.size() > kMaxInterface || !plain(name, "._-"))
        return Error{"ip=: \"" + (plain(name, "._-") ? name : std::string("?")) +
                     "\" is not an interface name"};
    return {};
}

}  // namespace

bool is_nfs_root(const std::string& root) {
    return root == "/dev/nfs" || root.rfind("nfs:", 0) == 0 || root.rfind("nfs4:", 0) == 0;
}

Result<IpConfig> parse_ip_option(const std::optional<std::string>& ip) {
    IpConfig config;
    if (!ip)
        return config;
    const std::string& text = *ip;
    if (text.size() > kMaxIpText)
        return Error{"ip= is longer than " + std::to_string(kMaxIpText) + " characters"};
    if (text.find(':') == std::string::npos)
        return method_word(text, config);
    std::vector<std::string> fields = split(text, ':');
    // dracut's IFACE:METHOD.
    if (fields.size() == 2) {
        FI_TRY(check_interface(fields[0]));
        config.device = fields[0];
        return method_word(fields[1], config);
    }
    if (fields.size() > 10)
        return Error{"ip= has more than 10 fields"};
    fields.resize(10);
    const char* names[] = {"CLIENT", "SERVER", "GATEWAY", "NETMASK"};
    for (int i = 0; i < 4; ++i)
        if (!fields[i].empty() && !numeric_address(fields[i], false))
            return Error{std::string("ip=: the ") + names[i] + " field \"" +
                         (plain(fields[i], ".-_") ? fields[i] : "?") +
                         "\" is not a numeric IPv4 address"};
    for (int i = 7; i < 10; ++i)
        if (!fields[i].empty() && !numeric_address(fields[i], false))
            return Error{"ip=: the DNS/NTP fields must be numeric IPv4 addresses"};
    if (fields[4].size() > kMaxHostname || !plain(fields[4], ".-_"))
        return Error{"ip=: the HOSTNAME field is not a host name"};
    FI_TRY(check_interface(fields[5]));
    auto method = method_word(fields[6], config);
    if (!method)
        return method.error();
    config.device = fields[5];
    config.server = fields[1];
    // A client address makes it the static form (AUTOCONF off or none);
    // without one, AUTOCONF decides (dhcp on DEVICE).
    if (!fields[0].empty() && method->method == IpConfig::Method::off) {
        config.method = IpConfig::Method::fixed;
        config.text = text;
    } else if (fields[0].empty() && method->method == IpConfig::Method::off) {
        return Error{"ip=: static configuration without a CLIENT address"};
    } else {
        config.method = method->method;
    }
    return config;
}

Result<NfsRoot> parse_nfs_root(const std::string& root, const std::optional<std::string>& nfsroot,
                               const std::optional<std::string>& ip) {
    NfsRoot spec;
    std::string option;
    std::string target;  // [SERVER:]PATH...
    if (root == "/dev/nfs") {
        option = "nfsroot=";
        if (nfsroot) {
            if (nfsroot->size() > kMaxNfsPath + kMaxNfsOptions + kMaxServer)
                return Error{"nfsroot= is too long"};
            auto parts = split_server(*nfsroot, option);
            if (!parts)
                return parts.error();
            spec.server = parts->server;
            size_t comma = parts->rest.find(',');
            spec.path = parts->rest.substr(0, comma);
            if (comma != std::string::npos)
                spec.options = parts->rest.substr(comma + 1);
        }
    } else if (root.rfind("nfs:", 0) == 0 || root.rfind("nfs4:", 0) == 0) {
        spec.v4 = root.rfind("nfs4:", 0) == 0;
        option = "root=";
        std::string rest = root.substr(spec.v4 ? 5 : 4);
        if (rest.size() > kMaxNfsPath + kMaxNfsOptions + kMaxServer)
            return Error{"root= is too long"};
        auto parts = split_server(rest, option);
        if (!parts)
            return parts.error();
        spec.server = parts->server;
        size_t colon = parts->rest.find(':');
        spec.path = parts->rest.substr(0, colon);
        if (colon != std::string::npos)
            spec.options = parts->rest.substr(colon + 1);
        if (spec.path.empty())
            return Error{"root=" + std::string(spec.v4 ? "nfs4" : "nfs") +
                         ": no path (root=nfs:SERVER:/PATH[:OPTIONS])"};
    } else {
        return Error{"root= is not an NFS root"};
    }
    FI_TRY(check_server(spec.server, option));
    FI_TRY(check_path(spec.path, option));
    FI_TRY(check_options(spec.options, option));
    if (asks_v4(spec.options))
        spec.v4 = true;
    auto config = parse_ip_option(ip);
    if (!config)
        return config.error();
    spec.ip = *config;
    if (!spec.ip.server.empty() && !numeric_address(spec.ip.server, false))
        return Error{"ip=: the SERVER field is not a numeric IPv4 address"};
    return spec;
}

NetLease parse_net_conf(const std::string& text) {
    NetLease lease;
    for (const std::string& line : split(text.substr(0, 64 * 1024), '\n')) {
        size_t equals = line.find('=');
        if (equals == std::string::npos)
            continue;
        std::string key = line.substr(0, equals);
        std::string value = line.substr(equals + 1);
        if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'')
            value = value.substr(1, value.size() - 2);
        if (value.size() > kMaxNfsPath + kMaxNfsOptions + kMaxServer)
            continue;
        if (key == "DEVICE")
            lease.device = value;
        else if (key == "IPV4ADDR")
            lease.address = value;
        else if (key == "ROOTSERVER")
            lease.root_server = value;
        else if (key == "ROOTPATH")
            lease.root_path = value;
    }
    return lease;
}

Result<NfsMount> plan_nfs_mount(const NfsRoot& root, const NetLease& lease,
                                const std::string& rootflags) {
    NfsRoot spec = root;
    // DHCP's root path, "[SERVER:]PATH[,OPTIONS]", when the command line
    // named no path.
    if (spec.path.empty() && !lease.root_path.empty()) {
        auto from_dhcp = parse_nfs_root("/dev/nfs", lease.root_path, std::nullopt);
        if (!from_dhcp)
            return Error{"the DHCP root path: " + from_dhcp.error().message};
        spec.path = from_dhcp->path;
        if (spec.server.empty())
            spec.server = from_dhcp->server;
        if (spec.options.empty()) {
            spec.options = from_dhcp->options;
            spec.v4 = spec.v4 || from_dhcp->v4;
        }
    }
    if (spec.server.empty())
        spec.server = !spec.ip.server.empty() ? spec.ip.server : lease.root_server;
    if (spec.server.empty() || spec.server == "0.0.0.0")
        return Error{
            "no NFS server: give it in root=/nfsroot= (or ip='s SERVER field), or "
            "have DHCP send one"};
    if (spec.path.empty())
        return Error{"no NFS path: give it in root=/nfsroot=, or have DHCP send a root path"};
    FI_TRY(check_server(spec.server, "the NFS server"));
    if (size_t at = spec.path.find("%s"); at != std::string::npos) {
        if (lease.address.empty() || !numeric_address(lease.address, false))
            return Error{"the NFS path has %s, but the client's address is not known"};
        spec.path.replace(at, 2, lease.address);
    }
    FI_TRY(check_path(spec.path, "the NFS path"));
    if (rootflags.size() > kMaxNfsOptions)
        return Error{"rootflags= is longer than " + std::to_string(kMaxNfsOptions) + " characters"};
    FI_TRY(check_options(rootflags, "rootflags="));

    NfsMount mount;
    mount.source = spec.server + ":" + spec.path;
    mount.fstype = spec.v4 ? "nfs4" : "nfs";
    std::vector<std::string> words;
    for (const std::string& options : {spec.options, rootflags})
        for (const std::string& word : split(options, ','))
            if (!word.empty())
                words.push_back(word);
    std::string all;
    for (const std::string& word : words)
        all += word + ",";
    if (!spec.v4) {
        // No rpc.statd in the initramfs (nor yet on the root): locks would
        // hang, as initramfs-tools knows.
        if (!has_option(all, "lock") && !has_option(all, "nolock"))
            words.push_back("nolock");
        if (!has_option(all, "vers") && !has_option(all, "nfsvers"))
            words.push_back("vers=3");
    }
    bool v6 = spec.server.front() == '[';
    words.push_back("addr=" + (v6 ? spec.server.substr(1, spec.server.size() - 2) : spec.server));
    auto text = [](const std::vector<std::string>& list) {
        std::string joined;
        for (const std::string& word : list)
            joined += (joined.empty() ? "" : ",") + word;
        return joined;
    };
    bool minor_given =
        has_option(all, "vers") || has_option(all, "nfsvers") || has_option(all, "minorversion");
    if (spec.v4 && !minor_given) {
        for (const char* version : {"vers=4.2", "vers=4.1", "vers=4.0"}) {
            std::vector<std::string> tried{version};
            tried.insert(tried.end(), words.begin(), words.end());
            if (mount.data.empty())
                mount.data = text(tried);
            else
                mount.fallbacks.push_back(text(tried));
        }
        return mount;
    }
    mount.data = text(words);
    return mount;
}

}  // namespace fastinit
