// device-cache: the probe's fixed point and the boot path (apply) with fake
// devices, a fake resolver and a fake loader; the cache is a real file.
#include <sqlite3.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "device-cache/apply.h"
#include "device-cache/cache_check.h"
#include "device-cache/listed_modules.h"
#include "device-cache/probe.h"
#include "device-cache/root_record.h"
#include "tests/unit/device_fakes.h"

namespace fastinit {
namespace {

using namespace fastinit::testing;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

const char kBlkPci[] = "pci:v00001AF4d00001042sv00001AF4sd00001042bc01sc80i00";
const char kNetPci[] = "pci:v00001AF4d00001041sv00001AF4sd00001041bc02sc00i00";
const char kBlk[] = "virtio:d00000002v00001AF4";
const char kNet[] = "virtio:d00000001v00001AF4";

std::vector<std::string> module_names(const std::vector<CachedModule>& modules) {
    std::vector<std::string> names;
    for (const auto& module : modules)
        names.push_back(module.spec.name);
    return names;
}

const CachedModule* find_module(const std::vector<CachedModule>& modules, const std::string& name) {
    for (const auto& module : modules)
        if (module.spec.name == name)
            return &module;
    return nullptr;
}

// A small virtio machine: the PCI functions are there from the start; the
// virtio devices appear when virtio_pci loads, as with the real driver.
struct VirtioMachine {
    VirtioMachine() {
        source.devices = {device("/sys/devices/pci0000:00/0000:00:02.0", "pci", kBlkPci),
                          device("/sys/devices/platform/pcspkr", "platform", "platform:pcspkr")};
        resolver.aliases = {{kBlkPci, {"virtio_pci"}},
                            {kNetPci, {"virtio_pci"}},
                            {kBlk, {"virtio_blk"}},
                            {kNet, {"virtio_net"}},
                            {"platform:pcspkr", {"pcspkr"}}};
        resolver.catalog = {
            {"virtio_pci", spec("virtio_pci", {dep("virtio"), dep("virtio_ring")})},
            {"virtio", spec("virtio", {dep("virtio_ring")})},
            {"virtio_blk", spec("virtio_blk", {dep("virtio"), dep("virtio_ring")})},
            {"virtio_net", spec("virtio_net", {dep("virtio"), dep("net_failover")})},
            {"net_failover", spec("net_failover", {dep("failover")})},
        };
        loader.on_load = [this](const std::string& name) {
            if (name == "virtio_pci")
                for (const auto& [pci, child] : children)
                    source.add(child);
        };
        children = {{kBlkPci, device("/sys/devices/pci0000:00/0000:00:02.0/virtio0", "virtio", kBlk,
                                     false, true)}};
    }

