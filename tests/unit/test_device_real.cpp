// device-cache against the real libraries: this host's /sys through libudev,
// and a real Debian kernel's module tree through libkmod. The tree comes
// from FASTINIT_MODULES_DIR (scripts/fetch-kernel prints it); without it
// these tests fail rather than pass vacuously.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "device-cache/cache_store.h"
#include "device-cache/fingerprint.h"
#include "device-cache/kmod_resolver.h"
#include "device-cache/load_plan.h"
#include "device-cache/probe.h"
#include "device-cache/sysfs_device_source.h"
#include "device-cache/udev_device_source.h"
#include "tests/unit/device_fakes.h"

namespace fastinit {
namespace {

using namespace fastinit::testing;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

std::string modules_dir() {
    const char* dir = std::getenv("FASTINIT_MODULES_DIR");
    return dir ? dir : "";
}

class RealKernel : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_FALSE(modules_dir().empty())
            << "FASTINIT_MODULES_DIR is not set: run scripts/fetch-kernel and export its output";
        ASSERT_TRUE(std::filesystem::exists(modules_dir() + "/modules.dep.bin"))
            << modules_dir() << " has no modules.dep.bin (was depmod run?)";
        auto opened = KmodResolver::open(module_tree_at(modules_dir()));
        ASSERT_TRUE(opened.ok()) << opened.error().message;
        resolver.emplace(std::move(*opened));
    }

    Resolution resolve(const std::vector<std::string>& modaliases) {
        auto resolution = resolver->resolve(modaliases);
        EXPECT_TRUE(resolution.ok()) << resolution.error().message;
        return resolution.ok() ? *resolution : Resolution{};
    }

    const ModuleSpec* find(const Resolution& resolution, const std::string& name) {
        for (const auto& module : resolution.modules)
            if (module.name == name)
                return &module;
        return nullptr;
    }

    std::set<std::string> names(const Resolution& resolution) {
        std::set<std::string> out;
        for (const auto& module : resolution.modules)
            out.insert(module.name);
        return out;
    }

    std::optional<KmodResolver> resolver;
};

TEST(RealUdev, EnumeratesThisHostsDevicesWithModaliases) {
    UdevDeviceSource source;
    auto devices = source.enumerate();
    ASSERT_TRUE(devices.ok()) << devices.error().message;
    ASSERT_THAT(*devices, Not(IsEmpty()));
    std::string previous;
    for (const DeviceRecord& device : *devices) {
        EXPECT_FALSE(device.modalias.empty()) << device.syspath;
        EXPECT_THAT(device.syspath, ::testing::StartsWith("/sys/")) << device.syspath;
        EXPECT_FALSE(device.subsystem.empty()) << device.syspath;
        EXPECT_LT(previous, device.syspath) << "sorted by syspath";
        previous = device.syspath;
        if (device.subsystem == "usb" || device.subsystem == "hid") {
            EXPECT_TRUE(device.removable) << device.syspath;
        }
    }
    // Twice in a row, the same machine.
    auto again = source.enumerate();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(fingerprint_devices(*devices), fingerprint_devices(*again));
}

// libudev lists /sys/bus/*/devices and every /sys/class/*, SysfsDeviceSource
// the buses and the two classes that have modaliases: on the devices with a
// MODALIAS they agree on everything, the flags included.
TEST(RealSysfs, FindsExactlyWhatLibudevFinds) {
    UdevDeviceSource udev;
    SysfsDeviceSource sysfs;
    auto by_udev = udev.enumerate();
    auto by_sysfs = sysfs.enumerate();
    ASSERT_TRUE(by_udev.ok()) << by_udev.error().message;
    ASSERT_TRUE(by_sysfs.ok()) << by_sysfs.error().message;
    ASSERT_THAT(*by_sysfs, Not(IsEmpty()));
    EXPECT_EQ(*by_sysfs, *by_udev);
}

// Independently of libudev: every directory of /sys/devices whose uevent has
// a MODALIAS, which is what the source used to walk, is listed. A class
// other than input and dmi giving its devices a modalias would show here.
TEST(RealSysfs, ListsEveryModaliasInTheDeviceTree) {
    namespace fs = std::filesystem;
    std::set<std::string> in_tree;
    std::error_code ec;
    for (fs::recursive_directory_iterator it("/sys/devices", ec), end; !ec && it != end;
         it.increment(ec)) {
        if (it->path().filename() != "uevent")
            continue;
        std::ifstream uevent(it->path());
        for (std::string line; std::getline(uevent, line);)
            if (line.starts_with("MODALIAS=") && line.size() > 9)
                in_tree.insert(it->path().parent_path().string() + " " + line.substr(9));
    }
    ASSERT_FALSE(ec) << ec.message();
    auto devices = SysfsDeviceSource().enumerate();
    ASSERT_TRUE(devices.ok()) << devices.error().message;
    std::set<std::string> listed;
    for (const DeviceRecord& device : *devices)
        listed.insert(device.syspath + " " + device.modalias);
    EXPECT_EQ(listed, in_tree);
}

