#include "initd/stage1/root_mount.h"

#include <blkid/blkid.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "base/text.h"

namespace fastinit {
namespace {

std::string block_devices_present() {
    auto partitions = read_file("/proc/partitions");
    if (!partitions)
        return "(cannot read /proc/partitions)";
    std::string names;
    size_t line_start = 0;
    int line = 0;
    const std::string& text = *partitions;
    while (line_start < text.size()) {
        size_t end = text.find('\n', line_start);
        if (end == std::string::npos)
            end = text.size();
        std::string row = text.substr(line_start, end - line_start);
        line_start = end + 1;
        if (line++ < 2)
            continue;  // header and blank line
        size_t name_at = row.find_last_of(' ');
        if (name_at != std::string::npos && name_at + 1 < row.size())
            names += (names.empty() ? "" : " ") + row.substr(name_at + 1);
    }
    return names.empty() ? "none" : names;
}

}  // namespace

std::string detect_fstype(const std::string& device) {
    std::string type;
    blkid_probe probe = blkid_new_probe_from_filename(device.c_str());
    if (!probe)
        return type;
    blkid_probe_enable_superblocks(probe, 1);
    blkid_probe_set_superblocks_flags(probe, BLKID_SUBLKS_TYPE);
    const char* value = nullptr;
    if (blkid_do_safeprobe(probe) == 0 &&
        blkid_probe_lookup_value(probe, "TYPE", &value, nullptr) == 0 && value)
        type = value;
    blkid_free_probe(probe);
    return type;
}

bool filesystem_available(const std::string& fstype) {
    auto known = read_file("/proc/filesystems");
    if (!known)
        return false;
    // Lines are "nodev\tproc" or "\text4".
    return known->find("\t" + fstype + "\n") != std::string::npos;
}

bool filesystem_has_tag(const std::string& path, const std::string& fstype, const std::string& tag,
                        const std::string& value) {
    blkid_probe probe = blkid_new_probe_from_filename(path.c_str());
    if (!probe)
        return false;
    blkid_probe_enable_superblocks(probe, 1);
    blkid_probe_set_superblocks_flags(probe,
                                      BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE);
    std::string type = fstype;
    char* only[] = {type.data(), nullptr};
    blkid_probe_filter_superblocks_type(probe, BLKID_FLTR_ONLYIN, only);
    const char* found = nullptr;
    bool matches = blkid_do_safeprobe(probe) == 0 &&
                   blkid_probe_lookup_value(probe, tag.c_str(), &found, nullptr) == 0 && found &&
                   value == found;
    blkid_free_probe(probe);
    return matches;
}

RootDevice find_root_device(const RootSpec& spec, const RootHint& hint) {
    struct stat st;
    if (spec.source.rfind("/dev/", 0) == 0) {
        if (::stat(spec.source.c_str(), &st) == 0 && S_ISBLK(st.st_mode))
            return {spec.source, ""};
        return {};
    }
    size_t equals = spec.source.find('=');
    std::string tag = spec.source.substr(0, equals);
    if (!hint.device.empty() && !hint.fstype.empty() && (tag == "LABEL" || tag == "UUID") &&
        ::stat(hint.device.c_str(), &st) == 0 && S_ISBLK(st.st_mode) &&
        filesystem_has_tag(hint.device, hint.fstype, tag, spec.source.substr(equals + 1)))
        return {hint.device, hint.fstype};
    // No cache: devices appear while we wait, and a stale cache would hide
    // them.
    char* found = blkid_evaluate_tag(spec.source.c_str(), nullptr, nullptr);
    if (!found)
        return {};
    RootDevice device{found, ""};
    std::free(found);
    return device;
}

Result<RootDevice> wait_for_root_device(const RootSpec& spec, const RootHint& hint) {
    using Clock = std::chrono::steady_clock;
    auto start = Clock::now();
    auto delay = std::chrono::milliseconds(1);
    for (;;) {
        RootDevice device = find_root_device(spec, hint);
        if (!device.node.empty())
            return device;
        if (spec.timeout && Clock::now() - start > *spec.timeout)
            return Error{"root device " + spec.source + " did not appear within " +
                         format_duration(*spec.timeout) +
                         "; block devices present: " + block_devices_present()};
        std::this_thread::sleep_for(delay);
        // Back off to 20 ms: quick when the device is about to appear,
        // cheap when a slow disk keeps us waiting.
        delay = std::min(delay * 2, std::chrono::milliseconds(20));
    }
}

Result<void> mount_root(const RootSpec& spec, const std::string& device, const std::string& type,
                        const std::string& target) {
    ::mkdir(target.c_str(), 0755);
    if (type.empty())
        return Error{"cannot tell the filesystem type of " + device + " (give rootfstype=)"};
    unsigned long flags = spec.read_only ? MS_RDONLY : 0;
    if (::mount(device.c_str(), target.c_str(), type.c_str(), flags,
                spec.options.empty() ? nullptr : spec.options.c_str()) < 0)
        return system_error("cannot mount " + device + " (" + type + ") on " + target);
    return {};
}

}  // namespace fastinit