    FakeDeviceSource source;
    FakeResolver resolver;
    FakeLoader loader;
    std::vector<std::pair<std::string, DeviceRecord>> children;
};

// ---- probe_devices ----------------------------------------------------------

TEST(Probe, RepeatsUntilNoNewDevicesAppear) {
    VirtioMachine m;
    auto probe = probe_devices(m.source, m.resolver, &m.loader, {});
    ASSERT_TRUE(probe.ok()) << probe.error().message;
    EXPECT_TRUE(probe->converged);
    EXPECT_EQ(probe->rounds, 2);
    EXPECT_EQ(m.source.enumerations, 3);
    EXPECT_THAT(m.resolver.asked, ElementsAre(kBlkPci, "platform:pcspkr", kBlk));
    EXPECT_THAT(module_names(probe->modules),
                ElementsAre("virtio_ring", "virtio", "virtio_pci", "pcspkr", "virtio_blk"));
    EXPECT_EQ(find_module(probe->modules, "virtio_blk")->round, 1);
    EXPECT_EQ(find_module(probe->modules, "virtio_pci")->round, 0);
    for (const auto& module : probe->modules)
        EXPECT_EQ(module.status, LoadStatus::loaded) << module.spec.name;
    EXPECT_THAT(probe->initial_devices, SizeIs(2));
    EXPECT_THAT(probe->devices, SizeIs(3));
    EXPECT_THAT(probe->aliases, SizeIs(3));
    EXPECT_THAT(probe->notes, IsEmpty());
    EXPECT_THAT(probe->timings,
                Contains(::testing::AllOf(::testing::Field(&PhaseTiming::round, 1),
                                          ::testing::Field(&PhaseTiming::phase, "load"))));
}

TEST(Probe, StopsAfterTheLastRoundWhenDevicesKeepAppearing) {
    FakeDeviceSource source;
    FakeResolver resolver;
    FakeLoader loader;
    source.devices = {device("/sys/devices/chain0", "platform", "platform:chain0")};
    for (int i = 0; i < 20; ++i)
        resolver.aliases["platform:chain" + std::to_string(i)] = {"chain" + std::to_string(i)};
    // Every module reveals the next device, forever.
    loader.on_load = [&](const std::string& name) {
        int next = std::stoi(name.substr(5)) + 1;
        source.add(device("/sys/devices/chain" + std::to_string(next), "platform",
                          "platform:chain" + std::to_string(next), false, true));
    };
    ProbeOptions options;
    options.max_rounds = 3;
    auto probe = probe_devices(source, resolver, &loader, options);
    ASSERT_TRUE(probe.ok());
    EXPECT_FALSE(probe->converged);
    EXPECT_EQ(probe->rounds, 3);
    EXPECT_THAT(module_names(probe->modules), ElementsAre("chain0", "chain1", "chain2"));
    EXPECT_THAT(probe->notes, Contains(HasSubstr("stopped after 3 rounds")));
}

TEST(Probe, WithoutALoaderResolvesOnceAndLoadsNothing) {
    VirtioMachine m;
    auto probe = probe_devices(m.source, m.resolver, nullptr, {});
    ASSERT_TRUE(probe.ok());
    EXPECT_EQ(probe->rounds, 1);
    EXPECT_EQ(m.source.enumerations, 1);
    EXPECT_THAT(m.loader.loaded(), IsEmpty());
    EXPECT_THAT(module_names(probe->modules),
                ElementsAre("virtio_ring", "virtio", "virtio_pci", "pcspkr"));
    for (const auto& module : probe->modules)
        EXPECT_EQ(module.status, LoadStatus::not_loaded);
}

TEST(Probe, AFailedModuleIsRecordedAndTheOthersStillLoad) {
    VirtioMachine m;
    m.loader.failures["virtio"] = ENOEXEC;
    auto probe = probe_devices(m.source, m.resolver, &m.loader, {});
    ASSERT_TRUE(probe.ok());
    EXPECT_EQ(find_module(probe->modules, "virtio")->status, LoadStatus::failed);
    EXPECT_EQ(find_module(probe->modules, "virtio")->errno_value, ENOEXEC);
    EXPECT_EQ(find_module(probe->modules, "virtio_pci")->status, LoadStatus::skipped);
    EXPECT_EQ(find_module(probe->modules, "pcspkr")->status, LoadStatus::loaded);
    EXPECT_EQ(find_module(probe->modules, "virtio_ring")->status, LoadStatus::loaded);
    EXPECT_EQ(probe->rounds, 1) << "no driver loaded, so nothing new appeared";
}

TEST(Probe, AnEnumerationFailureIsAnError) {
    VirtioMachine m;
    m.source.fail = true;
    auto probe = probe_devices(m.source, m.resolver, &m.loader, {});
    ASSERT_FALSE(probe.ok());
    EXPECT_EQ(probe.error().message, "sysfs is gone");
}

TEST(Probe, ContinuesFromWhatIsAlreadyKnown) {
    VirtioMachine m;
    ProbeStart start;
    start.aliases = {{kBlkPci, {"virtio_pci"}, {}}, {"platform:pcspkr", {"pcspkr"}, {}}};
    start.modules = {{spec("virtio_ring"), LoadStatus::loaded, 0, "", 0, 1, 0},
                     {spec("virtio"), LoadStatus::loaded, 0, "", 0, 1, 0}};
    m.source.add(m.children[0].second);
    auto probe = probe_devices(m.source, m.resolver, &m.loader, {}, start);
    ASSERT_TRUE(probe.ok());
    EXPECT_THAT(m.resolver.asked, ElementsAre(kBlk));
    EXPECT_THAT(m.loader.loaded(), ElementsAre("virtio_blk"));
    EXPECT_THAT(module_names(probe->modules), ElementsAre("virtio_ring", "virtio", "virtio_blk"));
}

// ---- apply_devices ----------------------------------------------------------

// What apply_devices opens: a handle on the machine's one fake resolver, so
// the test sees what was asked.
class ForwardingResolver : public ModuleResolver {
  public:
    explicit ForwardingResolver(ModuleResolver& target) : m_target(target) {}
    Result<Resolution> resolve(const std::vector<std::string>& modaliases) override {
        return m_target.resolve(modaliases);
    }

  private:
    ModuleResolver& m_target;
};

class Apply : public ::testing::Test {
  protected:
    Apply() {
        std::string modules = dir.file("lib/modules/6.1.0-56-amd64");
        std::filesystem::create_directories(modules + "/kernel");
        std::ofstream(modules + "/modules.dep.bin") << "dep index";
        std::ofstream(modules + "/modules.alias.bin") << "alias index";
        for (const char* name : {"virtio_pci", "virtio", "virtio_ring", "virtio_blk", "pcspkr",
                                 "virtio_net", "net_failover", "failover"})
            std::ofstream(modules + "/kernel/" + name + ".ko") << "ELF";
        tree = module_tree_at(modules);
        options.cache_path = dir.file("var/lib/fastinit/devices.db");
    }

    // The machine `m` as apply_devices sees it.
    DeviceSystem system_for(VirtioMachine& m) {
        return {m.source,
                m.loader,
                [&]() -> Result<std::unique_ptr<ModuleResolver>> {
                    ++resolver_opens;
                    return std::unique_ptr<ModuleResolver>(
                        std::make_unique<ForwardingResolver>(m.resolver));
                },
                {tree, dir.file("no-dmi")}};
    }

    // One boot of a fresh machine state: nothing loaded yet.
    Result<ApplyReport> boot(VirtioMachine& m) {
        DeviceSystem system = system_for(m);
        return apply_devices(system, options);
    }

    // A first boot that writes the cache.
    void prime() {
        VirtioMachine m;
        auto report = boot(m);
        ASSERT_TRUE(report.ok()) << report.error().message;
        ASSERT_TRUE(report->cache_written);
        resolver_opens = 0;
    }

    CacheLoad cached() { return load_cache(options.cache_path, tree.release); }

