// device-cache: the boot decision — cache or probe, and the sentence that
// says why — for every kind of cache and fingerprint.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "device-cache/apply.h"
#include "device-cache/decision.h"
#include "tests/unit/device_fakes.h"

namespace fastinit {
namespace {

using namespace fastinit::testing;
using ::testing::HasSubstr;
using ::testing::StartsWith;

Fingerprint machine() {
    Fingerprint f;
    f.kernel_release = "6.1.0-56-amd64";
    f.module_index = "modules.dep.bin=1:a modules.alias.bin=2:b";
    f.dmi = {{"sys_vendor", "QEMU"}};
    f.devices = {"pci:v00001AF4d00001042sv00001AF4sd00001042bc01sc80i00", "platform:pcspkr"};
    return f;
}

CacheLoad valid_cache(Fingerprint fingerprint = machine()) {
    DeviceCache cache;
    cache.fingerprint = std::move(fingerprint);
    cache.modules = {{spec("virtio_pci"), LoadStatus::loaded, 0, "", 0, 10, 0},
                     {spec("virtio_blk"), LoadStatus::loaded, 0, "", 0, 10, 1}};
    return {CacheState::valid, "", cache};
}

CacheLoad damaged(CacheState state, std::string reason) {
    return {state, std::move(reason), std::nullopt};
}

TEST(Decision, UsesAValidMatchingCache) {
    DeviceDecision decision = decide_device_path(valid_cache(), machine(), false);
    EXPECT_EQ(decision.path, DevicePath::use_cache);
    EXPECT_EQ(decision.reason,
              "using the device cache: the fingerprint matches (2 modules to load)");
}

TEST(Decision, ReprobeWinsOverAGoodCache) {
    DeviceDecision decision = decide_device_path(valid_cache(), machine(), true);
    EXPECT_EQ(decision.path, DevicePath::probe);
    EXPECT_EQ(decision.reason, "probing: a reprobe was requested (fastinit.reprobe)");
}

TEST(Decision, ProbesForEveryDamagedCacheAndSaysWhy) {
    struct Case {
        CacheState state;
        std::string reason;
    };
    const std::string path = "/var/lib/fastinit/devices.db";
    for (const Case& c : std::vector<Case>{
             {CacheState::missing, "there is no device cache at " + path},
             {CacheState::empty, "the device cache " + path + " is empty (0 bytes)"},
             {CacheState::truncated,
              "the device cache " + path + " is truncated (4096 of 57344 bytes)"},
             {CacheState::garbage, path + " is not an SQLite database (bad magic bytes)"},
             {CacheState::corrupt,
              "the device cache " + path + " is corrupt (database disk image is malformed)"},
             {CacheState::locked,
              "the device cache " + path + " is locked by another writer (gave up after 100 ms)"},
             {CacheState::wrong_schema,
              "the device cache " + path + " has schema version 2, this fastinit reads version 1"},
             {CacheState::unreadable,
              "cannot read the device cache " + path + ": Permission denied"},
         }) {
        DeviceDecision decision = decide_device_path(damaged(c.state, c.reason), machine(), false);
        EXPECT_EQ(decision.path, DevicePath::probe) << cache_state_name(c.state);
        EXPECT_EQ(decision.reason, "probing: " + c.reason);
    }
}

TEST(Decision, ProbesForACacheOfAnotherKernelEvenWithItsContents) {
    CacheLoad load = valid_cache();
    load.state = CacheState::wrong_kernel;
    load.reason = "the device cache /x was written for kernel 6.1.0-55-amd64, not 6.1.0-56-amd64";
    DeviceDecision decision = decide_device_path(load, machine(), false);
    EXPECT_EQ(decision.path, DevicePath::probe);
    EXPECT_EQ(decision.reason, "probing: " + load.reason);
}

TEST(Decision, ProbesWhenTheFingerprintDiffers) {
    Fingerprint now = machine();
    now.devices.push_back("pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00");
    DeviceDecision decision = decide_device_path(valid_cache(), now, false);
    EXPECT_EQ(decision.path, DevicePath::probe);
    EXPECT_EQ(decision.reason,
              "probing: the machine changed since the cache was written (devices: 1 device "
              "added: pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00)");

    now = machine();
    now.module_index = "modules.dep.bin=1:c modules.alias.bin=2:b";
    decision = decide_device_path(valid_cache(), now, false);
    EXPECT_EQ(decision.path, DevicePath::probe);
    EXPECT_THAT(decision.reason, HasSubstr("module index: "));

    now = machine();
    now.dmi["sys_vendor"] = "Dell Inc.";
    decision = decide_device_path(valid_cache(), now, false);
    EXPECT_THAT(decision.reason, HasSubstr("dmi: sys_vendor \"QEMU\" -> \"Dell Inc.\""));
}

TEST(Decision, ProbesWhenModuleFilesAreGone) {
    DeviceDecision decision =
        decide_device_path(valid_cache(), machine(), false, {"kernel/drivers/block/virtio_blk.ko"});
    EXPECT_EQ(decision.path, DevicePath::probe);
    EXPECT_EQ(decision.reason,
              "probing: module files listed in the cache no longer exist "
              "(kernel/drivers/block/virtio_blk.ko)");
}

TEST(Decision, AValidStateWithoutContentsIsNeverTrusted) {
    CacheLoad load{CacheState::valid, "", std::nullopt};
    EXPECT_EQ(decide_device_path(load, machine(), false).path, DevicePath::probe);
}

TEST(Decision, EveryReasonIsOneSentence) {
    for (const CacheLoad& load : {valid_cache(), damaged(CacheState::missing, "there is none")}) {
        for (bool reprobe : {false, true}) {
            std::string reason = decide_device_path(load, machine(), reprobe).reason;
            EXPECT_EQ(reason.find('\n'), std::string::npos);
            EXPECT_THAT(reason, ::testing::AnyOf(StartsWith("probing: "),
                                                 StartsWith("using the device cache: ")));
        }
    }
}

TEST(ReprobeRequested, ReadsTheKernelCommandLine) {
    EXPECT_TRUE(reprobe_requested(KernelCmdline::parse("quiet fastinit.reprobe root=/dev/vda")));
    EXPECT_TRUE(reprobe_requested(KernelCmdline::parse("fastinit.reprobe=1")));
    EXPECT_FALSE(reprobe_requested(KernelCmdline::parse("fastinit.reprobe=0")));
    EXPECT_FALSE(reprobe_requested(KernelCmdline::parse("fastinit.reprobe=no")));
    EXPECT_FALSE(reprobe_requested(KernelCmdline::parse("quiet fastinit.reprobes")));
    EXPECT_FALSE(reprobe_requested(KernelCmdline::parse("")));
}

}  // namespace
}  // namespace fastinit
