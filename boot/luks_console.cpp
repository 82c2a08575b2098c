#include "boot/luks_console.h"

#include <blkid/blkid.h>
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "base/text.h"
#include "base/unique_fd.h"

namespace fastinit {

std::vector<LuksDevice> find_luks_devices() {
    std::vector<LuksDevice> found;
    std::error_code ec;
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator("/sys/class/block", ec))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
        // A mapping LUKS made is not LUKS itself; nor is any other dm
        // device worth a probe here.
        auto uuid = read_file("/sys/class/block/" + name + "/dm/uuid");
        if (uuid && uuid->starts_with("CRYPT-"))
            continue;
        std::string node = "/dev/" + name;
        blkid_probe probe = blkid_new_probe_from_filename(node.c_str());
        if (!probe)
            continue;
        blkid_probe_enable_superblocks(probe, 1);
        blkid_probe_set_superblocks_flags(probe, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID);
        char type[] = "crypto_LUKS";
        char* only[] = {type, nullptr};
        blkid_probe_filter_superblocks_type(probe, BLKID_FLTR_ONLYIN, only);
        const char* value = nullptr;
        if (blkid_do_safeprobe(probe) == 0 &&
            blkid_probe_lookup_value(probe, "UUID", &value, nullptr) == 0 && value)
            found.push_back({node, value});
        blkid_free_probe(probe);
    }
    return found;
}

std::optional<Secret> read_passphrase(const std::string& prompt) {
    UniqueFd console(::open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (console.get() < 0)
        return std::nullopt;
    termios saved{};
    bool terminal = ::tcgetattr(console.get(), &saved) == 0;
    if (terminal) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        quiet.c_lflag |= ICANON | ECHONL;
        ::tcsetattr(console.get(), TCSAFLUSH, &quiet);
    }
    [[maybe_unused]] ssize_t n = ::write(console.get(), prompt.data(), prompt.size());
    Secret secret;
    bool ended = false;
    for (;;) {
        char c = 0;
        ssize_t got = ::read(console.get(), &c, 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            ended = true;
            break;
        }
        if (c == '\n' || c == '\r')
            break;
        secret.push_back(c);  // past kMaxSize the rest is dropped
        c = 0;
    }
    if (terminal)
        ::tcsetattr(console.get(), TCSANOW, &saved);
    else
        n = ::write(console.get(), "\n", 1);
    if (ended && secret.empty())
        return std::nullopt;
    return secret;
}

}  // namespace fastinit
