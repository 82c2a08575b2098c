#include "device-cache/image_reindex.h"

#include <vector>

#include "base/text.h"

namespace fastinit {

Result<Reindexed> reindex_for_image(const DeviceCache& cache, const ImageTree& image) {
    const Fingerprint& fingerprint = cache.fingerprint;
    if (fingerprint.kernel_release != image.release)
        return Error{"the cache was written for kernel " + fingerprint.kernel_release +
                     ", the image is for " + image.release};
    if (fingerprint.module_index == image.image_index)
        return Reindexed{ReindexOutcome::already_image, cache};
    if (fingerprint.module_index != image.source_index)
        return Error{
            "the cache was written against another module index than the tree the "
            "image is made from (" +
            fingerprint.module_index + ", the tree's: " + image.source_index + ")"};
    std::vector<std::string> missing;
    for (const CachedModule& module : cache.modules)
        if (module.spec.path.empty() || !image.has_module(module.spec.path))
            missing.push_back(module.spec.name);
    if (!missing.empty())
        return Error{"the image lacks modules the cache lists (" + join(missing, ", ") +
                     "); --host-only puts them in"};
    Reindexed out{ReindexOutcome::reindexed, cache};
    out.cache.fingerprint.module_index = image.image_index;
    out.cache.modules_dir = image.image_dir;
    return out;
}

}  // namespace fastinit
