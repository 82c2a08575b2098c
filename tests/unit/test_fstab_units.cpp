// The fstab generator: which units each line becomes, and how they are
// ordered and attached (pass order, root remount, nofail, noauto, _netdev,
// swap), checked on the graph the manager would run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "initd/unit/fstab_units.h"

namespace fastinit {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

UnitSet target_set() {
    UnitSet set;
    for (const char* name : {"local-fs", "remote-fs", "swap", "network-online"}) {
        Unit t;
        t.name = name;
        set.units.emplace(name, t);
    }
    return set;
}

UnitSet generate(const std::string& text, bool root_ro = true, UnitSet set = target_set()) {
    FstabParse parsed = parse_fstab(text, "/etc/fstab");
    set.diagnostics = parsed.diagnostics;
    add_fstab_units(set, parsed.entries,
                    {.fstab_path = "/etc/fstab",
                     .root_read_only = root_ro,
                     .client_program = "/usr/sbin/fastinit"});
    return set;
}

const Unit& unit(const UnitSet& set, const std::string& name) {
    auto it = set.units.find(name);
    if (it == set.units.end())
        throw std::runtime_error("no unit " + name);
    return it->second;
}

TEST(FstabUnits, EscapesPaths) {
    EXPECT_EQ(escape_unit_path("/"), "-");
    EXPECT_EQ(escape_unit_path("/data"), "data");
    EXPECT_EQ(escape_unit_path("/var/lib/x/"), "var-lib-x");
    EXPECT_EQ(escape_unit_path("/my-disk"), "my_2ddisk");  // "-" is the separator
    EXPECT_EQ(escape_unit_path("/a b_c@d"), "a_20b_5fc_40d");
    EXPECT_EQ(escape_unit_path("UUID=ab.12"), "UUID_3dab.12");
    // Different paths, different names.
    EXPECT_NE(escape_unit_path("/a-b"), escape_unit_path("/a/b"));
}

TEST(FstabUnits, RootReadOnlyIsReadFromMountinfo) {
    std::string rw =
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
        "23 22 0:5 / /proc rw,nosuid - proc proc rw\n";
    std::string ro = "22 1 8:1 / / ro,relatime shared:1 - ext4 /dev/sda1 ro\n";
    std::string over = ro + "30 22 0:40 / / rw - overlay o rw\n";  // the top one counts
    EXPECT_FALSE(root_is_read_only(rw));
    EXPECT_TRUE(root_is_read_only(ro));
    EXPECT_FALSE(root_is_read_only(over));
    EXPECT_TRUE(root_is_read_only("1 0 8:1 / / nodev,ro - ext4 x ro\n"));
    EXPECT_FALSE(root_is_read_only("garbage\n\n1 2 3\n"));
}

TEST(FstabUnits, MountFsckAndTargetForALocalFilesystem) {
    UnitSet set = generate("LABEL=data /data ext4 defaults 0 2\n");
    const Unit& mount = unit(set, "mount-data");
    ASSERT_TRUE(mount.service);
    EXPECT_EQ(mount.service->type, ServiceType::oneshot);
    EXPECT_EQ(mount.service->exec[0], "/bin/sh");
    EXPECT_THAT(mount.service->exec, Contains("/data"));
    EXPECT_EQ(mount.service->exec.back(), "");  // /etc/fstab: mount reads it anyway
    EXPECT_THAT(mount.service->exec[2], HasSubstr("exec mount \"$1\""));
    EXPECT_EQ(mount.path, "/etc/fstab:1");
    EXPECT_THAT(mount.before, Contains("local-fs"));
    EXPECT_THAT(mount.requires_, Contains("fsck-data"));
    EXPECT_THAT(unit(set, "local-fs").requires_, Contains("mount-data"));
    const Unit& fsck = unit(set, "fsck-data");
    EXPECT_THAT(fsck.service->exec, Contains("LABEL=data"));
    EXPECT_THAT(fsck.service->exec[2], HasSubstr("fsck -a"));
    EXPECT_EQ(fsck.service->exec.back(), "ext4");  // to skip a type without fsck.TYPE
    EXPECT_THAT(fsck.conditions.path_exists, Contains("/sbin/fsck"));
}

TEST(FstabUnits, FsckRunsInPassOrderRootFirst) {
    UnitSet set = generate(
        "UUID=r / ext4 errors=remount-ro 0 1\n"
        "/dev/b /b ext4 defaults 0 2\n"
        "/dev/c /c ext4 defaults 0 3\n"
        "/dev/d /d ext4 defaults 0 0\n");
    const Unit& root_fsck = unit(set, "fsck--");
    EXPECT_THAT(root_fsck.service->exec, Contains("UUID=r"));
    EXPECT_THAT(root_fsck.before, Contains("remount-root"));
    // Skipped when stage 1 checked the root before mounting it; only the
    // root's check is stage 1's.
    EXPECT_THAT(root_fsck.conditions.path_exists, Contains("!/run/fastinit/fsck-root"));
    EXPECT_THAT(unit(set, "fsck-b").conditions.path_exists,
                Not(Contains("!/run/fastinit/fsck-root")));
    const Unit& remount = unit(set, "remount-root");
    EXPECT_THAT(remount.requires_, Contains("fsck--"));
    // fstab's options spelled out (busybox's mount would not read them),
    // rw being fstab's default.
    EXPECT_THAT(remount.service->exec,
                ElementsAre("/bin/mount", "-o", "remount,rw,errors=remount-ro", "/"));
    EXPECT_THAT(unit(set, "local-fs").requires_, Contains("remount-root"));
    EXPECT_THAT(unit(set, "fsck-b").after, Contains("fsck--"));
    EXPECT_THAT(unit(set, "fsck-c").after, Contains("fsck--"));
    EXPECT_THAT(unit(set, "fsck-c").after, Contains("fsck-b"));
    EXPECT_THAT(unit(set, "fsck-b").after, Not(Contains("fsck-c")));
    EXPECT_EQ(set.units.count("fsck-d"), 0u);  // pass 0: no check
    // Every mount waits for the root to be writable.
    EXPECT_THAT(unit(set, "mount-d").after, Contains("remount-root"));
    EXPECT_EQ(set.units.count("mount--"), 0u);  // / is remounted, not mounted
}

TEST(FstabUnits, AnotherFstabIsNamedToMount) {
    FstabParse parsed = parse_fstab("/dev/r / ext4 defaults 0 0\n/dev/a /a ext4 defaults\n", "f");
    UnitSet set = target_set();
    add_fstab_units(
        set, parsed.entries,
        {.fstab_path = "/tmp/t/fstab", .root_read_only = false, .client_program = "/x/fastinit"});
    EXPECT_EQ(unit(set, "mount-a").service->exec.back(), "/tmp/t/fstab");
    EXPECT_THAT(unit(set, "remount-root").service->exec,
                ElementsAre("/bin/mount", "--fstab", "/tmp/t/fstab", "-o", "remount,rw", "/"));
}

TEST(FstabUnits, TheRootIsRemountedWithWhatTheKernelTakesOfItsOptions) {
    auto remount_exec = [](const std::string& options) {
        UnitSet set = generate("UUID=r / ext4 " + options + " 0 1\n");
        return unit(set, "remount-root").service->exec.at(2);
    };
    EXPECT_EQ(remount_exec("ro,noatime"), "remount,ro,noatime");
    EXPECT_EQ(remount_exec("defaults,nofail,x-systemd.device-timeout=5,noatime"),
              "remount,rw,noatime");
    EXPECT_EQ(remount_exec("rw,,discard"), "remount,rw,discard");
}

TEST(FstabUnits, ARootThatIsAlreadyWritableIsNotChecked) {
    UnitSet set = generate("UUID=r / ext4 defaults 0 1\n", /*root_ro=*/false);
    EXPECT_EQ(set.units.count("fsck--"), 0u);
    EXPECT_THAT(unit(set, "remount-root").requires_, IsEmpty());
}

TEST(FstabUnits, NofailIsOnlyWantedAndNoautoIsNotPulledIn) {
    UnitSet set = generate(
        "/dev/a /a ext4 nofail 0 0\n"
        "/dev/b /b ext4 noauto 0 0\n");
    const Unit& local = unit(set, "local-fs");
    EXPECT_THAT(local.wants, Contains("mount-a"));
    EXPECT_THAT(local.requires_, Not(Contains("mount-a")));
    EXPECT_THAT(local.wants, Not(Contains("mount-b")));
    EXPECT_THAT(local.requires_, Not(Contains("mount-b")));
    EXPECT_THAT(unit(set, "mount-b").before, Contains("local-fs"));  // still startable
    // A nofail device that never comes must not hold local-fs.
    EXPECT_THAT(unit(set, "mount-a").before, Not(Contains("local-fs")));
}

TEST(FstabUnits, UnitsWaitForTheirDeviceNotForUdevSettle) {
    UnitSet set = generate(
        "UUID=r / ext4 defaults 0 1\n"
        "LABEL=data /data ext4 defaults 0 2\n"
        "/dev/vdb1 /b ext4 defaults 0 0\n"
        "PARTUUID=ab-02 none swap sw 0 0\n"
        "tmpfs /tmp tmpfs defaults 0 0\n"
        "/srv/x /x none bind 0 0\n"
        "server:/export /nfs nfs defaults 0 0\n"
        "/dev/iscsi /san ext4 _netdev 0 0\n");
    EXPECT_THAT(unit(set, "mount-data").after_devices, ElementsAre("LABEL=data"));
    EXPECT_THAT(unit(set, "fsck-data").after_devices, ElementsAre("LABEL=data"));
    EXPECT_THAT(unit(set, "mount-b").after_devices, ElementsAre("/dev/vdb1"));
    EXPECT_THAT(unit(set, "swap-PARTUUID_3dab_2d02").after_devices, ElementsAre("PARTUUID=ab-02"));
    EXPECT_THAT(unit(set, "mount-san").after_devices, ElementsAre("/dev/iscsi"));
    for (const char* none : {"mount-tmp", "mount-x", "mount-nfs", "fsck--", "remount-root"})
        EXPECT_THAT(unit(set, none).after_devices, IsEmpty()) << none;
    EXPECT_EQ(unit(set, "mount-data").device_timeout, std::chrono::seconds(90));
    for (const auto& [name, u] : set.units) {
        EXPECT_THAT(u.after, Not(Contains("udev-settle"))) << name;
        EXPECT_THAT(u.requires_, Not(Contains("udev-settle"))) << name;
    }
}

TEST(FstabUnits, NetworkFilesystemsWaitForTheNetwork) {
    UnitSet set = generate(
        "server:/export /nfs nfs defaults 0 2\n"
        "/dev/iscsi /san ext4 _netdev 0 0\n");
    for (const char* name : {"mount-nfs", "mount-san"}) {
        const Unit& m = unit(set, name);
        EXPECT_THAT(m.after, Contains("network-online")) << name;
        EXPECT_THAT(m.wants, Contains("network-online")) << name;
        EXPECT_THAT(m.before, Contains("remote-fs")) << name;
        EXPECT_THAT(unit(set, "remote-fs").requires_, Contains(name));
        EXPECT_THAT(unit(set, "local-fs").requires_, Not(Contains(name)));
    }
    EXPECT_EQ(set.units.count("fsck-nfs"), 0u);  // no fsck over the network
}

TEST(FstabUnits, SwapLinesBecomeSwapUnits) {
    UnitSet set = generate("/dev/vda3 none swap sw,pri=5 0 0\nUUID=s none swap nofail 0 0\n");
    const Unit& s = unit(set, "swap-dev-vda3");
    EXPECT_THAT(s.service->exec, ElementsAre("/sbin/swapon", "-o", "sw,pri=5", "--", "/dev/vda3"));
    EXPECT_THAT(s.before, Contains("swap"));
    EXPECT_THAT(unit(set, "swap").requires_, Contains("swap-dev-vda3"));
    EXPECT_THAT(unit(set, "swap").wants, Contains("swap-UUID_3ds"));
}

TEST(FstabUnits, NestedMountsWaitForTheirParent) {
    UnitSet set = generate("/dev/a /var ext4 defaults\n/dev/b /var/log ext4 defaults\n");
    EXPECT_THAT(unit(set, "mount-var-log").after, Contains("mount-var"));
    EXPECT_THAT(unit(set, "mount-var").after, Not(Contains("mount-var-log")));
}

TEST(FstabUnits, DuplicatesAndUnitFilesOfTheSameName) {
    UnitSet with_file = target_set();
    Unit own;
    own.name = "mount-data";
    own.path = "/etc/fastinit/units/mount-data.toml";
    with_file.units.emplace("mount-data", own);
    UnitSet set = generate(
        "/dev/a /data ext4 defaults\n/dev/b /x ext4 defaults\n"
        "/dev/c /x ext4 defaults\n",
        true, with_file);
    EXPECT_EQ(unit(set, "mount-data").path, "/etc/fastinit/units/mount-data.toml");
    EXPECT_THAT(unit(set, "mount-x").service->exec, Contains("/x"));
    ASSERT_EQ(set.diagnostics.size(), 2u);
    EXPECT_EQ(set.diagnostics[0].line, 1);
    EXPECT_THAT(set.diagnostics[0].message, HasSubstr("replaces"));
    EXPECT_EQ(set.diagnostics[1].line, 3);
    EXPECT_THAT(set.diagnostics[1].message, HasSubstr("earlier line"));
}

TEST(FstabUnits, MissingTargetsAreMadeSoMountsHaveAnAnchor) {
    UnitSet set = generate("/dev/a /a ext4 defaults\n", true, UnitSet{});
    EXPECT_TRUE(unit(set, "local-fs").is_target());
    EXPECT_THAT(unit(set, "local-fs").requires_, Contains("mount-a"));
}

TEST(FstabUnits, OverlongMountPointIsWarnedAboutNotGenerated) {
    UnitSet set = generate("/dev/a /" + std::string(200, 'x') + " ext4 defaults\n");
    EXPECT_EQ(set.units.size(), 4u);
    ASSERT_EQ(set.diagnostics.size(), 1u);
    EXPECT_THAT(set.diagnostics[0].to_string(), HasSubstr("/etc/fstab:1"));
}

}  // namespace
}  // namespace fastinit

