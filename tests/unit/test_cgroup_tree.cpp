// The cgroup tree against a temporary directory laid out like cgroupfs:
// names, discovery from /proc texts, limits, populated, kill, the manager's
// move into init.scope.
#include <gtest/gtest.h>

#include <signal.h>

#include <fstream>
#include <sstream>

#include "initd/run/cgroup_tree.h"
#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(CgroupNames, AServiceCgroupIsTheUnitNameWithServiceAppended) {
    EXPECT_EQ(service_cgroup_name("sshd"), "sshd.service");
    EXPECT_EQ(service_cgroup_name("getty@ttyS0"), "getty@ttyS0.service");
    CgroupTree tree("/sys/fs/cgroup");
    EXPECT_EQ(tree.path_of("cron"), "/sys/fs/cgroup/cron.service");
}

TEST(CgroupDiscovery, TheCgroup2MountFromMountinfo) {
    std::string mountinfo =
        "22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw\n"
        "30 22 0:26 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755\n"
        "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
        "32 30 0:28 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n";
    EXPECT_EQ(cgroup2_mount_point(mountinfo), "/sys/fs/cgroup/unified");
    EXPECT_EQ(cgroup2_mount_point("40 1 0:5 / /a\\040b rw - cgroup2 none rw\n"), "/a b");
    EXPECT_EQ(cgroup2_mount_point("22 1 0:21 / /sys rw - sysfs sysfs rw\n"), std::nullopt);
    EXPECT_EQ(cgroup2_mount_point(""), std::nullopt);
}

TEST(CgroupDiscovery, TheOwnCgroupFromTheZeroLine) {
    EXPECT_EQ(unified_cgroup_path("12:pids:/x\n1:name=systemd:/y\n0::/test/fi-1\n"), "/test/fi-1");
    EXPECT_EQ(unified_cgroup_path("0::/\n"), "/");
    EXPECT_EQ(unified_cgroup_path("12:pids:/\n"), std::nullopt);
}

struct FakeCgroupFs : ::testing::Test {
    TempTree fs;
    std::vector<std::pair<pid_t, int>> signalled;
    CgroupTree tree{fs.root().string(),
                    [this](pid_t pid, int signal) { signalled.emplace_back(pid, signal); }};
};

TEST_F(FakeCgroupFs, PrepareMakesTheDirectoryAndWritesTheLimits) {
    // cgroupfs makes these files with the directory; here they are made
    // first, as the kernel would, by creating the directory's files ahead.
    fs.write("d.service/memory.max", "max\n");
    fs.write("d.service/pids.max", "max\n");
    CgroupLimits limits{"536870912", "64", "200"};
    auto warnings = tree.prepare("d", limits);
    ASSERT_TRUE(warnings.ok()) << warnings.error().message;
    EXPECT_EQ(slurp(fs.path("d.service/memory.max")), "536870912");
    EXPECT_EQ(slurp(fs.path("d.service/pids.max")), "64");
    ASSERT_EQ(warnings->size(), 1u) << "cpu.weight is missing: no cpu controller";
    EXPECT_NE((*warnings)[0].find("d: cpu_weight not applied"), std::string::npos)
        << (*warnings)[0];
}

TEST_F(FakeCgroupFs, PrepareWithoutLimitsWarnsOfNothing) {
    auto warnings = tree.prepare("d", {});
    ASSERT_TRUE(warnings.ok());
    EXPECT_TRUE(warnings->empty());
    EXPECT_TRUE(std::filesystem::is_directory(fs.path("d.service")));
}

TEST_F(FakeCgroupFs, PrepareFailsClearlyWhenTheRootIsMissing) {
    CgroupTree missing(fs.path("nope").string());
    auto made = missing.prepare("d", {});
    ASSERT_FALSE(made.ok());
    EXPECT_NE(made.error().message.find("nope/d.service"), std::string::npos);
}

TEST_F(FakeCgroupFs, PopulatedReadsCgroupEvents) {
    EXPECT_FALSE(tree.populated("d")) << "no cgroup: empty";
    fs.write("d.service/cgroup.events", "populated 1\nfrozen 0\n");
    EXPECT_TRUE(tree.populated("d"));
    fs.write("d.service/cgroup.events", "populated 0\nfrozen 0\n");
    EXPECT_FALSE(tree.populated("d"));
}

TEST_F(FakeCgroupFs, KillUsesCgroupKillWhenThere) {
    fs.write("d.service/cgroup.kill", "");
    fs.write("d.service/cgroup.procs", "700\n701\n");
    tree.kill_all("d", SIGKILL);
    EXPECT_EQ(slurp(fs.path("d.service/cgroup.kill")), "1");
    EXPECT_TRUE(signalled.empty());
}

TEST_F(FakeCgroupFs, WithoutCgroupKillEveryPidIsSignalledButNeverPid1) {
    fs.write("d.service/cgroup.procs", "700\n1\n701\ngarbage\n");
    tree.kill_all("d", SIGKILL);
    EXPECT_EQ(signalled, (std::vector<std::pair<pid_t, int>>{{700, SIGKILL}, {701, SIGKILL}}));
    signalled.clear();
    fs.write("d.service/cgroup.kill", "");
    tree.kill_all("d", SIGTERM);  // only SIGKILL has a cgroup.kill
    EXPECT_EQ(signalled, (std::vector<std::pair<pid_t, int>>{{700, SIGTERM}, {701, SIGTERM}}));
}

TEST_F(FakeCgroupFs, AdoptManagerMovesItAndEnablesTheControllers) {
    fs.write("init.scope/cgroup.procs", "");
    fs.write("cgroup.controllers", "cpu memory pids\n");
    fs.write("cgroup.subtree_control", "");
    auto problems = tree.adopt_manager(1);
    ASSERT_TRUE(problems.ok()) << problems.error().message;
    EXPECT_TRUE(problems->empty());
    EXPECT_EQ(slurp(fs.path("init.scope/cgroup.procs")), "1");
    // A file takes one write each; the fake keeps the last.
    EXPECT_EQ(slurp(fs.path("cgroup.subtree_control")), "+pids");
}

TEST_F(FakeCgroupFs, RemoveDeletesAnEmptyCgroup) {
    ASSERT_TRUE(tree.prepare("d", {}).ok());
    tree.remove("d");
    EXPECT_FALSE(std::filesystem::exists(fs.path("d.service")));
}

}  // namespace
}  // namespace fastinit
