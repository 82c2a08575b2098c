#include "device-cache/sysfs_device_source.h"

#include "device-cache/driver_module.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <string_view>

#include "base/unique_fd.h"

namespace fastinit {
namespace {

// More ancestors than any real device has; stops a pathological tree.
constexpr int kMaxDepth = 64;

// Besides bus devices, the kernel gives a MODALIAS to the devices of these
// two classes only: input devices (input_dev_uevent; evdev and joydev match
// them) and /sys/class/dmi/id (dmi_dev_uevent; laptop and platform drivers
// match it). Class devices never have a driver and none of these classes is
// a hot-plug subsystem, so they only ever need their own MODALIAS.
constexpr std::array<std::string_view, 2> kClassesWithModalias = {"input", "dmi"};

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

// Where `target`, a symlink found in the directory `dir` (both relative to
// the sysfs root), leads: a "devices/..." path, or "" if it leads elsewhere.
// The kernel's links are relative ("../../../devices/pci0000:00/...") and
// pass only through real directories, so resolving ".." textually is what
// realpath() would do, without its lstat() of every component.
std::string resolve_link(std::string_view dir, std::string_view target) {
    if (target.starts_with('/'))
        return "";
    std::string path(dir);
    size_t pos = 0;
    while (pos <= target.size()) {
        size_t end = std::min(target.find('/', pos), target.size());
        std::string_view part = target.substr(pos, end - pos);
        if (part == "..") {
            if (path.empty())
                return "";  // above the sysfs root
            size_t slash = path.rfind('/');
            path.resize(slash == std::string::npos ? 0 : slash);
        } else if (!part.empty() && part != ".") {
            if (!path.empty())
                path += '/';
            path += part;
        }
        pos = end + 1;
    }
    return path.starts_with("devices/") ? path : "";
}

// A device found in a bus's or class's listing.
struct ListedDevice {
    std::string syspath;
    std::string subsystem;
    std::string modalias;
    bool has_driver = false;
    // Whether that driver comes from a loadable module; asked only when the
    // device turns out to be the ancestor of one with a modalias.
    std::optional<bool> loadable_driver;
};

class Lister {
  public:
    explicit Lister(const std::string& root) : m_root(root) {}

    // Adds the device behind every symlink in `dir` (relative to the root),
    // /sys/bus/<bus>/devices or /sys/class/<class>; its subsystem is the
    // bus's or class's name.
    void add_linked(const std::string& dir, std::string_view subsystem) {
        std::unique_ptr<DIR, DirCloser> entries(::opendir((m_root + "/" + dir).c_str()));
        if (!entries)
            return;  // a bus without a devices directory, a class not built in
        while (dirent* entry = ::readdir(entries.get())) {
            std::string_view name = entry->d_name;
            if (name == "." || name == "..")
                continue;
            char target[PATH_MAX];
            ssize_t n = ::readlinkat(::dirfd(entries.get()), entry->d_name, target, sizeof target);
            if (n <= 0 || n == sizeof target)
                continue;  // not a link, or gone meanwhile
            std::string path = resolve_link(dir, {target, static_cast<size_t>(n)});
            if (path.empty())
                continue;
            ListedDevice device{m_root + "/" + path, std::string(subsystem), {}, false, {}};
            if (read_uevent(device))
                m_devices.push_back(std::move(device));
        }
    }

    // The listed devices, sorted by syspath so that ancestors can be found.
    std::vector<ListedDevice>& sorted() {
        std::sort(
            m_devices.begin(), m_devices.end(),
            [](const ListedDevice& a, const ListedDevice& b) { return a.syspath < b.syspath; });
        return m_devices;
    }

    // The listed device at `syspath`, or null; once sorted().
    ListedDevice* find(std::string_view syspath) {
        auto found = std::lower_bound(m_devices.begin(), m_devices.end(), syspath,
                                      [](const ListedDevice& device, std::string_view path) {
                                          return device.syspath < path;
                                      });
        return found != m_devices.end() && found->syspath == syspath ? &*found : nullptr;
    }

  private:
    // False if the device went away since it was listed.
    static bool read_uevent(ListedDevice& device) {
        UniqueFd fd(
            ::open((device.syspath + "/uevent").c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
        if (!fd)
            return false;
        char buffer[4096];
        ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        std::string_view uevent(buffer, n > 0 ? static_cast<size_t>(n) : 0);
        device.modalias = uevent_value(uevent, "MODALIAS");
        device.has_driver = !uevent_value(uevent, "DRIVER").empty();
        return true;
    }

    const std::string& m_root;
    std::vector<ListedDevice> m_devices;
};

bool bound_to_loadable_module(const std::string& root, ListedDevice& device) {
    if (!device.loadable_driver)
        device.loadable_driver =
            device.has_driver && driver_is_loadable_module(root, device.syspath);
    return *device.loadable_driver;
}

}  // namespace

Result<std::vector<DeviceRecord>> SysfsDeviceSource::enumerate() {
    std::string bus_dir = m_root + "/bus";
    std::unique_ptr<DIR, DirCloser> buses(::opendir(bus_dir.c_str()));
    if (!buses)
        return system_error("cannot open " + bus_dir + " (is sysfs mounted?)");
    Lister lister(m_root);
    while (dirent* entry = ::readdir(buses.get())) {
        std::string_view bus = entry->d_name;
        // Memory blocks (one per 128 MiB or more of RAM: thousands on a
        // large server) have no uevent of their own and never bind a driver.
        if (bus != "." && bus != ".." && bus != "memory")
            lister.add_linked("bus/" + std::string(bus) + "/devices", bus);
    }
    for (std::string_view name : kClassesWithModalias)
        lister.add_linked("class/" + std::string(name), name);

    std::vector<DeviceRecord> devices;
    const size_t top = m_root.size() + std::string_view("/devices").size();
    for (ListedDevice& device : lister.sorted()) {
        if (device.modalias.empty())
            continue;
        DeviceRecord record{device.syspath, device.subsystem, device.modalias,
                            is_hotplug_subsystem(device.subsystem), false};
        // The ancestors that matter are bus devices, all of them listed:
        // only those can be USB or HID, or be bound to a driver.
        std::string_view path = device.syspath;
        for (int depth = 0; depth < kMaxDepth; ++depth) {
            size_t slash = path.rfind('/');
            if (slash == std::string_view::npos || slash <= top)
                break;
            path = path.substr(0, slash);
            if (ListedDevice* parent = lister.find(path)) {
                record.removable |= is_hotplug_subsystem(parent->subsystem);
                record.created_by_module |= bound_to_loadable_module(m_root, *parent);
            }
        }
        devices.push_back(std::move(record));
    }
    return devices;
}

}  // namespace fastinit