namespace fastinit {
namespace {

TEST(FstabUnits, DeviceTimeoutOptionSetsTheWait) {
    FstabParse parsed = parse_fstab(
        "LABEL=a /a ext4 x-systemd.device-timeout=5 0 2\n"
        "LABEL=b /b ext4 nofail,x-systemd.device-timeout=1min 0 0\n"
        "LABEL=c /c ext4 x-systemd.device-timeout=soon 0 0\n"
        "LABEL=d /d ext4 x-systemd.device-timeout=0 0 0\n",
        "/etc/fstab");
    std::vector<std::string> warnings;
    for (const auto& d : parsed.diagnostics)
        warnings.push_back(d.to_string());
    ASSERT_EQ(warnings.size(), 2u) << ::testing::PrintToString(warnings);
    EXPECT_THAT(warnings[0], HasSubstr("/etc/fstab:3"));
    EXPECT_THAT(warnings[0], HasSubstr("\"x-systemd.device-timeout=soon\" is not a duration"));
    EXPECT_THAT(warnings[1], HasSubstr("/etc/fstab:4"));
    UnitSet set = target_set();
    add_fstab_units(set, parsed.entries, {});
    EXPECT_EQ(unit(set, "mount-a").device_timeout, std::chrono::seconds(5));
    EXPECT_EQ(unit(set, "fsck-a").device_timeout, std::chrono::seconds(5));
    EXPECT_EQ(unit(set, "mount-b").device_timeout, std::chrono::minutes(1));
    EXPECT_EQ(unit(set, "mount-c").device_timeout, std::chrono::seconds(90));
    EXPECT_EQ(unit(set, "mount-d").device_timeout, std::chrono::seconds(90));
}

}  // namespace
}  // namespace fastinit