    TempDir dir;
    ModuleTree tree;
    ApplyOptions options;
    int resolver_opens = 0;
};

TEST_F(Apply, WithoutACacheProbesAndWritesOne) {
    VirtioMachine m;
    auto report = boot(m);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->decision.path, DevicePath::probe);
    EXPECT_EQ(report->decision.reason,
              "probing: there is no device cache at " + options.cache_path);
    EXPECT_THAT(module_names(report->modules),
                ElementsAre("virtio_ring", "virtio", "virtio_pci", "pcspkr", "virtio_blk"));
    EXPECT_TRUE(report->cache_written);
    EXPECT_FALSE(report->cache_error);

    CacheLoad load = cached();
    ASSERT_TRUE(load.valid()) << load.reason;
    // The fingerprint is the machine before loading: the virtio device made
    // by virtio_pci is in the device list but not in the fingerprint.
    EXPECT_THAT(load.cache->fingerprint.devices, ElementsAre(kBlkPci, "platform:pcspkr"));
    EXPECT_THAT(load.cache->devices, SizeIs(3));
    EXPECT_EQ(load.cache->fingerprint.kernel_release, "6.1.0-56-amd64");
    EXPECT_THAT(load.cache->timings, Contains(::testing::Field(&PhaseTiming::phase, "check")));
}

TEST_F(Apply, AMatchingCacheLoadsItsModulesWithoutResolving) {
    prime();
    VirtioMachine m;
    auto report = boot(m);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->decision.path, DevicePath::use_cache) << report->decision.reason;
    EXPECT_EQ(resolver_opens, 0);
    EXPECT_EQ(m.resolver.calls, 0);
    EXPECT_THAT(m.loader.loaded(), SizeIs(5));
    EXPECT_LT(m.loader.position("virtio"), m.loader.position("virtio_blk"));
    EXPECT_LT(m.loader.position("virtio_ring"), m.loader.position("virtio"));
    EXPECT_EQ(report->refreshed, "");
    EXPECT_FALSE(report->cache_written) << "nothing changed, nothing written";
    EXPECT_EQ(m.source.enumerations, 2) << "one for the fingerprint, one to validate";
}

TEST_F(Apply, ValidationLoadsWhatANewModuleCreatedDeviceNeedsAndRefreshesTheCache) {
    prime();
    VirtioMachine m;
    // This boot virtio_pci also brings up a network device the cache has
    // never seen; the fingerprint cannot know (it only exists after loads).
    m.children.push_back({kBlkPci, device("/sys/devices/pci0000:00/0000:00:02.0/virtio1", "virtio",
                                          kNet, false, true)});
    auto report = boot(m);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->decision.path, DevicePath::use_cache);
    EXPECT_EQ(report->refreshed, "1 device appeared, 0 disappeared, 1 new modalias to resolve");
    EXPECT_EQ(resolver_opens, 1);
    EXPECT_THAT(m.resolver.asked, ElementsAre(kNet));
    EXPECT_THAT(m.loader.loaded(), Contains("virtio_net"));
    EXPECT_LT(m.loader.position("failover"), m.loader.position("net_failover"));
    EXPECT_TRUE(report->cache_written);

    CacheLoad load = cached();
    ASSERT_TRUE(load.valid()) << load.reason;
    EXPECT_THAT(module_names(load.cache->modules), Contains("virtio_net"));
    EXPECT_THAT(load.cache->devices, SizeIs(4));
}

TEST_F(Apply, ValidationForgetsWhatDisappeared) {
    prime();
    VirtioMachine m;
    m.children.clear();  // the virtio disk is gone, the PCI function stays
    auto report = boot(m);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->decision.path, DevicePath::use_cache);
    EXPECT_EQ(report->refreshed, "0 devices appeared, 1 disappeared");
    EXPECT_EQ(resolver_opens, 0);
    CacheLoad load = cached();
    ASSERT_TRUE(load.valid()) << load.reason;
    EXPECT_THAT(module_names(load.cache->modules),
                ElementsAre("virtio_ring", "virtio", "virtio_pci", "pcspkr"));
}

TEST_F(Apply, ChangedHardwareProbesAndSaysWhatChanged) {
    prime();
    VirtioMachine m;
    m.source.add(device("/sys/devices/pci0000:00/0000:00:03.0", "pci", kNetPci));
    auto report = boot(m);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->decision.path, DevicePath::probe);
    EXPECT_EQ(report->decision.reason,
              std::string("probing: the machine changed since the cache was written (devices: 1 "
                          "device added: ") +
                  kNetPci + ")");
    EXPECT_TRUE(report->cache_written);
    EXPECT_THAT(cached().cache->fingerprint.devices, SizeIs(3));
}

// ---- `fastinit devices status` and the boot (cache_check.h) -----------------

// Status makes the boot's check on the machine as it is: what it calls valid
// the boot uses, what it calls stale the boot probes, for the same reason.
TEST_F(Apply, StatusDecidesAsTheBootDoes) {
    prime();
    auto agree = [&](const std::function<void(VirtioMachine&)>& change, DevicePath expected) {
        VirtioMachine for_status, for_boot;
        change(for_status);
        change(for_boot);
        auto status = check_device_cache(options.cache_path, for_status.source,
                                         {tree, dir.file("no-dmi")}, false);
        ASSERT_TRUE(status.ok()) << status.error().message;
        auto report = boot(for_boot);
        ASSERT_TRUE(report.ok()) << report.error().message;
        EXPECT_EQ(status->decision.path, expected) << status->decision.reason;
        EXPECT_EQ(report->decision.path, expected) << report->decision.reason;
        EXPECT_EQ(status->decision.reason, report->decision.reason);
    };
    agree([](VirtioMachine&) {}, DevicePath::use_cache);
    // A device the cache does not know: stale, and the boot probes (and
    // rewrites the cache, which then matches the machine with it).
    auto add_nic = [](VirtioMachine& m) {
        m.source.add(device("/sys/devices/pci0000:00/0000:00:03.0", "pci", kNetPci));
    };
    agree(add_nic, DevicePath::probe);
    agree(add_nic, DevicePath::use_cache);
    // A cached module file gone: stale for both.
    std::filesystem::remove(tree.dir + "/kernel/pcspkr.ko");
    agree(add_nic, DevicePath::probe);
}