TEST_F(RealKernel, VirtioBlockResolvesToVirtioBlkWithItsDependencies) {
    Resolution resolution = resolve({"virtio:d00000002v00001AF4"});
    ASSERT_THAT(resolution.aliases, SizeIs(1));
    EXPECT_EQ(resolution.aliases[0].modules, std::vector<std::string>{"virtio_blk"});
    const ModuleSpec* blk = find(resolution, "virtio_blk");
    ASSERT_TRUE(blk);
    EXPECT_TRUE(blk->matched_by_alias);
    EXPECT_EQ(blk->path, "kernel/drivers/block/virtio_blk.ko");
    EXPECT_THAT(blk->after, Contains(Prerequisite{"virtio", PrerequisiteKind::dependency}));
    EXPECT_THAT(blk->after, Contains(Prerequisite{"virtio_ring", PrerequisiteKind::dependency}));
    EXPECT_TRUE(find(resolution, "virtio"));
    EXPECT_FALSE(find(resolution, "virtio")->matched_by_alias);
}

TEST_F(RealKernel, AVirtioPciFunctionResolvesToVirtioPci) {
    Resolution resolution = resolve({"pci:v00001AF4d00001042sv00001AF4sd00001042bc01sc80i00"});
    ASSERT_THAT(resolution.aliases, SizeIs(1));
    EXPECT_EQ(resolution.aliases[0].modules, std::vector<std::string>{"virtio_pci"});
    EXPECT_THAT(names(resolution), Contains("virtio_pci_modern_dev"));
}

TEST_F(RealKernel, Ext4BringsJbd2AndMbcacheAndItsSoftDependency) {
    Resolution resolution = resolve({"fs-ext4"});
    ASSERT_THAT(resolution.aliases, SizeIs(1));
    EXPECT_EQ(resolution.aliases[0].modules, std::vector<std::string>{"ext4"});
    const ModuleSpec* ext4 = find(resolution, "ext4");
    ASSERT_TRUE(ext4);
    EXPECT_THAT(ext4->after, Contains(Prerequisite{"jbd2", PrerequisiteKind::dependency}));
    EXPECT_THAT(ext4->after, Contains(Prerequisite{"mbcache", PrerequisiteKind::dependency}));
    EXPECT_THAT(ext4->after, Contains(Prerequisite{"crc16", PrerequisiteKind::dependency}));
    // modules.softdep: "softdep ext4 pre: crypto-crc32c" (an alias).
    bool has_crc32c = false;
    for (const Prerequisite& p : ext4->after)
        has_crc32c |= p.kind == PrerequisiteKind::soft_pre && p.module.starts_with("crc32c");
    EXPECT_TRUE(has_crc32c) << "no crc32c pre soft dependency";

    LoadPlan plan = make_load_plan(resolution.modules);
    std::map<std::string, size_t> position;
    for (size_t i = 0; i < plan.modules.size(); ++i)
        position[plan.modules[i].spec.name] = i;
    EXPECT_LT(position.at("jbd2"), position.at("ext4"));
    EXPECT_LT(position.at("mbcache"), position.at("ext4"));
    EXPECT_THAT(plan.notes, IsEmpty());
}

TEST_F(RealKernel, BuiltInAndUnknownAliasesNeedNoModule) {
    // rtc_cmos is built into the Debian kernel; the other matches nothing.
    Resolution resolution = resolve({"platform:rtc_cmos", "nothing:at-all"});
    ASSERT_THAT(resolution.aliases, SizeIs(2));
    EXPECT_THAT(resolution.aliases[0].modules, IsEmpty());
    EXPECT_THAT(resolution.aliases[0].not_needed, Contains("rtc_cmos (built-in)"));
    EXPECT_THAT(resolution.aliases[1].modules, IsEmpty());
    EXPECT_THAT(resolution.aliases[1].not_needed, IsEmpty());
    EXPECT_THAT(resolution.modules, IsEmpty());
}

