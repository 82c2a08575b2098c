// device-cache: the root record — the root device's driver chain read from
// a sysfs tree, and keeping the record in a real SQLite cache.
#include <sys/sysmacros.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "device-cache/cache_store.h"
#include "device-cache/root_record.h"
#include "device-cache/root_stack.h"
#include "tests/unit/device_fakes.h"
#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

using namespace fastinit::testing;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A sysfs tree shaped like the kernel's: /dev/block/MAJ:MIN links into
// /devices, and each bound device's driver links to /bus/*/drivers/*, whose
// module link (present only for loadable modules) leads to /module/*.
class Sysfs : public ::testing::Test {
  protected:
    void bind(const std::string& device, const std::string& bus, const std::string& driver,
              const std::string& module) {
        std::filesystem::create_directories(tree.path("devices/" + device));
        std::string driver_dir = "bus/" + bus + "/drivers/" + driver;
        std::filesystem::create_directories(tree.path(driver_dir));
        int depth = static_cast<int>(std::count(device.begin(), device.end(), '/')) + 2;
        std::string up;
        for (int i = 0; i < depth; ++i)
            up += "../";
        tree.link("devices/" + device + "/driver", up + driver_dir);
        if (!module.empty() && !std::filesystem::is_symlink(tree.path(driver_dir + "/module"))) {
            std::filesystem::create_directories(tree.path("module/" + module));
            tree.link(driver_dir + "/module", "../../../../module/" + module);
        }
    }
    void block(int major, int minor, const std::string& device) {
        std::filesystem::create_directories(tree.path("devices/" + device));
        tree.link("dev/block/" + std::to_string(major) + ":" + std::to_string(minor),
                  "../../devices/" + device);
    }
    // Block device `slave` is part of layer `layer` (slaves/ links to it).
    void slave(const std::string& layer, const std::string& slave) {
        std::string up;
        for (int i = 0, n = static_cast<int>(std::count(layer.begin(), layer.end(), '/')) + 2;
             i < n; ++i)
            up += "../";
        tree.link("devices/" + layer + "/slaves/" + slave.substr(slave.rfind('/') + 1), up + slave);
    }
    void virtio_disks() {
        bind("pci0000:00/0000:00:04.0", "pci", "virtio-pci", "virtio_pci");
        bind("pci0000:00/0000:00:04.0/virtio1", "virtio", "virtio_blk", "virtio_blk");
        bind("pci0000:00/0000:00:05.0", "pci", "virtio-pci", "virtio_pci");
        bind("pci0000:00/0000:00:05.0/virtio2", "virtio", "virtio_blk", "virtio_blk");
        block(254, 0, kVda);
        block(254, 16, kVdb);
    }
    std::string sysfs() const { return tree.root().string(); }

    static constexpr const char* kVda = "pci0000:00/0000:00:04.0/virtio1/block/vda";
    static constexpr const char* kVdb = "pci0000:00/0000:00:05.0/virtio2/block/vdb";

    TempTree tree;
};

TEST_F(Sysfs, APartitionOfAVirtioDisk) {
    bind("pci0000:00/0000:00:04.0", "pci", "virtio-pci", "virtio_pci");
    bind("pci0000:00/0000:00:04.0/virtio1", "virtio", "virtio_blk", "virtio_blk");
    block(254, 1, "pci0000:00/0000:00:04.0/virtio1/block/vda/vda1");
    auto modules = block_device_driver_modules(makedev(254, 1), sysfs());
    ASSERT_TRUE(modules.ok()) << modules.error().message;
    EXPECT_THAT(*modules, ElementsAre("virtio_pci", "virtio_blk"));
}

TEST_F(Sysfs, AScsiDiskBehindAnAtaControllerWithABuiltInBusDriver) {
    bind("pci0000:00/0000:00:01.1", "pci", "ata_piix", "ata_piix");
    bind("pci0000:00/0000:00:01.1/ata1/host0/target0:0:0/0:0:0:0", "scsi", "sd", "sd_mod");
    bind("pci0000:00", "pci_bus", "builtin-bridge", "");  // built in: no module link
    block(8, 0, "pci0000:00/0000:00:01.1/ata1/host0/target0:0:0/0:0:0:0/block/sda");
    auto modules = block_device_driver_modules(makedev(8, 0), sysfs());
    ASSERT_TRUE(modules.ok()) << modules.error().message;
    EXPECT_THAT(*modules, ElementsAre("ata_piix", "sd_mod"));
}