// On the real root, status reads the root's module tree while the boot
// fingerprints the initramfs's, which mkinitramfs re-indexes: the root's
// index alone would call stale the cache the next boot uses.
TEST_F(Apply, StatusOnTheRootUsesTheIndexStage1Recorded) {
    prime();
    std::string root_modules = dir.file("root/lib/modules/6.1.0-56-amd64");
    std::filesystem::create_directories(root_modules);
    std::ofstream(root_modules + "/modules.dep.bin") << "the root's full dep index";
    std::ofstream(root_modules + "/modules.alias.bin") << "the root's full alias index";
    ModuleTree root_tree = module_tree_at(root_modules);

    VirtioMachine stage1;
    auto report = boot(stage1);
    ASSERT_TRUE(report.ok()) << report.error().message;
    ASSERT_EQ(report->decision.path, DevicePath::use_cache) << report->decision.reason;
    ASSERT_FALSE(report->module_index.empty());

    VirtioMachine root;
    auto with_roots_index =
        check_device_cache(options.cache_path, root.source, {root_tree, dir.file("no-dmi")}, false);
    ASSERT_TRUE(with_roots_index.ok());
    EXPECT_EQ(with_roots_index->decision.path, DevicePath::probe)
        << "the disagreement this guards against";

    auto with_stage1s =
        check_device_cache(options.cache_path, root.source,
                           {root_tree, dir.file("no-dmi"), report->module_index}, false);
    ASSERT_TRUE(with_stage1s.ok());
    EXPECT_EQ(with_stage1s->decision.path, DevicePath::use_cache) << with_stage1s->decision.reason;
    EXPECT_EQ(with_stage1s->decision.reason, report->decision.reason);

    // And a changed machine is still stale with it.
    root.source.add(device("/sys/devices/pci0000:00/0000:00:03.0", "pci", kNetPci));
    auto changed = check_device_cache(options.cache_path, root.source,
                                      {root_tree, dir.file("no-dmi"), report->module_index}, false);
    ASSERT_TRUE(changed.ok());
    EXPECT_EQ(changed->decision.path, DevicePath::probe);
}

// Stage 2's cache (boot/stage2.h): fingerprinted with the devices stage 1
// saw, not with what stage 2 enumerates while others add devices.
TEST_F(Apply, TheRootTreesCacheMatchesOnTheDevicesStage1Saw) {
    const std::vector<std::string> stage1_saw = {kBlkPci, "platform:pcspkr"};
    auto boot_with = [&](VirtioMachine& m, std::optional<std::vector<std::string>> saw) {
        DeviceSystem system = system_for(m);
        system.fingerprint.devices = std::move(saw);
        return apply_devices(system, options);
    };
    {
        VirtioMachine first;
        auto report = boot_with(first, stage1_saw);
        ASSERT_TRUE(report.ok()) << report.error().message;
        ASSERT_TRUE(report->cache_written);
    }
    ASSERT_THAT(cached().cache->fingerprint.devices, ::testing::ElementsAreArray(stage1_saw));

    // This time another driver (udevd's load, racing) had already added a
    // device with a modalias when stage 2 enumerated.
    auto race = [](VirtioMachine& m) {
        m.source.add(device("/sys/devices/pci0000:00/0000:00:03.0", "pci", kNetPci));
    };
    VirtioMachine enumerated;
    race(enumerated);
    auto own = check_device_cache(options.cache_path, enumerated.source, {tree, dir.file("no-dmi")},
                                  false);
    ASSERT_TRUE(own.ok());
    EXPECT_EQ(own->decision.path, DevicePath::probe) << "what its own enumeration would decide";

    VirtioMachine m;
    race(m);
    auto report = boot_with(m, stage1_saw);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->decision.path, DevicePath::use_cache) << report->decision.reason;
    // The device it did not know is healed by the validation, as stage 1's is.
    EXPECT_THAT(m.resolver.asked, ElementsAre(kNetPci));

    // Other hardware at stage 1 is a probe.
    VirtioMachine changed;
    auto probe = boot_with(changed, std::vector<std::string>{kBlkPci});
    ASSERT_TRUE(probe.ok());
    EXPECT_EQ(probe->decision.path, DevicePath::probe);
    EXPECT_THAT(probe->decision.reason, HasSubstr("devices"));
}

