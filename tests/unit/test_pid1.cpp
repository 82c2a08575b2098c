// PID 1 duties: mounting the pseudo-filesystems and the final stage
// (killing leftovers, sync, reboot(2)), both through fake system seams.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/reboot.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "initd/pid1/final_stage.h"
#include "initd/pid1/mounts.h"

namespace fastinit {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// The reboot(2) commands as int, as PowerOps and reboot_command() use them
// (RB_HALT_SYSTEM does not fit in an int as written in <sys/reboot.h>).
const int kPowerOff = static_cast<int>(RB_POWER_OFF);
const int kAutoboot = static_cast<int>(RB_AUTOBOOT);
const int kHaltSystem = static_cast<int>(RB_HALT_SYSTEM);
const int kKexec = static_cast<int>(RB_KEXEC);

// ---- mount_pseudo_filesystems ----------------------------------------------

struct MountCall {
    std::string source, target, type;
    unsigned long flags;
    std::string data;
    bool operator==(const MountCall&) const = default;
};

std::ostream& operator<<(std::ostream& out, const MountCall& c) {
    return out << "mount(" << c.source << ", " << c.target << ", " << c.type << ", 0x" << std::hex
               << c.flags << std::dec << ", \"" << c.data << "\")";
}

class FakeMountOps : public MountOps {
  public:
    std::set<std::string> mounted;
    std::set<std::string> failing_mounts;
    std::set<std::string> failing_mkdirs;
    std::vector<std::string> log;  // every call, in order
    std::vector<MountCall> mounts;

