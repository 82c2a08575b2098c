// The real WatchdogOps: the kernel's watchdog ioctls (linux/watchdog.h).
#include <fcntl.h>
#include <linux/watchdog.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/text.h"
#include "initd/pid1/hardware_watchdog.h"

namespace fastinit {
namespace {

class SystemWatchdogOps : public WatchdogOps {
  public:
    bool exists(const std::string& path) override {
        struct stat st;
        return ::stat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode);
    }
    Result<int> open(const std::string& path) override {
        int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
            return system_error("cannot open " + path);
        return fd;
    }
    Result<std::string> identity(int fd) override {
        struct watchdog_info info = {};
        if (::ioctl(fd, WDIOC_GETSUPPORT, &info) < 0)
            return system_error("WDIOC_GETSUPPORT");
        // A driver's text: at most its 32 bytes, and only what prints.
        std::string name(
            reinterpret_cast<const char*>(info.identity),
            strnlen(reinterpret_cast<const char*>(info.identity), sizeof info.identity));
        for (char& c : name)
            if (c < ' ' || c > '~')
                c = '?';
        return name;
    }
    Result<int> set_timeout(int fd, int seconds) override {
        int value = seconds;
        if (::ioctl(fd, WDIOC_SETTIMEOUT, &value) < 0)
            return system_error("WDIOC_SETTIMEOUT");
        return value;
    }
    Result<void> keepalive(int fd) override {
        int unused = 0;
        if (::ioctl(fd, WDIOC_KEEPALIVE, &unused) < 0)
            return system_error("WDIOC_KEEPALIVE");
        return {};
    }
    Result<void> disarm_and_close(int fd) override {
        // The magic close: 'V' tells the driver this close is on purpose.
        ssize_t n = ::write(fd, "V", 1);
        int error = errno;
        ::close(fd);
        if (n != 1)
            return system_error("the magic close ('V')", error);
        return {};
    }
    std::optional<int> stop_on_reboot() override {
        auto text = read_file_at_most("/sys/module/watchdog/parameters/stop_on_reboot", 32);
        if (!text)
            return std::nullopt;
        char* end = nullptr;
        long value = std::strtol(text->c_str(), &end, 10);
        if (end == text->c_str())
            return std::nullopt;
        return static_cast<int>(value);
    }
};

}  // namespace

WatchdogOps& system_watchdog_ops() {
    static SystemWatchdogOps ops;
    return ops;
}

}  // namespace fastinit