TEST_F(Sysfs, ADeviceNoDriverServesNeedsNoModules) {
    block(7, 0, "virtual/block/loop0");
    auto modules = block_device_driver_modules(makedev(7, 0), sysfs());
    ASSERT_TRUE(modules.ok()) << modules.error().message;
    EXPECT_THAT(*modules, IsEmpty());
}

TEST_F(Sysfs, AnUnknownDeviceIsAnError) {
    std::filesystem::create_directories(tree.path("dev/block"));
    auto modules = block_device_driver_modules(makedev(8, 16), sysfs());
    ASSERT_FALSE(modules.ok());
    EXPECT_THAT(modules.error().message, HasSubstr("8:16"));
}

TEST_F(Sysfs, APlainDiskHasNoLayers) {
    virtio_disks();
    auto stack = block_device_stack(makedev(254, 0), sysfs());
    ASSERT_TRUE(stack.ok()) << stack.error().message;
    EXPECT_THAT(stack->layers, IsEmpty());
    EXPECT_THAT(stack->modules, ElementsAre("virtio_pci", "virtio_blk"));
}

// LVM on a RAID1 of two virtio disks: the array first, then the volume; the
// disks' chains once.
TEST_F(Sysfs, LvmOnRaid1IsAssembledInnermostFirst) {
    virtio_disks();
    block(9, 0, "virtual/block/md0");
    tree.write("devices/virtual/block/md0/md/level", "raid1\n");
    slave("virtual/block/md0", kVda);
    slave("virtual/block/md0", kVdb);
    block(253, 0, "virtual/block/dm-0");
    tree.write("devices/virtual/block/dm-0/dm/uuid", "LVM-abcdefgh\n");
    slave("virtual/block/dm-0", "virtual/block/md0");
    auto stack = block_device_stack(makedev(253, 0), sysfs());
    ASSERT_TRUE(stack.ok()) << stack.error().message;
    EXPECT_EQ(stack->layers, (std::vector<RootLayer>{{"md", "md0", {"md_mod", "raid1"}},
                                                     {"lvm", "dm-0", {"dm_mod"}}}));
    EXPECT_THAT(stack->modules, ElementsAre("virtio_pci", "virtio_blk"));
}

TEST_F(Sysfs, AVolumeGroupOnTwoDisksIsOneLayer) {
    virtio_disks();
    block(253, 1, "virtual/block/dm-1");
    tree.write("devices/virtual/block/dm-1/dm/uuid", "LVM-xyz\n");
    slave("virtual/block/dm-1", kVda);
    slave("virtual/block/dm-1", kVdb);
    auto stack = block_device_stack(makedev(253, 1), sysfs());
    ASSERT_TRUE(stack.ok()) << stack.error().message;
    EXPECT_EQ(stack->layers, (std::vector<RootLayer>{{"lvm", "dm-1", {"dm_mod"}}}));
}

TEST_F(Sysfs, ARaid5NeedsRaid456) {
    virtio_disks();
    block(9, 1, "virtual/block/md1");
    tree.write("devices/virtual/block/md1/md/level", "raid5\n");
    slave("virtual/block/md1", kVda);
    auto stack = block_device_stack(makedev(9, 1), sysfs());
    ASSERT_TRUE(stack.ok()) << stack.error().message;
    ASSERT_EQ(stack->layers.size(), 1u);
    EXPECT_THAT(stack->layers[0].modules, ElementsAre("md_mod", "raid456"));
}

// Stage 1 could not assemble it again: the record must not claim it can.
TEST_F(Sysfs, ADeviceMapperDeviceOfAnUnknownKindIsAnError) {
    virtio_disks();
    block(253, 2, "virtual/block/dm-2");
    tree.write("devices/virtual/block/dm-2/dm/uuid", "mpath-3600a0b80\n");
    slave("virtual/block/dm-2", kVda);
    auto stack = block_device_stack(makedev(253, 2), sysfs());
    ASSERT_FALSE(stack.ok());
    EXPECT_THAT(stack.error().message, HasSubstr("dm-2"));
    EXPECT_THAT(stack.error().message, HasSubstr("cannot assemble"));
}