    bool is_mountpoint(const std::string& path) override {
        log.push_back("is_mountpoint " + path);
        return mounted.count(path) > 0;
    }
    Result<void> make_directory(const std::string& path, unsigned mode) override {
        log.push_back("mkdir " + path + " " + std::to_string(mode));
        if (failing_mkdirs.count(path))
            return Error{"cannot create " + path + ": Read-only file system", EROFS};
        return {};
    }
    Result<void> mount(const std::string& source, const std::string& target,
                       const std::string& type, unsigned long flags,
                       const std::string& data) override {
        log.push_back("mount " + target);
        mounts.push_back({source, target, type, flags, data});
        if (failing_mounts.count(target))
            return Error{"cannot mount " + type + " on " + target + ": Permission denied", EPERM};
        mounted.insert(target);
        return {};
    }
};

const std::vector<std::string> kAllTargets = {"/proc",    "/sys",     "/dev",
                                              "/dev/pts", "/dev/shm", "/run"};

TEST(MountPseudoFilesystems, MountsEverythingInOrderOnAnEmptySystem) {
    FakeMountOps ops;
    MountReport report = mount_pseudo_filesystems(ops);
    EXPECT_EQ(report.mounted, kAllTargets);
    EXPECT_THAT(report.errors, IsEmpty());
    EXPECT_THAT(
        ops.mounts,
        ElementsAre(MountCall{"proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, ""},
                    MountCall{"sysfs", "/sys", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, ""},
                    MountCall{"devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755"},
                    MountCall{"devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                              "gid=5,mode=0620,ptmxmode=0666"},
                    MountCall{"tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"},
                    MountCall{"tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755"}));
    // Each target: checked, created (0755 = 493), mounted, before the next.
    std::vector<std::string> expected;
    for (const auto& target : kAllTargets) {
        expected.push_back("is_mountpoint " + target);
        expected.push_back("mkdir " + target + " 493");
        expected.push_back("mount " + target);
    }
    EXPECT_EQ(ops.log, expected);
}

TEST(MountPseudoFilesystems, AlreadyMountedTargetsAreLeftAlone) {
    FakeMountOps ops;
    ops.mounted = {"/proc", "/dev", "/run"};
    MountReport report = mount_pseudo_filesystems(ops);
    EXPECT_THAT(report.mounted, ElementsAre("/sys", "/dev/pts", "/dev/shm"));
    EXPECT_THAT(report.errors, IsEmpty());
    EXPECT_THAT(ops.log,
                ElementsAre("is_mountpoint /proc", "is_mountpoint /sys", "mkdir /sys 493",
                            "mount /sys", "is_mountpoint /dev", "is_mountpoint /dev/pts",
                            "mkdir /dev/pts 493", "mount /dev/pts", "is_mountpoint /dev/shm",
                            "mkdir /dev/shm 493", "mount /dev/shm", "is_mountpoint /run"));
}

TEST(MountPseudoFilesystems, NothingToDoInAFullyMountedSystem) {
    FakeMountOps ops;
    ops.mounted = std::set<std::string>(kAllTargets.begin(), kAllTargets.end());
    MountReport report = mount_pseudo_filesystems(ops);
    EXPECT_THAT(report.mounted, IsEmpty());
    EXPECT_THAT(report.errors, IsEmpty());
    EXPECT_THAT(ops.mounts, IsEmpty());
}

TEST(MountPseudoFilesystems, AFailedMountIsReportedAndTheRestGoOn) {
    FakeMountOps ops;
    ops.failing_mounts = {"/sys"};
    MountReport report = mount_pseudo_filesystems(ops);
    EXPECT_THAT(report.mounted, ElementsAre("/proc", "/dev", "/dev/pts", "/dev/shm", "/run"));
    ASSERT_EQ(report.errors.size(), 1u);
    EXPECT_EQ(report.errors[0].message, "cannot mount sysfs on /sys: Permission denied");
    EXPECT_EQ(report.errors[0].errno_value, EPERM);
    EXPECT_EQ(ops.mounts.size(), 6u);
}

TEST(MountPseudoFilesystems, SeveralFailuresAreAllReportedInOrder) {
    FakeMountOps ops;
    ops.failing_mounts = {"/proc", "/run"};
    ops.failing_mkdirs = {"/dev/shm"};
    MountReport report = mount_pseudo_filesystems(ops);
    EXPECT_THAT(report.mounted, ElementsAre("/sys", "/dev", "/dev/pts"));
    ASSERT_EQ(report.errors.size(), 3u);
    EXPECT_EQ(report.errors[0].message, "cannot mount proc on /proc: Permission denied");
    EXPECT_EQ(report.errors[1].message, "cannot create /dev/shm: Read-only file system");
    EXPECT_EQ(report.errors[1].errno_value, EROFS);
    EXPECT_EQ(report.errors[2].message, "cannot mount tmpfs on /run: Permission denied");
    // No mount is attempted where the directory could not be made.
    for (const auto& call : ops.mounts)
        EXPECT_NE(call.target, "/dev/shm");
}

TEST(SystemMountOps, RootIsAMountPointAFreshDirectoryIsNot) {
    MountOps& ops = system_mount_ops();
    EXPECT_EQ(&ops, &system_mount_ops());
    EXPECT_TRUE(ops.is_mountpoint("/"));
    char pattern[] = "/tmp/fastinit-mounts-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    std::string dir = pattern;
    EXPECT_FALSE(ops.is_mountpoint(dir));
    EXPECT_FALSE(ops.is_mountpoint(dir + "/missing"));
    // make_directory tolerates an existing directory and names the path
    // when it fails.
    EXPECT_TRUE(ops.make_directory(dir, 0755).ok());
    EXPECT_TRUE(ops.make_directory(dir + "/sub", 0700).ok());
    EXPECT_TRUE(std::filesystem::is_directory(dir + "/sub"));
    auto failed = ops.make_directory(dir + "/no/such/parent", 0755);
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().message,
              "cannot create " + dir + "/no/such/parent: No such file or directory");
    std::filesystem::remove_all(dir);
}

// ---- finish_as_pid1 ----------------------------------------------------------

// Thrown by the fake where the real system call would not return.
struct MachineWentDown {
    int command;
};
struct HaltedForever {};

class FakePowerOps : public PowerOps {
  public:
    std::vector<std::string> events;
    std::deque<bool> reap_results;  // what successive reap_all_until calls return
    std::vector<std::chrono::steady_clock::time_point> reap_deadlines;
    std::set<int> working_commands;  // reboot(2) commands that "succeed"

    void signal_all(int signal) override {
        events.push_back(std::string("signal ") + sigabbrev_np(signal));
    }
    bool reap_all_until(std::chrono::steady_clock::time_point deadline) override {
        events.push_back("reap");
        reap_deadlines.push_back(deadline);
        if (reap_results.empty())
            return true;
        bool result = reap_results.front();
        reap_results.pop_front();
        return result;
    }
    void sync() override { events.push_back("sync"); }
    void unmount_filesystems() override { events.push_back("unmount"); }
    int reboot(int command) override {
        events.push_back("reboot " + name(command));
        if (working_commands.count(command))
            throw MachineWentDown{command};
        return EPERM;
    }
    void halt_forever() override {
        events.push_back("halt_forever");
        throw HaltedForever{};
    }

    static std::string name(int command) {
        if (command == kPowerOff)
            return "POWER_OFF";
        if (command == kAutoboot)
            return "AUTOBOOT";
        if (command == kHaltSystem)
            return "HALT_SYSTEM";
        if (command == kKexec)
            return "KEXEC";
        return std::to_string(command);
    }
};

// Runs finish_as_pid1 and returns the reboot command that "took" the machine
// down, or -1 when it ended in halt_forever.
int finish(PowerAction action, FakePowerOps& ops, std::chrono::milliseconds grace = 3s) {
    try {
        finish_as_pid1(action, ops, grace);
    } catch (const MachineWentDown& down) {
        return down.command;
    } catch (const HaltedForever&) {
        return -1;
    }
    ADD_FAILURE() << "finish_as_pid1 returned";
    return -2;
}

TEST(RebootCommand, OnePerAction) {
    EXPECT_EQ(reboot_command(PowerAction::poweroff), kPowerOff);
    EXPECT_EQ(reboot_command(PowerAction::reboot), kAutoboot);
    EXPECT_EQ(reboot_command(PowerAction::halt), kHaltSystem);
    EXPECT_EQ(reboot_command(PowerAction::kexec), kKexec);
}

TEST(FinishAsPid1, TermThenSyncThenPowerOff) {
    FakePowerOps ops;
    ops.working_commands = {kPowerOff};
    EXPECT_EQ(finish(PowerAction::poweroff, ops), kPowerOff);
    // SIGCONT wakes stopped processes so they can act on SIGTERM.
    EXPECT_THAT(ops.events,
                ElementsAre("signal TERM", "signal CONT", "reap", "sync", "reboot POWER_OFF"));
}

TEST(FinishAsPid1, OnARealMachineReleasesFilesystemsBeforeTheJump) {
    FakePowerOps ops;
    ops.working_commands = {kKexec};
    try {
        finish_as_pid1(PowerAction::kexec, ops, 3s, /*release_filesystems=*/true);
    } catch (const MachineWentDown& down) {
        EXPECT_EQ(down.command, kKexec);
    }
    EXPECT_THAT(ops.events, ElementsAre("signal TERM", "signal CONT", "reap", "sync", "unmount",
                                        "sync", "reboot KEXEC"));
}

TEST(FinishAsPid1, EachActionUsesItsCommand) {
    for (PowerAction action :
         {PowerAction::poweroff, PowerAction::reboot, PowerAction::halt, PowerAction::kexec}) {
        FakePowerOps ops;
        int command = reboot_command(action);
        ops.working_commands = {command};
        EXPECT_EQ(finish(action, ops), command) << verb(action);
        ASSERT_FALSE(ops.events.empty());
        EXPECT_EQ(ops.events.back(), "reboot " + FakePowerOps::name(command));
        EXPECT_EQ(std::count(ops.events.begin(), ops.events.end(), "sync"), 1);
    }
}

TEST(FinishAsPid1, NoSigkillWhenEverythingExitsInTime) {
    FakePowerOps ops;
    ops.reap_results = {true};
    ops.working_commands = {kAutoboot};
    EXPECT_EQ(finish(PowerAction::reboot, ops), kAutoboot);
    EXPECT_EQ(std::count(ops.events.begin(), ops.events.end(), "signal KILL"), 0);
    EXPECT_EQ(ops.reap_deadlines.size(), 1u);
}

TEST(FinishAsPid1, SigkillOnlyAfterTheGraceRunsOut) {
    FakePowerOps ops;
    ops.reap_results = {false, true};
    ops.working_commands = {kPowerOff};
    EXPECT_EQ(finish(PowerAction::poweroff, ops), kPowerOff);
    EXPECT_THAT(ops.events, ElementsAre("signal TERM", "signal CONT", "reap", "signal KILL", "reap",
                                        "sync", "reboot POWER_OFF"));
}

TEST(FinishAsPid1, GoesOnEvenIfSigkillLeavesProcesses) {
    FakePowerOps ops;
    ops.reap_results = {false, false};
    ops.working_commands = {kHaltSystem};
    EXPECT_EQ(finish(PowerAction::halt, ops), kHaltSystem);
    EXPECT_THAT(ops.events, ElementsAre("signal TERM", "signal CONT", "reap", "signal KILL", "reap",
                                        "sync", "reboot HALT_SYSTEM"));
}

TEST(FinishAsPid1, FirstReapWaitsForTheGracePeriod) {
    FakePowerOps ops;
    ops.working_commands = {kPowerOff};
    auto before = std::chrono::steady_clock::now();
    finish(PowerAction::poweroff, ops, 1234ms);
    auto after = std::chrono::steady_clock::now();
    ASSERT_EQ(ops.reap_deadlines.size(), 1u);
    EXPECT_GE(ops.reap_deadlines[0], before + 1234ms);
    EXPECT_LE(ops.reap_deadlines[0], after + 1234ms);
}

TEST(FinishAsPid1, FailedKexecFallsBackToAFirmwareReboot) {
    FakePowerOps ops;
    ops.working_commands = {kAutoboot};
    EXPECT_EQ(finish(PowerAction::kexec, ops), kAutoboot);
    EXPECT_THAT(ops.events, ElementsAre("signal TERM", "signal CONT", "reap", "sync",
                                        "reboot KEXEC", "reboot AUTOBOOT"));
}

TEST(FinishAsPid1, FailedKexecAndRebootHalt) {
    FakePowerOps ops;
    EXPECT_EQ(finish(PowerAction::kexec, ops), -1);
    EXPECT_THAT(ops.events, ElementsAre("signal TERM", "signal CONT", "reap", "sync",
                                        "reboot KEXEC", "reboot AUTOBOOT", "halt_forever"));
}

TEST(FinishAsPid1, FailedRebootEndsInHaltForever) {
    FakePowerOps ops;
    EXPECT_EQ(finish(PowerAction::reboot, ops), -1);
    ASSERT_GE(ops.events.size(), 6u);
    EXPECT_THAT(std::vector<std::string>(ops.events.begin(), ops.events.begin() + 5),
                ElementsAre("signal TERM", "signal CONT", "reap", "sync", "reboot AUTOBOOT"));
    EXPECT_EQ(ops.events.back(), "halt_forever");
    // Nothing but reboot attempts between the sync and the halt.
    for (size_t i = 4; i + 1 < ops.events.size(); ++i)
        EXPECT_EQ(ops.events[i], "reboot AUTOBOOT") << i;
}

TEST(FinishAsPid1, FailedPowerOffHaltsInsteadOfRebooting) {
    // The machine was meant to go off: coming back up would be wrong.
    FakePowerOps ops;
    ops.working_commands = {kAutoboot};
    EXPECT_EQ(finish(PowerAction::poweroff, ops), -1);
    EXPECT_THAT(ops.events, ElementsAre("signal TERM", "signal CONT", "reap", "sync",
                                        "reboot POWER_OFF", "halt_forever"));
}

TEST(FinishAsPid1, FailedHaltHaltsInPlace) {
    FakePowerOps ops;
    ops.working_commands = {kAutoboot};
    EXPECT_EQ(finish(PowerAction::halt, ops), -1);
    EXPECT_THAT(ops.events, ElementsAre("signal TERM", "signal CONT", "reap", "sync",
                                        "reboot HALT_SYSTEM", "halt_forever"));
}

TEST(SystemPowerOps, IsOneInstance) {
    EXPECT_EQ(&system_power_ops(), &system_power_ops());
}

}  // namespace
}  // namespace fastinit
