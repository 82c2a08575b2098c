#include "initd/run/device_presence.h"

#include <dlfcn.h>
#include <net/if.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "initd/unit/device_spec.h"

namespace fastinit {
namespace {

// blkid_evaluate_tag(token, value, blkid_cache*): the device a tag names,
// malloc'd, or NULL. Declared here rather than through <blkid.h> so the
// manager does not link libblkid; the cache argument is a pointer to a
// pointer, and NULL asks for a temporary cache.
using EvaluateTag = char* (*)(const char*, const char*, void**);

EvaluateTag blkid_evaluate() {
    static EvaluateTag function = [] {
        void* library = ::dlopen("libblkid.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!library)
            return EvaluateTag{nullptr};
        return reinterpret_cast<EvaluateTag>(::dlsym(library, "blkid_evaluate_tag"));
    }();
    return function;
}

bool exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

// Runs on the lookup's worker: libblkid may read every disk.
bool blkid_finds(const std::string& tag, const std::string& value) {
    EvaluateTag evaluate = blkid_evaluate();
    if (!evaluate)
        return false;
    char* device = evaluate(tag.c_str(), value.c_str(), nullptr);
    if (!device)
        return false;
    bool there = exists(device);
    std::free(device);
    return there;
}

}  // namespace

bool DevicePresence::present(const std::string& text) {
    auto spec = parse_device_spec(text);
    if (!spec)
        return false;
    switch (spec->kind) {
        case DeviceSpec::Kind::path:
            return exists(spec->value);
        case DeviceSpec::Kind::net:
            return ::if_nametoindex(spec->value.c_str()) != 0;
        case DeviceSpec::Kind::tag:
            return tag_present(spec->tag, spec->value, m_options.root + udev_link_of(*spec));
    }
    return false;
}

bool DevicePresence::tag_present(const std::string& tag, const std::string& value,
                                 const std::string& link) {
    if (exists(link))
        return true;
    // With udevd running, its link is the answer: no need to probe disks.
    if (exists(m_options.root + m_options.udev_control))
        return false;
    if (!m_tags)
        m_tags = std::make_unique<BackgroundTagLookup>(
            m_options.lookup_tag ? m_options.lookup_tag : BackgroundTagLookup::Lookup(blkid_finds));
    return m_tags->answer(tag, value).value_or(false);
}

}  // namespace fastinit
