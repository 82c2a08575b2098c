#include "device-cache/sysfs_device_source.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string_view>

#include "base/unique_fd.h"

namespace fastinit {
namespace {

// Deeper than any real device tree; stops a pathological one.
constexpr int kMaxDepth = 64;

struct DirCloser {
    void operator()(DIR* dir) const { ::closedir(dir); }
};

bool is_hotplug_subsystem(std::string_view subsystem) {
    return subsystem == "usb" || subsystem == "hid" || subsystem == "usb-serial";
}

// The value of KEY= in a uevent file's text, or "".
std::string_view uevent_value(std::string_view uevent, std::string_view key) {
    size_t pos = 0;
    while (pos < uevent.size()) {
        size_t end = uevent.find('\n', pos);
        if (end == std::string_view::npos)
            end = uevent.size();
        std::string_view line = uevent.substr(pos, end - pos);
        if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == '=')
            return line.substr(key.size() + 1);
        pos = end + 1;
    }
    return {};
}

// The last component of the symlink `name` in `dir`, or "".
std::string link_target_name(int dir, const char* name) {
    char target[512];
    ssize_t n = ::readlinkat(dir, name, target, sizeof target - 1);
    if (n <= 0)
        return "";
    std::string_view view(target, static_cast<size_t>(n));
    return std::string(view.substr(view.rfind('/') + 1));
}

class Walker {
  public:
    explicit Walker(std::vector<DeviceRecord>& out) : m_out(out) {}

    // `removable` and `created_by_module` describe the ancestors of `dir`.
    void walk(int dir, std::string& path, bool removable, bool created_by_module, int depth) {
        bool is_device = false;
        std::string uevent;
        {
            UniqueFd fd(::openat(dir, "uevent", O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
            if (fd) {
                is_device = true;
                char buffer[4096];
                ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
                if (n > 0)
                    uevent.assign(buffer, static_cast<size_t>(n));
            }
        }
        bool children_removable = removable;
        bool children_by_module = created_by_module;
        if (is_device) {
            std::string subsystem = link_target_name(dir, "subsystem");
            bool self_removable = removable || is_hotplug_subsystem(subsystem);
            std::string_view modalias = uevent_value(uevent, "MODALIAS");
            if (!modalias.empty())
                m_out.push_back(
                    {path, subsystem, std::string(modalias), self_removable, created_by_module});
            children_removable = self_removable;
            // Only loadable modules have an initstate in /sys/module.
            if (!uevent_value(uevent, "DRIVER").empty() &&
                ::faccessat(dir, "driver/module/initstate", F_OK, 0) == 0)
                children_by_module = true;
        }
        if (depth >= kMaxDepth)
            return;

        int listing = ::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (listing < 0)
            return;
        std::unique_ptr<DIR, DirCloser> entries(::fdopendir(listing));
        if (!entries) {
            ::close(listing);
            return;
        }
        while (dirent* entry = ::readdir(entries.get())) {
            std::string_view name = entry->d_name;
            // Symlinks (subsystem, driver, firmware_node, ...) lead back
            // into the tree; a device's "power" directory holds attributes.
            if (entry->d_type != DT_DIR || name == "." || name == ".." ||
                (is_device && name == "power"))
                continue;
            UniqueFd child(
                ::openat(dir, entry->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
            if (!child)
                continue;  // vanished meanwhile: a device that went away
            size_t length = path.size();
            path += '/';
            path += name;
            walk(child.get(), path, children_removable, children_by_module, depth + 1);
            path.resize(length);
        }
    }

  private:
    std::vector<DeviceRecord>& m_out;
};

}  // namespace

Result<std::vector<DeviceRecord>> SysfsDeviceSource::enumerate() {
    std::string path = m_root + "/devices";
    UniqueFd root(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root)
        return system_error("cannot open " + path + " (is sysfs mounted?)");
    std::vector<DeviceRecord> devices;
    Walker walker(devices);
    walker.walk(root.get(), path, false, false, 0);
    std::sort(devices.begin(), devices.end(),
              [](const DeviceRecord& a, const DeviceRecord& b) { return a.syspath < b.syspath; });
    return devices;
}

}  // namespace fastinit