// modules-load.d's modules as devices of the cache (listed_modules.h).
TEST_F(Apply, ListedModulesAreCachedLoadedOnAHitAndTheirListIsFingerprinted) {
    std::ofstream(tree.dir + "/kernel/loop.ko") << "ELF";
    std::ofstream(tree.dir + "/kernel/dm_mod.ko") << "ELF";
    auto boot_listing = [&](VirtioMachine& m, const std::vector<std::string>& names) {
        m.resolver.aliases["loop"] = {"loop"};
        m.resolver.aliases["dm-mod"] = {"dm_mod"};
        m.resolver.catalog["loop"] = spec("loop", {});
        m.resolver.catalog["dm_mod"] = spec("dm_mod", {});
        std::vector<ModulesLoadEntry> entries;
        for (const std::string& name : names)
            entries.push_back({name, "/etc/modules", 1});
        WithListedModules devices(m.source, listed_module_devices(entries));
        DeviceSystem system = system_for(m);
        DeviceSystem listing{devices, system.loader, system.open_resolver, system.fingerprint};
        return apply_devices(listing, options);
    };
    {
        VirtioMachine first;
        auto report = boot_listing(first, {"loop"});
        ASSERT_TRUE(report.ok()) << report.error().message;
        EXPECT_EQ(report->decision.path, DevicePath::probe);
        EXPECT_THAT(first.loader.loaded(), Contains("loop"));
    }
    CacheLoad load = cached();
    ASSERT_TRUE(load.valid()) << load.reason;
    EXPECT_THAT(load.cache->fingerprint.devices, Contains("loop"));
    EXPECT_THAT(module_names(load.cache->modules), Contains("loop"));
    resolver_opens = 0;

    VirtioMachine hit;
    auto again = boot_listing(hit, {"loop"});
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(again->decision.path, DevicePath::use_cache) << again->decision.reason;
    EXPECT_EQ(resolver_opens, 0) << "a hit resolves nothing, listed modules included";
    EXPECT_THAT(hit.loader.loaded(), Contains("loop"));
    EXPECT_FALSE(again->cache_written);

    // Another list is another fingerprint, and the probe says what changed.
    VirtioMachine changed;
    auto probe = boot_listing(changed, {"loop", "dm-mod"});
    ASSERT_TRUE(probe.ok()) << probe.error().message;
    EXPECT_EQ(probe->decision.path, DevicePath::probe);
    EXPECT_THAT(probe->decision.reason, HasSubstr("dm-mod"));
    EXPECT_THAT(changed.loader.loaded(), Contains("dm_mod"));
}

TEST(ListedModules, ArePseudoDevicesMergedInSyspathOrder) {
    FakeDeviceSource machine;
    machine.devices = {device("/sys/devices/platform/pcspkr", "platform", "platform:pcspkr")};
    std::vector<DeviceRecord> listed =
        listed_module_devices({{"loop", "/etc/modules", 2}, {"dm-mod", "/etc/modules", 3}});
    ASSERT_THAT(listed, SizeIs(2));
    EXPECT_EQ(listed[0].syspath, "modules-load.d/loop");
    EXPECT_EQ(listed[0].modalias, "loop");
    EXPECT_EQ(listed[0].subsystem, "modules-load.d");
    EXPECT_FALSE(listed[0].removable || listed[0].created_by_module);

    WithListedModules source(machine, listed);
    auto devices = source.enumerate();
    ASSERT_TRUE(devices.ok());
    std::vector<std::string> syspaths;
    for (const auto& d : *devices)
        syspaths.push_back(d.syspath);
    EXPECT_THAT(syspaths, ElementsAre("/sys/devices/platform/pcspkr", "modules-load.d/dm-mod",
                                      "modules-load.d/loop"));
    EXPECT_THAT(with_listed_modules({"platform:pcspkr", "acpi:X"}, listed),
                ElementsAre("acpi:X", "dm-mod", "loop", "platform:pcspkr"));

    machine.fail = true;
    EXPECT_FALSE(source.enumerate().ok()) << "the machine's failure is not hidden";
}

TEST_F(Apply, AReprobeIgnoresAGoodCache) {
    prime();
    options.reprobe = true;
    VirtioMachine m;
    auto report = boot(m);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->decision.path, DevicePath::probe);
    EXPECT_THAT(report->decision.reason, HasSubstr("reprobe"));
    EXPECT_EQ(resolver_opens, 1);
}

TEST_F(Apply, ADamagedCacheProbesAndIsReplaced) {
    std::filesystem::create_directories(dir.file("var/lib/fastinit"));
    std::ofstream(options.cache_path) << "SQLite format 3";
    VirtioMachine m;
    auto report = boot(m);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->decision.path, DevicePath::probe);
    EXPECT_THAT(report->decision.reason, HasSubstr("truncated"));
    EXPECT_TRUE(cached().valid());
}

// A cache crafted to hang or mislead the reader: the boot probes as if
// there were none, and the probe writes a good cache over it.
TEST_F(Apply, AHostileCacheProbesAndIsReplaced) {
    const char* attacks[] = {
        "DROP TABLE modules; CREATE VIEW modules AS WITH RECURSIVE r(n) AS "
        "(SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT 'x' AS name, 'x.ko' AS path, "
        "'' AS options, 0 AS matched_by_alias, 'loaded' AS status, 0 AS errno, '' AS reason, "
        "0 AS start_us, 0 AS load_us, 0 AS round, n AS position FROM r",
        "CREATE TRIGGER t AFTER INSERT ON meta BEGIN DELETE FROM meta; END",
        "UPDATE modules SET path = '../../../../../etc/passwd' WHERE name = 'virtio'",
    };
    for (const char* attack : attacks) {
        prime();
        sqlite3* raw = nullptr;
        ASSERT_EQ(sqlite3_open(options.cache_path.c_str(), &raw), SQLITE_OK);
        EXPECT_EQ(sqlite3_exec(raw, attack, nullptr, nullptr, nullptr), SQLITE_OK) << attack;
        sqlite3_close(raw);
        ASSERT_FALSE(cached().valid()) << attack;

        VirtioMachine m;
        auto report = boot(m);
        ASSERT_TRUE(report.ok()) << report.error().message;
        EXPECT_EQ(report->decision.path, DevicePath::probe) << attack;
        EXPECT_THAT(report->decision.reason, HasSubstr(options.cache_path)) << attack;
        EXPECT_THAT(m.loader.loaded(), Contains("virtio_blk")) << attack;
        EXPECT_TRUE(cached().valid()) << attack;
        std::filesystem::remove(options.cache_path);
    }
}

