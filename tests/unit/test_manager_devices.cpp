// after_devices in the manager: a unit waits for its devices without
// blocking, starts when the watcher reports the last one, and fails with a
// reason naming the device when device_timeout passes first.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/fakes.h"

namespace fastinit {
namespace {

using testing::Harness;
using ::testing::HasSubstr;
using testing::oneshot;
using ::testing::UnorderedElementsAre;

TEST(ManagerDevices, WaitsForEveryDeviceAndStartsWhenTheLastAppears) {
    Harness h({{"m", oneshot("after_devices = [\"LABEL=data\", \"/dev/vdb\", \"net:lo\"]")}});
    h.devices.there = {"net:lo"};
    ASSERT_TRUE(h.manager.start("m").ok());
    EXPECT_EQ(h.state("m"), UnitState::waiting);
    EXPECT_EQ(h.spawn_count("m"), 0u);
    EXPECT_THAT(h.devices.watched, UnorderedElementsAre("LABEL=data", "/dev/vdb"));
    EXPECT_THAT(h.runtime("m").missing_devices, UnorderedElementsAre("LABEL=data", "/dev/vdb"));
    EXPECT_TRUE(h.timers.is_armed(h.id("m"), TimerKind::device_timeout));
    EXPECT_FALSE(h.manager.settled());

    h.device_appears("/dev/vdb");
    EXPECT_EQ(h.state("m"), UnitState::waiting);
    EXPECT_EQ(h.spawn_count("m"), 0u) << "LABEL=data is still missing";

    h.device_appears("LABEL=data");
    EXPECT_EQ(h.spawn_count("m"), 1u);
    EXPECT_FALSE(h.timers.is_armed(h.id("m"), TimerKind::device_timeout));
    h.spawned("m");
    h.exited("m");
    EXPECT_EQ(h.state("m"), UnitState::active);
}

TEST(ManagerDevices, DevicesAlreadyPresentStartAtOnceWithoutWatching) {
    Harness h({{"m", oneshot("after_devices = [\"UUID=1234\", \"/dev/vda\"]")}});
    h.devices.there = {"UUID=1234", "/dev/vda"};
    ASSERT_TRUE(h.manager.start("m").ok());
    EXPECT_EQ(h.spawn_count("m"), 1u);
    EXPECT_TRUE(h.devices.watched.empty());
    EXPECT_FALSE(h.timers.is_armed(h.id("m"), TimerKind::device_timeout));
}

TEST(ManagerDevices, TimeoutFailsTheUnitNamingTheDeviceAndWantersGoOn) {
    Harness h({{"default", "[unit]\nwants = [\"m\", \"other\"]\n"},
               {"m", oneshot("after_devices = [\"LABEL=data\"]\ndevice_timeout = \"5s\"")},
               {"needs", oneshot("requires = [\"m\"]")},
               {"other", oneshot()}});
    ASSERT_TRUE(h.manager.start("default").ok());
    ASSERT_TRUE(h.manager.start("needs").ok());
    ASSERT_TRUE(h.timers.is_armed(h.id("m"), TimerKind::device_timeout));
    EXPECT_EQ(h.timers.armed.at({h.id("m"), TimerKind::device_timeout}),
              *h.runtime("m").queued_at + std::chrono::seconds(5));
    h.spawned("other");
    h.exited("other");
    EXPECT_EQ(h.state("default"), UnitState::waiting) << "default is ordered after m";

    h.fire("m", TimerKind::device_timeout);
    EXPECT_EQ(h.state("m"), UnitState::failed);
    EXPECT_EQ(h.runtime("m").result, UnitResult::timeout);
    EXPECT_EQ(h.runtime("m").reason, "LABEL=data did not appear within 5s");
    EXPECT_EQ(h.spawn_count("m"), 0u);
    EXPECT_EQ(h.state("default"), UnitState::active) << "it only wants m";
    EXPECT_EQ(h.state("needs"), UnitState::skipped);
    EXPECT_THAT(h.runtime("needs").reason, HasSubstr("LABEL=data did not appear"));
    EXPECT_TRUE(h.manager.settled());

    // A late appearance changes nothing for a unit that has failed.
    h.device_appears("LABEL=data");
    EXPECT_EQ(h.state("m"), UnitState::failed);
    EXPECT_EQ(h.spawn_count("m"), 0u);
}

TEST(ManagerDevices, ADeviceNoUnitWaitsForAnyMoreIsNotLookedFor) {
    // Without udevd, looking for a LABEL= scans the disks: not for ever.
    Harness h({{"m", oneshot("after_devices = [\"LABEL=data\", \"/dev/vdb\"]\n"
                             "device_timeout = \"5s\"")},
               {"n", oneshot("after_devices = [\"/dev/vdb\"]")}});
    ASSERT_TRUE(h.manager.start("m").ok());
    ASSERT_TRUE(h.manager.start("n").ok());
    EXPECT_EQ(h.devices.watched, (std::set<std::string>{"LABEL=data", "/dev/vdb"}));
    h.fire("m", TimerKind::device_timeout);
    EXPECT_EQ(h.state("m"), UnitState::failed);
    EXPECT_EQ(h.devices.watched, (std::set<std::string>{"/dev/vdb"})) << "n still waits for it";
    ASSERT_TRUE(h.manager.stop("n").ok());
    EXPECT_TRUE(h.devices.watched.empty());
}

TEST(ManagerDevices, DevicesAreAwaitedAlongsidePredecessorsNotAfterThem) {
    Harness h(
        {{"a", oneshot()}, {"m", oneshot("requires = [\"a\"]\nafter_devices = [\"/dev/vdb\"]")}});
    ASSERT_TRUE(h.manager.start("m").ok());
    EXPECT_TRUE(h.devices.watched.count("/dev/vdb")) << "watched while a still runs";
    h.device_appears("/dev/vdb");
    EXPECT_EQ(h.spawn_count("m"), 0u) << "a has not finished";
    h.spawned("a");
    h.exited("a");
    EXPECT_EQ(h.spawn_count("m"), 1u);
}

TEST(ManagerDevices, StoppingAWaitingUnitDisarmsItsTimeoutAndAStartLooksAgain) {
    Harness h({{"m", oneshot("after_devices = [\"/dev/vdb\"]")}});
    ASSERT_TRUE(h.manager.start("m").ok());
    ASSERT_TRUE(h.manager.stop("m").ok());
    EXPECT_EQ(h.state("m"), UnitState::inactive);
    EXPECT_FALSE(h.timers.is_armed(h.id("m"), TimerKind::device_timeout));
    EXPECT_TRUE(h.runtime("m").missing_devices.empty());

    h.devices.there.insert("/dev/vdb");  // appeared while nothing waited
    ASSERT_TRUE(h.manager.start("m").ok());
    EXPECT_EQ(h.spawn_count("m"), 1u);
}

TEST(ManagerDevices, TargetsWaitForDevicesToo) {
    Harness h({{"t", "[unit]\nafter_devices = [\"net:eth0\"]\n"}, {"x", oneshot()}});
    ASSERT_TRUE(h.manager.start("t").ok());
    EXPECT_EQ(h.state("t"), UnitState::waiting);
    h.device_appears("net:eth0");
    EXPECT_EQ(h.state("t"), UnitState::active);
}

}  // namespace
}  // namespace fastinit
