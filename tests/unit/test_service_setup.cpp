// What the launcher prepares in the parent before a service's process
// exists: the attribute plan the child applies, and the service's
// directories (made and removed for real, in a temporary tree).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "base/unique_fd.h"
#include "initd/run/attribute_plan.h"
#include "initd/run/service_directories.h"
#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

using ::testing::HasSubstr;

TEST(AttributePlan, EmptyAttributesPlanNothing) {
    EXPECT_TRUE(plan_attributes(ProcessAttributes{}, 40).empty());
}

TEST(AttributePlan, CopiesValuesTheChildApplies) {
    ProcessAttributes a;
    a.limits.push_back({RLIMIT_NOFILE, 1024, 4096});
    a.umask = 027;
    a.nice = 7;
    a.cpu_affinity = {0, 3};
    a.oom_score_adj = -500;
    a.no_new_privileges = true;
    AttributePlan plan = plan_attributes(a, 40);
    ASSERT_EQ(plan.limit_count, 1u);
    EXPECT_EQ(plan.limits[0].resource, RLIMIT_NOFILE);
    EXPECT_EQ(plan.limits[0].value.rlim_cur, 1024u);
    EXPECT_EQ(plan.limits[0].value.rlim_max, 4096u);
    EXPECT_TRUE(plan.set_umask);
    EXPECT_EQ(plan.umask, 027u);
    EXPECT_TRUE(plan.set_nice);
    EXPECT_EQ(plan.nice, 7);
    EXPECT_TRUE(plan.set_affinity);
    EXPECT_EQ(CPU_COUNT(&plan.cpus), 2);
    EXPECT_TRUE(CPU_ISSET(3, &plan.cpus));
    EXPECT_EQ(std::string(plan.oom_score_adj, plan.oom_score_adj_length), "-500\n");
    EXPECT_TRUE(plan.no_new_privileges);
    EXPECT_FALSE(plan.set_io_priority);
    EXPECT_EQ(plan.bounding_drop_count, 0u);
}

TEST(AttributePlan, IoPriorityDefaultsLikeTheKernel) {
    ProcessAttributes a;
    a.io_class = IoClass::realtime;
    EXPECT_EQ(plan_attributes(a, 40).io_priority, (1 << 13) | 4);
    a.io_priority = 2;
    EXPECT_EQ(plan_attributes(a, 40).io_priority, (1 << 13) | 2);
    a.io_class = IoClass::idle;  // no levels
    EXPECT_EQ(plan_attributes(a, 40).io_priority, 3 << 13);
    ProcessAttributes only_priority;
    only_priority.io_priority = 1;
    EXPECT_EQ(plan_attributes(only_priority, 40).io_priority, (2 << 13) | 1);
}

TEST(AttributePlan, BoundingSetDropsEveryOtherCapabilityTheKernelHas) {
    ProcessAttributes a;
    a.capability_bounding_set = (uint64_t{1} << CAP_CHOWN) | (uint64_t{1} << CAP_KILL);
    AttributePlan plan = plan_attributes(a, 40);
    EXPECT_EQ(plan.bounding_drop_count, 39u);  // 0..40 but two
    for (size_t i = 0; i < plan.bounding_drop_count; ++i) {
        EXPECT_NE(plan.bounding_drops[i], CAP_CHOWN);
        EXPECT_NE(plan.bounding_drops[i], CAP_KILL);
        EXPECT_LE(plan.bounding_drops[i], 40);
    }
    a.capability_bounding_set = 0;
    EXPECT_EQ(plan_attributes(a, 40).bounding_drop_count, 41u);
}

TEST(AttributePlan, AmbientCapabilities) {
    ProcessAttributes a;
    a.ambient_capabilities = 0;
    EXPECT_FALSE(plan_attributes(a, 40).set_ambient);
    a.ambient_capabilities = uint64_t{1} << CAP_NET_BIND_SERVICE;
    AttributePlan plan = plan_attributes(a, 40);
    EXPECT_TRUE(plan.set_ambient);
    EXPECT_EQ(plan.ambient, uint64_t{1} << CAP_NET_BIND_SERVICE);
    // A capability the running kernel does not have (newer than its last)
    // is left out instead of failing the start.
    a.ambient_capabilities = (uint64_t{1} << CAP_NET_BIND_SERVICE) | (uint64_t{1} << 40);
    EXPECT_EQ(plan_attributes(a, 39).ambient, uint64_t{1} << CAP_NET_BIND_SERVICE);
    a.ambient_capabilities = uint64_t{1} << 40;
    EXPECT_FALSE(plan_attributes(a, 39).set_ambient);
}

TEST(AttributePlan, LastCapabilityIsReadOrKnown) {
    int last = read_last_capability();
    EXPECT_GE(last, 30);
    EXPECT_LT(last, 64);
}

struct Dirs : ::testing::Test {
    TempTree tree;
    DirectoryBases bases() {
        std::filesystem::create_directories(tree.path("run"));
        std::filesystem::create_directories(tree.path("lib"));
        std::filesystem::create_directories(tree.path("log"));
        return {tree.path("run"), tree.path("lib"), tree.path("log")};
    }
    struct stat status(const std::string& relative) {
        struct stat st = {};
        EXPECT_EQ(::lstat(tree.path(relative).c_str(), &st), 0) << relative;
        return st;
    }
};

