#include "device-cache/sysfs_paths.h"

#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>

namespace fastinit {
namespace {

// Deeper than any real device path; stops a pathological one.
constexpr int kMaxAncestors = 64;

}  // namespace

std::string read_link(const std::string& path) {
    char target[1024];
    ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
    return n > 0 ? std::string(target, static_cast<size_t>(n)) : "";
}

std::string last_component(const std::string& path) {
    return path.substr(path.rfind('/') + 1);
}

// `target` (a relative symlink target) resolved against directory `base`,
// with "." and ".." folded away.
std::string resolve_relative(const std::string& base, const std::string& target) {
    std::vector<std::string> parts;
    auto push = [&](const std::string& path) {
        size_t start = 0;
        while (start <= path.size()) {
            size_t end = std::min(path.find('/', start), path.size());
            std::string part = path.substr(start, end - start);
            if (part == "..") {
                if (!parts.empty())
                    parts.pop_back();
            } else if (!part.empty() && part != ".") {
                parts.push_back(part);
            }
            start = end + 1;
        }
    };
    if (target.empty() || target[0] != '/')
        push(base);
    push(target);
    std::string resolved;
    for (const std::string& part : parts)
        resolved += "/" + part;
    return resolved;
}

Result<std::string> block_device_dir(dev_t device, const std::string& sysfs) {
    std::string dev_dir = sysfs + "/dev/block";
    std::string link =
        dev_dir + "/" + std::to_string(major(device)) + ":" + std::to_string(minor(device));
    std::string target = read_link(link);
    if (target.empty())
        return system_error("cannot find block device " + std::to_string(major(device)) + ":" +
                            std::to_string(minor(device)) + " in sysfs (" + link + ")");
    return resolve_relative(dev_dir, target);
}

std::vector<std::string> device_dir_driver_modules(std::string path, const std::string& sysfs) {
    std::string devices_dir = resolve_relative("/", sysfs + "/devices");
    std::vector<std::string> modules;
    for (int depth = 0; depth < kMaxAncestors && path.size() > devices_dir.size() &&
                        path.starts_with(devices_dir + "/");
         ++depth) {
        // driver/module exists only for drivers from a loadable module.
        std::string module = read_link(path + "/driver/module");
        if (!module.empty()) {
            std::string name = last_component(module);
            if (std::find(modules.begin(), modules.end(), name) == modules.end())
                modules.push_back(name);
        }
        path.resize(path.rfind('/'));
    }
    std::reverse(modules.begin(), modules.end());
    return modules;
}

std::string resolve_link_in(const std::string& dir, const std::string& name) {
    std::string target = read_link(dir + "/" + name);
    return target.empty() ? "" : resolve_relative(dir, target);
}

}  // namespace fastinit