// A symlink inside the tree that leads out of it: that module's file
// counts as missing, so the boot probes instead of loading through it.
TEST_F(Apply, AModuleFileLinkedOutOfTheTreeProbes) {
    prime();
    std::ofstream(dir.file("elsewhere.ko")) << "ELF";
    std::filesystem::remove(tree.dir + "/kernel/virtio_blk.ko");
    std::filesystem::create_symlink(dir.file("elsewhere.ko"), tree.dir + "/kernel/virtio_blk.ko");
    VirtioMachine m;
    auto report = boot(m);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->decision.path, DevicePath::probe);
    EXPECT_THAT(report->decision.reason, HasSubstr("kernel/virtio_blk.ko"));
}

// ---- the boot's two steps: root first ----------------------------------------

class RootFirst : public Apply {
  protected:
    void record_root(const RootRecord& root) {
        auto renewed = renew_root_record(options.cache_path, tree.release, root);
        ASSERT_TRUE(renewed.ok()) << renewed.error().message;
        ASSERT_TRUE(*renewed);
    }
};

TEST_F(RootFirst, StartLoadsTheRootsModulesAndFinishTheRest) {
    prime();
    record_root({"LABEL=root", {"virtio_pci", "virtio_blk"}, "", "/dev/vda"});
    options.root_source = "LABEL=root";
    VirtioMachine m;
    DeviceSystem system = system_for(m);
    DeviceBringUp bring_up(system, options);

    auto early = bring_up.start();
    ASSERT_TRUE(early.ok()) << early.error().message;
    EXPECT_EQ(early->decision.path, DevicePath::use_cache);
    EXPECT_THAT(early->root_first,
                ElementsAre("virtio_ring", "virtio", "virtio_pci", "virtio_blk"));
    EXPECT_THAT(m.loader.loaded(),
                UnorderedElementsAre("virtio_ring", "virtio", "virtio_pci", "virtio_blk"));
    EXPECT_EQ(early->left_behind, 1);
    EXPECT_THAT(module_names(bring_up.left_behind()), ElementsAre("pcspkr"));
    EXPECT_EQ(m.source.enumerations, 1) << "no validation yet";

    auto report = bring_up.finish();
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_THAT(module_names(report->modules),
                ElementsAre("virtio_ring", "virtio", "virtio_pci", "virtio_blk", "pcspkr"));
    EXPECT_EQ(m.loader.loaded().size(), 5u) << "each module loaded once";
    EXPECT_EQ(report->refreshed, "");
    EXPECT_EQ(m.source.enumerations, 2) << "the fingerprint's, then the validation's";
    EXPECT_EQ(resolver_opens, 0);
}

TEST_F(RootFirst, TheRootsFilesystemLoadsWithItsChain) {
    prime();
    record_root({"LABEL=root", {"virtio_blk"}, "ext4", "/dev/vda"});
    options.root_source = "LABEL=root";
    VirtioMachine m;
    m.resolver.aliases["fs-ext4"] = {"ext4"};
    m.resolver.catalog["ext4"] = spec("ext4", {dep("mbcache")});
    DeviceSystem system = system_for(m);
    DeviceBringUp bring_up(system, options);
    auto early = bring_up.start();
    ASSERT_TRUE(early.ok()) << early.error().message;
    EXPECT_THAT(early->root_first,
                ElementsAre("virtio_ring", "virtio", "virtio_blk", "ext4", "mbcache"));
    EXPECT_THAT(m.resolver.asked, ElementsAre("fs-ext4")) << "only the filesystem is resolved";
    EXPECT_LT(m.loader.position("mbcache"), m.loader.position("ext4"));
    EXPECT_EQ(early->left_behind, 2) << "virtio_pci and pcspkr";
    auto report = bring_up.finish();
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(m.loader.loaded().size(), 7u);
    EXPECT_FALSE(report->cache_written) << "the filesystem is not a device: nothing changed";
}

TEST_F(RootFirst, AnotherRootLoadsEverythingBeforeStartReturns) {
    prime();
    record_root({"LABEL=root", {"virtio_blk"}, "", "/dev/vda"});
    options.root_source = "UUID=0a1b";
    VirtioMachine m;
    DeviceSystem system = system_for(m);
    DeviceBringUp bring_up(system, options);
    auto early = bring_up.start();
    ASSERT_TRUE(early.ok()) << early.error().message;
    EXPECT_THAT(early->root_first, IsEmpty());
    EXPECT_THAT(early->modules, SizeIs(5));
    ASSERT_TRUE(bring_up.finish().ok());
}

