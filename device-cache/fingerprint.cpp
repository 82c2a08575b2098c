#include "device-cache/fingerprint.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <algorithm>
#include <bit>
#include <cinttypes>
#include <cstring>

#include "base/text.h"
#include "base/unique_fd.h"

namespace fastinit {
namespace {

// A fast non-cryptographic hash: it only has to notice that an index file
// was rebuilt, and must cost well under a millisecond for a few MB.
uint64_t content_hash(const unsigned char* data, size_t size) {
    constexpr uint64_t kMultiplier = 0xbf58476d1ce4e5b9ULL;
    uint64_t hash = 0x9e3779b97f4a7c15ULL ^ size;
    size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        uint64_t word;
        std::memcpy(&word, data + i, 8);
        hash = std::rotl(hash ^ word, 29) * kMultiplier;
    }
    if (i < size) {
        uint64_t word = 0;
        std::memcpy(&word, data + i, size - i);
        hash = std::rotl(hash ^ word, 29) * kMultiplier;
    }
    hash ^= hash >> 32;
    hash *= 0x94d049bb133111ebULL;
    hash ^= hash >> 29;
    return hash;
}

std::string file_identity(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat info {};
    if (!fd || ::fstat(fd.get(), &info) != 0)
        return "absent";
    size_t size = static_cast<size_t>(info.st_size);
    uint64_t hash = content_hash(nullptr, 0);
    if (size > 0) {
        void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
        if (map == MAP_FAILED)
            return "unreadable";
        hash = content_hash(static_cast<const unsigned char*>(map), size);
        ::munmap(map, size);
    }
    char text[64];
    std::snprintf(text, sizeof text, "%zu:%016" PRIx64, size, hash);
    return text;
}

std::string trim(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    return text;
}

std::string list_some(const std::vector<std::string>& items) {
    constexpr size_t kShown = 5;
    std::vector<std::string> shown(items.begin(), items.begin() + std::min(items.size(), kShown));
    std::string text = join(shown, ", ");
    if (items.size() > kShown)
        text += " and " + std::to_string(items.size() - kShown) + " more";
    return text;
}

std::string count_devices(size_t count) {
    return std::to_string(count) + (count == 1 ? " device" : " devices");
}

std::string describe_device_change(std::vector<std::string> cached, std::vector<std::string> now) {
    // Multiset differences: duplicates stay meaningful.
    std::sort(cached.begin(), cached.end());
    std::sort(now.begin(), now.end());
    std::vector<std::string> added, removed;
    std::set_difference(now.begin(), now.end(), cached.begin(), cached.end(),
                        std::back_inserter(added));
    std::set_difference(cached.begin(), cached.end(), now.begin(), now.end(),
                        std::back_inserter(removed));
    std::string text;
    if (!added.empty())
        text = count_devices(added.size()) + " added: " + list_some(added);
    if (!removed.empty()) {
        if (!text.empty())
            text += "; " + std::to_string(removed.size()) + " removed: ";
        else
            text = count_devices(removed.size()) + " removed: ";
        text += list_some(removed);
    }
    return text;
}

std::string describe_dmi_change(const std::map<std::string, std::string>& cached,
                                const std::map<std::string, std::string>& now) {
    std::vector<std::string> changes;
    for (const auto& [key, value] : cached) {
        auto found = now.find(key);
        if (found == now.end())
            changes.push_back(key + " \"" + value + "\" is gone");
        else if (found->second != value)
            changes.push_back(key + " \"" + value + "\" -> \"" + found->second + "\"");
    }
    for (const auto& [key, value] : now)
        if (!cached.contains(key))
            changes.push_back(key + " \"" + value + "\" appeared");
    return join(changes, ", ");
}

}  // namespace

std::vector<std::string> fingerprint_devices(const std::vector<DeviceRecord>& devices) {
    std::vector<std::string> modaliases;
    for (const DeviceRecord& device : devices)
        if (!device.removable && !device.created_by_module)
            modaliases.push_back(device.modalias);
    std::sort(modaliases.begin(), modaliases.end());
    return modaliases;
}

std::string module_index_identity(const std::string& modules_dir) {
    std::string identity;
    for (const char* index : {"modules.dep.bin", "modules.alias.bin"}) {
        if (!identity.empty())
            identity += ' ';
        identity += std::string(index) + "=" + file_identity(modules_dir + "/" + index);
    }
    return identity;
}

std::map<std::string, std::string> read_dmi(const std::string& dmi_dir) {
    std::map<std::string, std::string> dmi;
    for (const char* key : {"sys_vendor", "product_name", "board_name", "bios_version"})
        if (auto value = read_file(dmi_dir + "/" + key))
            dmi[key] = trim(std::move(*value));
    return dmi;
}

Fingerprint take_fingerprint(const FingerprintSources& sources,
                             const std::vector<DeviceRecord>& devices) {
    return {sources.tree.release,
            sources.module_index.empty() ? module_index_identity(sources.tree.dir)
                                         : sources.module_index,
            read_dmi(sources.dmi_dir),
            sources.devices ? *sources.devices : fingerprint_devices(devices)};
}

std::string FingerprintDiff::summary() const {
    std::vector<std::string> lines;
    for (const auto& part : parts)
        lines.push_back(part.part + ": " + part.description);
    return join(lines, "; ");
}

FingerprintDiff compare_fingerprints(const Fingerprint& cached, const Fingerprint& now) {
    FingerprintDiff diff;
    if (cached.kernel_release != now.kernel_release)
        diff.parts.push_back(
            {"kernel", "\"" + cached.kernel_release + "\" -> \"" + now.kernel_release + "\""});
    if (cached.module_index != now.module_index)
        diff.parts.push_back({"module index", "modules.dep.bin or modules.alias.bin changed (" +
                                                  cached.module_index + " -> " + now.module_index +
                                                  ")"});
    if (cached.dmi != now.dmi)
        diff.parts.push_back({"dmi", describe_dmi_change(cached.dmi, now.dmi)});
    if (cached.devices != now.devices)
        diff.parts.push_back({"devices", describe_device_change(cached.devices, now.devices)});
    return diff;
}

}  // namespace fastinit
