// A device cache carried into an initramfs: the one rule is that it moves
// onto the image's re-indexed copy of its module tree only when it was
// written against the very tree the image is made from (same kernel
// release, same module index identity) and every module it lists is in the
// image. Anything else is left exactly as it is, for the boot's own check
// to judge (which then probes): a cache is never made to look valid for a
// tree it was not resolved against.
//
// Why it is needed: mkinitramfs copies part of /lib/modules/VER and runs
// depmod on the copy, so the image's modules.dep.bin and modules.alias.bin
// (part of the fingerprint) differ from the root's. A golden cache made in
// an image build (`fastinit devices probe --no-load`, on the root's tree)
// would otherwise be stale in every image it is put into.
#pragma once

#include <functional>
#include <string>

#include "base/result.h"
#include "device-cache/device_cache.h"

namespace fastinit {

struct ImageTree {
    std::string release;       // the image's kernel release
    std::string source_index;  // module_index_identity of the tree copied from
    std::string image_index;   // module_index_identity of the image's copy
    std::string image_dir;     // where the image keeps it: /lib/modules/VER
    // Whether the image's copy holds a module file (path relative to the tree).
    std::function<bool(const std::string&)> has_module;
};

enum class ReindexOutcome {
    reindexed,      // the fingerprint now names the image's index
    already_image,  // it named the image's index already (made by a boot of it)
};

struct Reindexed {
    ReindexOutcome outcome;
    DeviceCache cache;
};

// The cache for the image, or why it stays as it is (one sentence).
Result<Reindexed> reindex_for_image(const DeviceCache& cache, const ImageTree& image);

}  // namespace fastinit