// LVM on LUKS: the mapping first, named by dm/name (what the next boot
// opens again), with the LUKS modules that are loaded; then the volume.
TEST_F(Sysfs, LvmOnLuksIsRecordedInOrderWithTheLoadedCipherModules) {
    virtio_disks();
    block(253, 0, "virtual/block/dm-0");
    tree.write("devices/virtual/block/dm-0/dm/uuid",
               "CRYPT-LUKS2-0b6d3f0e5a2c4f7e9d1b2a3c4d5e6f70-cryptroot\n");
    tree.write("devices/virtual/block/dm-0/dm/name", "cryptroot\n");
    slave("virtual/block/dm-0", kVda);
    block(253, 1, "virtual/block/dm-1");
    tree.write("devices/virtual/block/dm-1/dm/uuid", "LVM-abcdef\n");
    slave("virtual/block/dm-1", "virtual/block/dm-0");
    for (const char* module : {"dm_mod", "dm_crypt", "xts", "algif_skcipher"})
        tree.write(std::string("module/") + module + "/refcnt", "1\n");
    auto stack = block_device_stack(makedev(253, 1), sysfs());
    ASSERT_TRUE(stack.ok()) << stack.error().message;
    EXPECT_EQ(stack->layers,
              (std::vector<RootLayer>{
                  {"luks", "cryptroot", {"dm_mod", "dm_crypt", "xts", "algif_skcipher"}},
                  {"lvm", "dm-1", {"dm_mod"}}}));
}

TEST(RootLayersText, RoundTripsAndSkipsDamagedLines) {
    std::vector<RootLayer> layers{{"md", "md0", {"md_mod", "raid1"}}, {"lvm", "dm-0", {}}};
    EXPECT_EQ(parse_root_layers(format_root_layers(layers)), layers);
    EXPECT_THAT(parse_root_layers(""), IsEmpty());
    EXPECT_EQ(parse_root_layers("lonely\nmd  md1 md_mod\n"),
              (std::vector<RootLayer>{{"md", "md1", {"md_mod"}}}));
}

TEST(RootDriverModules, ANodeThatIsNotABlockDeviceIsAnError) {
    auto modules = root_driver_modules("/dev/null");
    ASSERT_FALSE(modules.ok());
    EXPECT_THAT(modules.error().message, HasSubstr("not a block device"));
    EXPECT_FALSE(root_driver_modules("/dev/no-such-disk").ok());
}

DeviceCache cache_with(std::vector<std::string> names) {
    DeviceCache cache;
    cache.fingerprint.kernel_release = "6.1.0-56-amd64";
    for (std::string& name : names) {
        CachedModule module;
        module.spec = spec(std::move(name));
        cache.modules.push_back(std::move(module));
    }
    return cache;
}

TEST(MakeRootRecord, KeepsOnlyModulesTheCacheCanLoad) {
    DeviceCache cache = cache_with({"virtio_pci", "virtio_blk", "ata_piix"});
    EXPECT_EQ(make_root_record(cache, "LABEL=r", {"virtio_pci", "nvme", "virtio_blk"}, "ext4",
                               "/dev/vda"),
              (RootRecord{"LABEL=r", {"virtio_pci", "virtio_blk"}, "ext4", "/dev/vda"}));
}

TEST(RenewRootRecord, WritesOnlyWhenTheRecordChanges) {
    TempDir dir;
    std::string path = dir.file("devices.db");
    DeviceCache cache = cache_with({"virtio_pci", "virtio_blk"});
    ASSERT_TRUE(save_cache(path, cache).ok());
    RootRecord record{"LABEL=r", {"virtio_pci", "virtio_blk"}, "ext4", "/dev/vda"};

    auto first = renew_root_record(path, "6.1.0-56-amd64", record);
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_TRUE(*first);
    auto again = renew_root_record(path, "6.1.0-56-amd64", record);
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(*again);
    CacheLoad loaded = load_cache(path, "6.1.0-56-amd64");
    ASSERT_TRUE(loaded.valid()) << loaded.reason;
    EXPECT_EQ(loaded.cache->root, record);
    cache.root = record;
    EXPECT_EQ(*loaded.cache, cache) << "nothing else changed";
}

TEST(RenewRootRecord, ABadCacheIsAnErrorAndStaysAsItWas) {
    TempDir dir;
    std::string path = dir.file("devices.db");
    auto renewed = renew_root_record(path, "6.1.0-56-amd64", {"LABEL=r", {"x"}, "", ""});
    ASSERT_FALSE(renewed.ok());
    EXPECT_THAT(renewed.error().message, HasSubstr("no device cache"));
    EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace fastinit