TEST_F(RootFirst, TheValidationKeepsTheRootRecordWhenItRewritesTheCache) {
    prime();
    record_root({"LABEL=root", {"virtio_pci"}, "", "/dev/vda"});
    options.root_source = "LABEL=root";
    VirtioMachine m;
    m.children.clear();  // the virtio disk is gone: the cache is rewritten
    DeviceSystem system = system_for(m);
    DeviceBringUp bring_up(system, options);
    ASSERT_TRUE(bring_up.start().ok());
    auto report = bring_up.finish();
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_TRUE(report->cache_written);
    CacheLoad load = cached();
    ASSERT_TRUE(load.valid()) << load.reason;
    EXPECT_EQ(load.cache->root, (RootRecord{"LABEL=root", {"virtio_pci"}, "", "/dev/vda"}));
}

TEST_F(RootFirst, TheProbePathHasNothingBehind) {
    VirtioMachine m;
    options.root_source = "LABEL=root";
    DeviceSystem system = system_for(m);
    DeviceBringUp bring_up(system, options);
    auto early = bring_up.start();
    ASSERT_TRUE(early.ok()) << early.error().message;
    EXPECT_EQ(early->decision.path, DevicePath::probe);
    EXPECT_THAT(bring_up.left_behind(), IsEmpty());
    EXPECT_THAT(bring_up.finish()->modules, SizeIs(5));
}

// ---- complete_bring_up: stage 2's half -------------------------------------------

TEST_F(RootFirst, CompletingLoadsEveryCachedModuleAndKeepsTheCacheAsItWas) {
    prime();
    record_root({"LABEL=root", {"virtio_blk"}, "ext4", "/dev/vda"});
    CacheLoad before = cached();
    VirtioMachine m;
    DeviceSystem system = system_for(m);
    system.fingerprint.tree = module_tree_at(dir.file("copy/6.1.0-56-amd64"));
    auto report = complete_bring_up(system, options);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_THAT(m.loader.loaded(), SizeIs(5));
    EXPECT_EQ(m.source.enumerations, 1) << "only the validation's";
    EXPECT_EQ(resolver_opens, 0);
    EXPECT_FALSE(report->cache_written);
    EXPECT_EQ(*cached().cache, *before.cache);
}

TEST_F(RootFirst, CompletingRewritesAChangedCacheWithStage1sFingerprintAndTree) {
    prime();
    record_root({"LABEL=root", {"virtio_blk"}, "ext4", "/dev/vda"});
    CacheLoad before = cached();
    VirtioMachine m;
    m.children.clear();  // the virtio disk is gone
    DeviceSystem system = system_for(m);
    system.fingerprint.tree = module_tree_at(dir.file("copy/6.1.0-56-amd64"));
    auto report = complete_bring_up(system, options);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->refreshed, "0 devices appeared, 1 disappeared");
    ASSERT_TRUE(report->cache_written);
    CacheLoad after = cached();
    ASSERT_TRUE(after.valid()) << after.reason;
    EXPECT_EQ(after.cache->fingerprint, before.cache->fingerprint);
    EXPECT_EQ(after.cache->modules_dir, before.cache->modules_dir);
    EXPECT_EQ(after.cache->root, before.cache->root);
    EXPECT_THAT(module_names(after.cache->modules), Not(Contains("virtio_blk")));
}

TEST_F(RootFirst, CompletingWithoutAUsableCacheLoadsNothing) {
    VirtioMachine m;
    DeviceSystem system = system_for(m);
    auto report = complete_bring_up(system, options);
    ASSERT_FALSE(report.ok());
    EXPECT_THAT(report.error().message, HasSubstr("no device cache"));
    EXPECT_THAT(m.loader.loaded(), IsEmpty());
}

TEST(RootFirstModules, TheRecordsModulesWithTheirPrerequisitesInCacheOrder) {
    DeviceCache cache;
    auto module = [](ModuleSpec spec) {
        CachedModule cached;
        cached.spec = std::move(spec);
        return cached;
    };
    cache.modules = {module(spec("virtio_ring")),
                     module(spec("virtio", {dep("virtio_ring")})),
                     module(spec("virtio_pci", {dep("virtio")})),
                     module(spec("ata_piix")),
                     module(spec("virtio_blk", {dep("virtio")})),
                     module(spec("crc_helper", {{"virtio_blk", PrerequisiteKind::soft_post}}))};
    cache.root = {"LABEL=root", {"virtio_blk", "virtio_pci"}, "", ""};
    EXPECT_THAT(module_names(root_first_modules(cache, "LABEL=root")),
                ElementsAre("virtio_ring", "virtio", "virtio_pci", "virtio_blk"));
    EXPECT_THAT(root_first_modules(cache, "LABEL=other"), IsEmpty());
    cache.root.modules.clear();
    EXPECT_THAT(root_first_modules(cache, "LABEL=root"), IsEmpty()) << "a record of nothing";
}

// ---- modules that found no device --------------------------------------------

class NoDevice : public Apply {
  protected:
    // A first boot on which pcspkr's init answers `error`.
    void prime_with_pcspkr_failing(int error) {
        VirtioMachine m;
        m.loader.failures["pcspkr"] = error;
        auto report = boot(m);
        ASSERT_TRUE(report.ok()) << report.error().message;
        ASSERT_EQ(report->decision.path, DevicePath::probe);
        ASSERT_EQ(find_module(report->modules, "pcspkr")->errno_value, error);
    }
};