TEST_F(RealKernel, ResolvesEveryModaliasOfThisHost) {
    SysfsDeviceSource source;
    auto probe = probe_devices(source, *resolver, nullptr, {});
    ASSERT_TRUE(probe.ok()) << probe.error().message;
    EXPECT_EQ(probe->rounds, 1);
    std::set<std::string> modaliases;
    for (const DeviceRecord& device : probe->devices)
        modaliases.insert(device.modalias);
    EXPECT_EQ(probe->aliases.size(), modaliases.size());
    std::set<std::string> known;
    for (const CachedModule& module : probe->modules) {
        EXPECT_EQ(module.status, LoadStatus::not_loaded);
        EXPECT_FALSE(module.spec.path.empty()) << module.spec.name;
        EXPECT_TRUE(std::filesystem::exists(modules_dir() + "/" + module.spec.path))
            << module.spec.path;
        // Load order: every prerequisite in the set comes first.
        for (const Prerequisite& p : module.spec.after) {
            bool in_set =
                std::any_of(probe->modules.begin(), probe->modules.end(),
                            [&](const CachedModule& m) { return m.spec.name == p.module; });
            if (in_set) {
                EXPECT_TRUE(known.contains(p.module)) << p.module << " before " << module.spec.name;
            }
        }
        known.insert(module.spec.name);
    }
}

TEST_F(RealKernel, ARealProbeRoundTripsThroughARealCacheFile) {
    SysfsDeviceSource source;
    auto probe = probe_devices(source, *resolver, nullptr, {});
    ASSERT_TRUE(probe.ok());
    ModuleTree tree = module_tree_at(modules_dir());
    Fingerprint now = take_fingerprint({tree}, probe->initial_devices);
    DeviceCache cache = make_device_cache(now, *probe, tree.dir, 1700000000);
    TempDir dir;
    ASSERT_TRUE(save_cache(dir.file("devices.db"), cache).ok());
    CacheLoad loaded = load_cache(dir.file("devices.db"), tree.release);
    ASSERT_TRUE(loaded.valid()) << loaded.reason;
    EXPECT_EQ(*loaded.cache, cache);
    EXPECT_TRUE(compare_fingerprints(loaded.cache->fingerprint, now).matches());
}

TEST(RealKmodConfig, HonoursBlacklistOptionsAndSoftdepsFromModprobeD) {
    ASSERT_FALSE(modules_dir().empty()) << "FASTINIT_MODULES_DIR is not set";
    TempDir config;
    std::ofstream(config.file("test.conf"))
        << "blacklist virtio_balloon\n"
           "options virtio_blk queue_depth=64\n"
           "softdep virtio_blk pre: crc32c_generic post: virtio_rng\n";
    auto opened = KmodResolver::open(module_tree_at(modules_dir()), {config.path()});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    auto resolution = opened->resolve({"virtio:d00000005v00001AF4", "virtio:d00000002v00001AF4"});
    ASSERT_TRUE(resolution.ok()) << resolution.error().message;

    ASSERT_THAT(resolution->aliases, SizeIs(2));
    EXPECT_THAT(resolution->aliases[0].modules, IsEmpty());
    EXPECT_THAT(resolution->aliases[0].not_needed, Contains("virtio_balloon (blacklisted)"));
    std::map<std::string, ModuleSpec> modules;
    for (const ModuleSpec& module : resolution->modules)
        modules[module.name] = module;
    EXPECT_FALSE(modules.contains("virtio_balloon"));
    ASSERT_TRUE(modules.contains("virtio_blk"));
    EXPECT_EQ(modules["virtio_blk"].options, "queue_depth=64");
    EXPECT_THAT(modules["virtio_blk"].after,
                Contains(Prerequisite{"crc32c_generic", PrerequisiteKind::soft_pre}));
    ASSERT_TRUE(modules.contains("crc32c_generic"));
    ASSERT_TRUE(modules.contains("virtio_rng"));
    EXPECT_THAT(modules["virtio_rng"].after,
                Contains(Prerequisite{"virtio_blk", PrerequisiteKind::soft_post}));
    LoadPlan plan = make_load_plan(resolution->modules);
    std::vector<std::string> order;
    for (const auto& planned : plan.modules)
        order.push_back(planned.spec.name);
    auto at = [&](const std::string& name) {
        return std::find(order.begin(), order.end(), name) - order.begin();
    };
    EXPECT_LT(at("crc32c_generic"), at("virtio_blk"));
    EXPECT_LT(at("virtio_blk"), at("virtio_rng"));
}

TEST(RealKmod, ANonexistentModuleTreeIsAnError) {
    auto opened = KmodResolver::open(module_tree_at("/nonexistent/lib/modules/0.0"));
    ASSERT_FALSE(opened.ok());
    EXPECT_THAT(opened.error().message, HasSubstr("/nonexistent/lib/modules/0.0"));
}

}  // namespace
}  // namespace fastinit
