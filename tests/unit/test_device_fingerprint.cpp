// device-cache: the fingerprint — which devices count, how differences are
// described, and the module index identity.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "device-cache/fingerprint.h"
#include "tests/unit/device_fakes.h"

namespace fastinit {
namespace {

using namespace fastinit::testing;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

const char kVirtioBlkPci[] = "pci:v00001AF4d00001042sv00001AF4sd00001042bc01sc80i00";
const char kVirtioNetPci[] = "pci:v00001AF4d00001041sv00001AF4sd00001041bc02sc00i00";
const char kNvme[] = "pci:v0000144Dd0000A808sv0000144Dsd0000A801bc01sc08i02";

std::vector<DeviceRecord> machine() {
    return {
        device("/sys/devices/pci0000:00/0000:00:02.0", "pci", kVirtioBlkPci),
        device("/sys/devices/pci0000:00/0000:00:03.0", "pci", kVirtioNetPci),
        device("/sys/devices/platform/pcspkr", "platform", "platform:pcspkr"),
        // Created by virtio_pci: only there once modules are loaded.
        device("/sys/devices/pci0000:00/0000:00:02.0/virtio0", "virtio",
               "virtio:d00000002v00001AF4", false, true),
        // A USB stick and its interface.
        device("/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1", "usb",
               "usb:v0781p5567d0100dc00dsc00dp00ic08isc06ip50in00", true),
        device("/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/host0/target0:0:0/0:0:0:0",
               "scsi", "scsi:t-0x00", true, true),
    };
}

Fingerprint fingerprint_of(std::vector<DeviceRecord> devices) {
    Fingerprint f;
    f.kernel_release = "6.1.0-56-amd64";
    f.module_index = "modules.dep.bin=1:1 modules.alias.bin=2:2";
    f.dmi = {{"sys_vendor", "QEMU"}, {"product_name", "Standard PC (Q35 + ICH9, 2009)"}};
    f.devices = fingerprint_devices(devices);
    return f;
}

TEST(Fingerprint, CountsFixedDevicesPresentBeforeAnyModuleLoads) {
    EXPECT_THAT(fingerprint_devices(machine()),
                ElementsAre(kVirtioNetPci, kVirtioBlkPci, "platform:pcspkr"));
}

TEST(Fingerprint, KeepsDuplicatesSoASecondIdenticalDeviceIsAChange) {
    auto devices = machine();
    devices.push_back(device("/sys/devices/pci0000:00/0000:00:05.0", "pci", kVirtioBlkPci));
    EXPECT_THAT(fingerprint_devices(devices), SizeIs(4));
    auto diff = compare_fingerprints(fingerprint_of(machine()), fingerprint_of(devices));
    ASSERT_THAT(diff.parts, SizeIs(1));
    EXPECT_EQ(diff.parts[0].description, std::string("1 device added: ") + kVirtioBlkPci);
}

TEST(Fingerprint, IgnoresRemovableAndModuleCreatedDevices) {
    auto without_usb = machine();
    without_usb.erase(without_usb.begin() + 4, without_usb.end());
    auto plugged_more = machine();
    plugged_more.push_back(device("/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2", "usb",
                                  "usb:v046DpC52Bd1211dc00dsc00dp00ic03isc01ip01in00", true));
    plugged_more.push_back(device("/sys/devices/virtual/input/input9", "hid",
                                  "hid:b0003g0001v0000046Dp0000C52B", true));
    auto before_load = machine();
    before_load.erase(before_load.begin() + 3);  // virtio0 not created yet

    Fingerprint base = fingerprint_of(machine());
    EXPECT_TRUE(compare_fingerprints(base, fingerprint_of(without_usb)).matches());
    EXPECT_TRUE(compare_fingerprints(base, fingerprint_of(plugged_more)).matches());
    EXPECT_TRUE(compare_fingerprints(base, fingerprint_of(before_load)).matches());
}

TEST(Fingerprint, ReportsDevicesAddedAndRemoved) {
    auto changed = machine();
    changed.erase(changed.begin() + 1);  // the virtio NIC is gone
    changed.push_back(device("/sys/devices/pci0000:00/0000:00:06.0", "pci", kNvme));
    changed.push_back(device("/sys/devices/platform/i8042", "platform", "platform:i8042"));

    FingerprintDiff diff = compare_fingerprints(fingerprint_of(machine()), fingerprint_of(changed));
    ASSERT_FALSE(diff.matches());
    ASSERT_THAT(diff.parts, SizeIs(1));
    EXPECT_EQ(diff.parts[0].part, "devices");
    EXPECT_EQ(diff.parts[0].description, std::string("2 devices added: ") + kNvme +
                                             ", platform:i8042; 1 removed: " + kVirtioNetPci);
    EXPECT_THAT(diff.summary(), HasSubstr("devices: 2 devices added"));
}

TEST(Fingerprint, ReportsOnlyRemovals) {
    auto changed = machine();
    changed.erase(changed.begin() + 2);
    auto diff = compare_fingerprints(fingerprint_of(machine()), fingerprint_of(changed));
    ASSERT_THAT(diff.parts, SizeIs(1));
    EXPECT_EQ(diff.parts[0].description, "1 device removed: platform:pcspkr");
}

TEST(Fingerprint, ListsAtMostFiveDevicesByName) {
    auto many = machine();
    for (int i = 0; i < 8; ++i)
        many.push_back(device("/sys/devices/platform/x" + std::to_string(i), "platform",
                              "platform:x" + std::to_string(i)));
    auto diff = compare_fingerprints(fingerprint_of(machine()), fingerprint_of(many));
    EXPECT_THAT(diff.parts.at(0).description, HasSubstr("8 devices added:"));
    EXPECT_THAT(diff.parts.at(0).description, HasSubstr("and 3 more"));
}

TEST(Fingerprint, ExplainsEachPartThatDiffers) {
    Fingerprint cached = fingerprint_of(machine());
    Fingerprint now = cached;
    now.kernel_release = "6.1.0-57-amd64";
    now.module_index = "modules.dep.bin=1:9 modules.alias.bin=2:2";
    now.dmi["product_name"] = "KVM";
    now.dmi.erase("sys_vendor");
    now.dmi["board_name"] = "X";
    FingerprintDiff diff = compare_fingerprints(cached, now);
    ASSERT_THAT(diff.parts, SizeIs(3));
    EXPECT_EQ(diff.parts[0].part, "kernel");
    EXPECT_EQ(diff.parts[0].description, "\"6.1.0-56-amd64\" -> \"6.1.0-57-amd64\"");
    EXPECT_EQ(diff.parts[1].part, "module index");
    EXPECT_EQ(diff.parts[2].part, "dmi");
    EXPECT_THAT(diff.parts[2].description, HasSubstr("product_name \"Standard PC"));
    EXPECT_THAT(diff.parts[2].description, HasSubstr("-> \"KVM\""));
    EXPECT_THAT(diff.parts[2].description, HasSubstr("sys_vendor \"QEMU\" is gone"));
    EXPECT_THAT(diff.parts[2].description, HasSubstr("board_name \"X\" appeared"));
}

TEST(Fingerprint, IdenticalFingerprintsMatch) {
    EXPECT_TRUE(
        compare_fingerprints(fingerprint_of(machine()), fingerprint_of(machine())).matches());
    EXPECT_EQ(compare_fingerprints(fingerprint_of(machine()), fingerprint_of(machine())).summary(),
              "");
}

void write(const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
}

TEST(ModuleIndexIdentity, ChangesWithTheContentNotJustTheSize) {
    TempDir dir;
    write(dir.file("modules.dep.bin"), std::string(100000, 'a'));
    write(dir.file("modules.alias.bin"), "alias index");
    std::string first = module_index_identity(dir.path());
    EXPECT_EQ(first, module_index_identity(dir.path()));
    EXPECT_THAT(first, HasSubstr("modules.dep.bin=100000:"));

    std::string changed(100000, 'a');
    changed[54321] = 'b';
    write(dir.file("modules.dep.bin"), changed);
    std::string second = module_index_identity(dir.path());
    EXPECT_NE(first, second);

    write(dir.file("modules.alias.bin"), "alias indeX");
    EXPECT_NE(second, module_index_identity(dir.path()));
}

TEST(ModuleIndexIdentity, AMissingIndexIsPartOfTheIdentity) {
    TempDir dir;
    EXPECT_EQ(module_index_identity(dir.path()), "modules.dep.bin=absent modules.alias.bin=absent");
    write(dir.file("modules.dep.bin"), "");
    EXPECT_THAT(module_index_identity(dir.path()), HasSubstr("modules.dep.bin=0:"));
}

TEST(Dmi, ReadsTheIdsThatExistAndSkipsTheRest) {
    TempDir dir;
    write(dir.file("sys_vendor"), "QEMU\n");
    write(dir.file("board_name"), "Q35\n");
    write(dir.file("product_serial"), "secret\n");  // not part of the fingerprint
    auto dmi = read_dmi(dir.path());
    EXPECT_EQ(dmi,
              (std::map<std::string, std::string>{{"board_name", "Q35"}, {"sys_vendor", "QEMU"}}));
    EXPECT_THAT(read_dmi(dir.file("nowhere")), IsEmpty());
}

TEST(TakeFingerprint, CombinesAllParts) {
    TempDir dir;
    std::filesystem::create_directories(dir.file("lib/modules/6.1.0-56-amd64"));
    std::filesystem::create_directories(dir.file("dmi"));
    write(dir.file("dmi/sys_vendor"), "QEMU\n");
    FingerprintSources sources{module_tree_at(dir.file("lib/modules/6.1.0-56-amd64")),
                               dir.file("dmi")};
    Fingerprint f = take_fingerprint(sources, machine());
    EXPECT_EQ(f.kernel_release, "6.1.0-56-amd64");
    EXPECT_THAT(f.module_index, HasSubstr("absent"));
    EXPECT_EQ(f.dmi.at("sys_vendor"), "QEMU");
    EXPECT_THAT(f.devices, SizeIs(3));
    EXPECT_THAT(f.devices, Not(::testing::Contains("platform:i8042")));
}

}  // namespace
}  // namespace fastinit