TEST_F(NoDevice, IsNotTriedAgainWhileTheHardwareIsUnchanged) {
    prime_with_pcspkr_failing(ENODEV);
    VirtioMachine m;
    m.loader.failures["pcspkr"] = ENODEV;
    auto report = boot(m);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->decision.path, DevicePath::use_cache);
    EXPECT_THAT(m.loader.loaded(), Not(Contains("pcspkr")));
    EXPECT_THAT(m.loader.loaded(), SizeIs(4));
    const CachedModule* pcspkr = find_module(report->modules, "pcspkr");
    ASSERT_NE(pcspkr, nullptr) << "its recorded result is still reported";
    EXPECT_EQ(pcspkr->status, LoadStatus::failed);
    EXPECT_EQ(pcspkr->errno_value, ENODEV);
    EXPECT_FALSE(report->cache_written);

    CacheLoad load = cached();
    ASSERT_TRUE(load.valid()) << load.reason;
    EXPECT_EQ(find_module(load.cache->modules, "pcspkr")->errno_value, ENODEV);
}

TEST_F(NoDevice, OtherFailuresAreTriedAgain) {
    prime_with_pcspkr_failing(ENOEXEC);
    VirtioMachine m;
    auto report = boot(m);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->decision.path, DevicePath::use_cache);
    EXPECT_THAT(m.loader.loaded(), Contains("pcspkr"));
    EXPECT_EQ(find_module(report->modules, "pcspkr")->status, LoadStatus::loaded);
}

TEST_F(NoDevice, AReprobeTriesItAgain) {
    prime_with_pcspkr_failing(ENODEV);
    options.reprobe = true;
    VirtioMachine m;
    auto report = boot(m);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->decision.path, DevicePath::probe);
    EXPECT_THAT(m.loader.loaded(), Contains("pcspkr"));
}

TEST_F(NoDevice, IsTriedAgainByStage2OffTheCriticalPath) {
    prime_with_pcspkr_failing(ENODEV);
    VirtioMachine m;
    DeviceSystem system = system_for(m);
    auto report = complete_bring_up(system, options);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_THAT(m.loader.loaded(), Contains("pcspkr"));
    EXPECT_EQ(find_module(report->modules, "pcspkr")->status, LoadStatus::loaded);
}

TEST_F(NoDevice, IsNotTriedWhenLeftBehindByARootFirstBoot) {
    prime_with_pcspkr_failing(ENODEV);
    auto renewed = renew_root_record(options.cache_path, tree.release,
                                     {"LABEL=root", {"virtio_blk"}, "", "/dev/vda"});
    ASSERT_TRUE(renewed.ok() && *renewed);
    options.root_source = "LABEL=root";
    VirtioMachine m;
    DeviceSystem system = system_for(m);
    DeviceBringUp bring_up(system, options);
    ASSERT_TRUE(bring_up.start().ok());
    EXPECT_THAT(module_names(bring_up.left_behind()), Contains("pcspkr"));
    auto report = bring_up.finish();
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_THAT(m.loader.loaded(), Not(Contains("pcspkr")));
    EXPECT_THAT(m.loader.loaded(), Contains("virtio_pci"));
}

TEST_F(Apply, AMissingModuleFileProbes) {
    prime();
    std::filesystem::remove(tree.dir + "/kernel/virtio_blk.ko");
    VirtioMachine m;
    auto report = boot(m);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->decision.path, DevicePath::probe);
    EXPECT_THAT(report->decision.reason, HasSubstr("kernel/virtio_blk.ko"));
}

TEST_F(Apply, AnUnwritableCacheIsReportedNotFatal) {
    std::filesystem::create_directories(cache_temp_path(options.cache_path));
    VirtioMachine m;
    auto report = boot(m);
    ASSERT_TRUE(report.ok());
    EXPECT_FALSE(report->cache_written);
    ASSERT_TRUE(report->cache_error);
    EXPECT_THAT(report->cache_error->message, HasSubstr("cannot write the device cache"));
    EXPECT_THAT(m.loader.loaded(), SizeIs(5)) << "the modules are loaded all the same";
}

TEST_F(Apply, FailsOnlyWhenDevicesCannotBeEnumerated) {
    VirtioMachine m;
    m.source.fail = true;
    auto report = boot(m);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error().message, "sysfs is gone");
}

TEST(PruneModules, KeepsWhatTheRemainingAliasesNeed) {
    std::vector<CachedModule> modules = {
        {spec("virtio_ring"), LoadStatus::loaded, 0, "", 0, 0, 0},
        {spec("virtio", {dep("virtio_ring")}), LoadStatus::loaded, 0, "", 0, 0, 0},
        {spec("crc32c_intel"), LoadStatus::loaded, 0, "", 0, 0, 0},
        {spec("virtio_blk", {dep("virtio"), pre("crc32c_intel")}), LoadStatus::loaded, 0, "", 0, 0,
         0},
        {spec("after_blk", {{"virtio_blk", PrerequisiteKind::soft_post}}), LoadStatus::loaded, 0,
         "", 0, 0, 0},
        {spec("e1000e"), LoadStatus::loaded, 0, "", 0, 0, 0},
    };
    auto kept = prune_modules(modules, {{kBlk, {"virtio_blk"}, {}}});
    EXPECT_THAT(module_names(kept),
                ElementsAre("virtio_ring", "virtio", "crc32c_intel", "virtio_blk", "after_blk"));
    EXPECT_THAT(prune_modules(modules, {}), IsEmpty());
}

}  // namespace
}  // namespace fastinit
