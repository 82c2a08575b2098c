// device-cache: a cache carried into an initramfs moves onto the image's
// re-indexed module tree only when it was made against the tree the image
// copies from and the image holds every module it lists.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "device-cache/decision.h"
#include "device-cache/image_reindex.h"
#include "tests/unit/device_fakes.h"

namespace fastinit {
namespace {

using namespace fastinit::testing;
using ::testing::HasSubstr;

const char kRootIndex[] = "modules.dep.bin=900:root modules.alias.bin=800:root";
const char kImageIndex[] = "modules.dep.bin=90:image modules.alias.bin=80:image";

DeviceCache golden() {
    DeviceCache cache;
    cache.fingerprint.kernel_release = "6.1.0-57-amd64";
    cache.fingerprint.module_index = kRootIndex;
    cache.fingerprint.dmi = {{"sys_vendor", "QEMU"}};
    cache.fingerprint.devices = {"pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00"};
    cache.modules_dir = "/lib/modules/6.1.0-57-amd64";
    cache.modules = {
        {spec("virtio_pci"), LoadStatus::not_loaded, 0, "", 0, 0, 0},
        {spec("virtio_blk", {dep("virtio_pci")}), LoadStatus::not_loaded, 0, "", 0, 0, 0}};
    return cache;
}

ImageTree image(std::set<std::string> files = {"kernel/virtio_pci.ko", "kernel/virtio_blk.ko"}) {
    return {"6.1.0-57-amd64", kRootIndex, kImageIndex, "/lib/modules/6.1.0-57-amd64",
            [files](const std::string& path) { return files.contains(path); }};
}

TEST(ImageReindex, AGoldenCacheTakesTheImagesIndexAndNothingElseChanges) {
    auto out = reindex_for_image(golden(), image());
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ(out->outcome, ReindexOutcome::reindexed);
    EXPECT_EQ(out->cache.fingerprint.module_index, kImageIndex);
    DeviceCache expected = golden();
    expected.fingerprint.module_index = kImageIndex;
    EXPECT_EQ(out->cache, expected);
}

// What the boot's check then says with the image's fingerprint: a hit.
TEST(ImageReindex, TheBootOfTheImageThenUsesIt) {
    auto out = reindex_for_image(golden(), image());
    ASSERT_TRUE(out);
    Fingerprint at_boot = golden().fingerprint;
    at_boot.module_index = kImageIndex;
    CacheLoad load{CacheState::valid, "", out->cache};
    EXPECT_EQ(decide_device_path(load, at_boot, false).path, DevicePath::use_cache);
    // Unchanged, the golden cache would have been stale at that boot.
    CacheLoad unchanged{CacheState::valid, "", golden()};
    DeviceDecision decision = decide_device_path(unchanged, at_boot, false);
    EXPECT_EQ(decision.path, DevicePath::probe);
    EXPECT_THAT(decision.reason, HasSubstr("module index"));
}

TEST(ImageReindex, ACacheABootOfTheImageWroteIsKeptAsItIs) {
    DeviceCache cache = golden();
    cache.fingerprint.module_index = kImageIndex;
    auto out = reindex_for_image(cache, image());
    ASSERT_TRUE(out);
    EXPECT_EQ(out->outcome, ReindexOutcome::already_image);
    EXPECT_EQ(out->cache, cache);
}

TEST(ImageReindex, RefusesACacheOfAnotherModuleIndex) {
    DeviceCache cache = golden();
    cache.fingerprint.module_index = "modules.dep.bin=1:old modules.alias.bin=2:old";
    auto out = reindex_for_image(cache, image());
    ASSERT_FALSE(out);
    EXPECT_THAT(out.error().message, HasSubstr("another module index"));
}

TEST(ImageReindex, RefusesACacheOfAnotherKernel) {
    DeviceCache cache = golden();
    cache.fingerprint.kernel_release = "6.1.0-56-amd64";
    auto out = reindex_for_image(cache, image());
    ASSERT_FALSE(out);
    EXPECT_THAT(out.error().message, HasSubstr("6.1.0-56-amd64"));
}

TEST(ImageReindex, RefusesWhenTheImageLacksACachedModule) {
    auto out = reindex_for_image(golden(), image({"kernel/virtio_pci.ko"}));
    ASSERT_FALSE(out);
    EXPECT_THAT(out.error().message, HasSubstr("virtio_blk"));
    EXPECT_THAT(out.error().message, HasSubstr("--host-only"));
}

// An empty path counts as a missing file at boot: never made to look valid.
TEST(ImageReindex, AModuleWithoutAPathCountsAsMissing) {
    DeviceCache cache = golden();
    cache.modules[1].spec.path = "";
    auto out = reindex_for_image(cache, image());
    ASSERT_FALSE(out);
    EXPECT_THAT(out.error().message, HasSubstr("virtio_blk"));
}

}  // namespace
}  // namespace fastinit
