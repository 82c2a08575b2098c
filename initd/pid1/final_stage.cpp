#include "initd/pid1/final_stage.h"

#include <signal.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "base/log.h"
#include "base/text.h"

namespace fastinit {
namespace {

bool is_virtual_filesystem(const std::string& type) {
    static const char* const kVirtual[] = {
        "proc",   "sysfs",     "devtmpfs",   "devpts",  "tmpfs",    "ramfs",  "rootfs",
        "cgroup", "cgroup2",   "securityfs", "debugfs", "tracefs",  "pstore", "bpf",
        "mqueue", "hugetlbfs", "configfs",   "fusectl", "efivarfs", "autofs", "binfmt_misc"};
    for (const char* v : kVirtual)
        if (type == v)
            return true;
    return false;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& path) {
    std::string out;
    for (size_t i = 0; i < path.size(); ++i) {
        if (path[i] == '\\' && i + 3 < path.size()) {
            int value = 0;
            bool octal = true;
            for (size_t k = 1; k <= 3; ++k) {
                char c = path[i + k];
                octal = octal && c >= '0' && c <= '7';
                value = value * 8 + (c - '0');
            }
            if (octal) {
                out += static_cast<char>(value);
                i += 3;
                continue;
            }
        }
        out += path[i];
    }
    return out;
}

class SystemPowerOps : public PowerOps {
  public:
    void signal_all(int signal) override { ::kill(-1, signal); }
    bool reap_all_until(std::chrono::steady_clock::time_point deadline) override {
        for (;;) {
            pid_t pid = ::waitpid(-1, nullptr, WNOHANG);
            if (pid < 0 && errno == ECHILD)
                return true;
            if (pid > 0)
                continue;
            if (std::chrono::steady_clock::now() >= deadline)
                return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    void sync() override { ::sync(); }
    void unmount_filesystems() override {
        auto mountinfo = read_file("/proc/self/mountinfo");
        if (!mountinfo)
            return;
        std::vector<std::string> targets;
        size_t at = 0;
        const std::string& text = *mountinfo;
        while (at < text.size()) {
            size_t end = text.find('\n', at);
            if (end == std::string::npos)
                end = text.size();
            std::string line = text.substr(at, end - at);
            at = end + 1;
            // "id parent maj:min root MOUNTPOINT opts ... - FSTYPE source ..."
            std::vector<std::string> fields;
            size_t f = 0;
            while (f < line.size()) {
                size_t space = line.find(' ', f);
                if (space == std::string::npos)
                    space = line.size();
                fields.push_back(line.substr(f, space - f));
                f = space + 1;
            }
            auto dash = std::find(fields.begin(), fields.end(), "-");
            if (fields.size() < 5 || dash == fields.end() || dash + 1 == fields.end())
                continue;
            if (!is_virtual_filesystem(*(dash + 1)))
                targets.push_back(unescape(fields[4]));
        }
        // Children were mounted after their parents: undo in reverse.
        for (auto it = targets.rbegin(); it != targets.rend(); ++it) {
            if (*it == "/")
                continue;
            if (::umount2(it->c_str(), 0) < 0)
                ::mount(nullptr, it->c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr);
        }
        ::mount(nullptr, "/", nullptr, MS_REMOUNT | MS_RDONLY, nullptr);
    }
    int reboot(int command) override {
        ::reboot(command);
        return errno;
    }
    [[noreturn]] void halt_forever() override {
        for (;;) {
            ::pause();
            while (::waitpid(-1, nullptr, WNOHANG) > 0) {
            }
        }
    }
};

}  // namespace

PowerOps& system_power_ops() {
    static SystemPowerOps ops;
    return ops;
}

int reboot_command(PowerAction action) {
    switch (action) {
        case PowerAction::poweroff:
            return RB_POWER_OFF;
        case PowerAction::reboot:
            return RB_AUTOBOOT;
        case PowerAction::halt:
            return RB_HALT_SYSTEM;
        case PowerAction::kexec:
            return RB_KEXEC;
    }
    return RB_AUTOBOOT;
}

void finish_as_pid1(PowerAction action, PowerOps& ops, std::chrono::milliseconds grace,
                    bool release_filesystems, const std::function<void()>& before_jump) {
    ops.signal_all(SIGTERM);
    ops.signal_all(SIGCONT);
    if (!ops.reap_all_until(std::chrono::steady_clock::now() + grace)) {
        log::warning("processes left after SIGTERM; sending SIGKILL");
        ops.signal_all(SIGKILL);
        ops.reap_all_until(std::chrono::steady_clock::now() + std::chrono::seconds(1));
    }
    ops.sync();
    if (release_filesystems) {
        ops.unmount_filesystems();
        ops.sync();
    }
    log::info("final action: ", verb(action));
    if (before_jump)
        before_jump();
    int error = ops.reboot(reboot_command(action));
    log::error(verb(action), " failed: ", std::strerror(error));
    if (action == PowerAction::kexec || action == PowerAction::reboot) {
        if (before_jump)
            before_jump();
        error = ops.reboot(RB_AUTOBOOT);
        log::error("firmware reboot failed too: ", std::strerror(error));
    }
    log::error("halting here; PID 1 does not exit");
    ops.halt_forever();
    __builtin_unreachable();
}

}  // namespace fastinit