TEST_F(Dirs, MakesEachDirectoryWithItsModeAndOwner) {
    ServiceDirectories d;
    d.runtime = {"svc"};
    d.state = {"svc/cache"};
    d.logs = {"svc"};
    d.runtime_mode = 0700;
    d.state_mode = 0750;
    uid_t uid = ::geteuid() == 0 ? 4321 : ::geteuid();
    gid_t gid = ::geteuid() == 0 ? 4322 : ::getegid();
    ASSERT_TRUE(make_service_directories(d, bases(), uid, gid).ok());
    EXPECT_EQ(status("run/svc").st_mode & 07777, 0700u);
    EXPECT_EQ(status("run/svc").st_uid, uid);
    EXPECT_EQ(status("run/svc").st_gid, gid);
    EXPECT_EQ(status("lib/svc/cache").st_mode & 07777, 0750u);
    EXPECT_EQ(status("lib/svc/cache").st_uid, uid);
    // A parent made on the way stays root's (the caller's) with 0755 less umask.
    EXPECT_EQ(status("lib/svc").st_uid, ::geteuid());
    EXPECT_EQ(status("log/svc").st_mode & 07777, 0755u);
    // Again, with the directories there: the mode is set again.
    ::chmod(tree.path("run/svc").c_str(), 0777);
    ASSERT_TRUE(make_service_directories(d, bases(), uid, gid).ok());
    EXPECT_EQ(status("run/svc").st_mode & 07777, 0700u);
    // The setgid bit survives the chown (files made in it get its group).
    d.runtime_mode = 02755;
    ASSERT_TRUE(make_service_directories(d, bases(), uid, gid).ok());
    EXPECT_EQ(status("run/svc").st_mode & 07777, 02755u);
}

TEST_F(Dirs, RefusesASymbolicLinkOnTheWay) {
    auto b = bases();
    tree.write("elsewhere/keep", "x");
    std::filesystem::create_directory_symlink(tree.path("elsewhere"), tree.path("run/svc"));
    ServiceDirectories d;
    d.runtime = {"svc"};
    auto made = make_service_directories(d, b, ::geteuid(), ::getegid());
    ASSERT_FALSE(made.ok());
    EXPECT_THAT(made.error().message, HasSubstr("run/svc"));
    d.runtime = {"svc/sub"};
    EXPECT_FALSE(make_service_directories(d, b, ::geteuid(), ::getegid()).ok());
    EXPECT_FALSE(std::filesystem::exists(tree.path("elsewhere/sub")));
}

TEST_F(Dirs, RemovesTheTreeButNotWhatLinksPointTo) {
    auto b = bases();
    ServiceDirectories d;
    d.runtime = {"svc", "other/deep"};
    ASSERT_TRUE(make_service_directories(d, b, ::geteuid(), ::getegid()).ok());
    tree.write("run/svc/a/b/file", "x");
    tree.write("outside/precious", "keep me");
    std::filesystem::create_directory_symlink(tree.path("outside"), tree.path("run/svc/a/link"));
    ASSERT_TRUE(remove_service_directories({"svc", "other/deep", "never-made"}, b.runtime).ok());
    EXPECT_FALSE(std::filesystem::exists(tree.path("run/svc")));
    EXPECT_FALSE(std::filesystem::exists(tree.path("run/other/deep")));
    EXPECT_TRUE(std::filesystem::exists(tree.path("run/other")));  // parents stay
    EXPECT_TRUE(std::filesystem::exists(tree.path("outside/precious")));
}

TEST_F(Dirs, RemovesALinkPlantedInItsPlaceNotItsTarget) {
    auto b = bases();
    tree.write("outside/precious", "keep me");
    std::filesystem::create_directory_symlink(tree.path("outside"), tree.path("run/svc"));
    ASSERT_TRUE(remove_service_directories({"svc"}, b.runtime).ok());
    EXPECT_FALSE(std::filesystem::is_symlink(tree.path("run/svc")));
    EXPECT_TRUE(std::filesystem::exists(tree.path("outside/precious")));
}

TEST_F(Dirs, AHugeTreeIsRemovedOnlyUpToABound) {
    // PID 1 removes it on its event loop: 100,000 entries at the most.
    auto b = bases();
    ServiceDirectories d;
    d.runtime = {"svc"};
    ASSERT_TRUE(make_service_directories(d, b, ::geteuid(), ::getegid()).ok());
    UniqueFd dir(::open(tree.path("run/svc").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(dir);
    for (int i = 0; i < 100005; ++i)
        ::close(
            ::openat(dir.get(), std::to_string(i).c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
    auto removed = remove_service_directories({"svc"}, b.runtime);
    ASSERT_FALSE(removed.ok());
    EXPECT_THAT(removed.error().message, HasSubstr("more than 100000 entries"));
    EXPECT_TRUE(std::filesystem::exists(tree.path("run/svc")));
    ASSERT_TRUE(remove_service_directories({"svc"}, b.runtime).ok()) << "the rest goes next time";
    EXPECT_FALSE(std::filesystem::exists(tree.path("run/svc")));
}

}  // namespace
}  // namespace fastinit
