// device-cache: load ordering (make_load_plan) and parallel loading with a
// fake loader.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>

#include "device-cache/load_plan.h"
#include "device-cache/parallel_load.h"
#include "tests/unit/device_fakes.h"

namespace fastinit {
namespace {

using namespace fastinit::testing;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::vector<std::string> names(const LoadPlan& plan) {
    std::vector<std::string> out;
    for (const auto& module : plan.modules)
        out.push_back(module.spec.name);
    return out;
}

size_t index_of(const LoadPlan& plan, const std::string& name) {
    for (size_t i = 0; i < plan.modules.size(); ++i)
        if (plan.modules[i].spec.name == name)
            return i;
    return static_cast<size_t>(-1);
}

const ModuleLoadResult& result_of(const std::vector<ModuleLoadResult>& results,
                                  const std::string& name) {
    for (const auto& result : results)
        if (result.name == name)
            return result;
    static ModuleLoadResult none;
    ADD_FAILURE() << name << " has no result";
    return none;
}

// ---- make_load_plan -------------------------------------------------------

TEST(LoadPlan, PutsPrerequisitesFirstAndKeepsTheInputOrderOtherwise) {
    // ext4 is listed before what it needs, as a resolver may well do.
    LoadPlan plan = make_load_plan({spec("ext4", {dep("jbd2"), dep("mbcache"), dep("crc16")}),
                                    spec("virtio_blk", {dep("virtio")}), spec("jbd2"),
                                    spec("mbcache"), spec("crc16"), spec("virtio")});
    EXPECT_THAT(names(plan),
                ElementsAre("jbd2", "mbcache", "crc16", "ext4", "virtio", "virtio_blk"));
    EXPECT_THAT(plan.notes, IsEmpty());
    const auto& ext4 = plan.modules[index_of(plan, "ext4")];
    ASSERT_THAT(ext4.prerequisites, SizeIs(3));
    for (const PlanEdge& edge : ext4.prerequisites) {
        EXPECT_LT(edge.index, index_of(plan, "ext4"));
        EXPECT_TRUE(edge.hard);
    }
}

TEST(LoadPlan, IndependentModulesHaveNoEdgesBetweenThem) {
    LoadPlan plan = make_load_plan({spec("a"), spec("b"), spec("c", {dep("a")})});
    EXPECT_THAT(plan.modules[index_of(plan, "a")].prerequisites, IsEmpty());
    EXPECT_THAT(plan.modules[index_of(plan, "b")].prerequisites, IsEmpty());
    EXPECT_THAT(plan.modules[index_of(plan, "c")].prerequisites, SizeIs(1));
}

TEST(LoadPlan, IgnoresPrerequisitesOutsideTheSetAndDuplicates) {
    LoadPlan plan = make_load_plan({spec("a", {dep("builtin_thing")}), spec("a"), spec("b")});
    EXPECT_THAT(names(plan), ElementsAre("a", "b"));
    EXPECT_THAT(plan.modules[0].prerequisites, IsEmpty());
}

TEST(LoadPlan, SoftPostEdgesOrderTheDependentAfter) {
    // "softdep x post: y" is recorded on y as {x, soft_post}.
    LoadPlan plan = make_load_plan({spec("y", {{"x", PrerequisiteKind::soft_post}}), spec("x")});
    EXPECT_THAT(names(plan), ElementsAre("x", "y"));
    EXPECT_FALSE(plan.modules[1].prerequisites.at(0).hard);
}

TEST(LoadPlan, BreaksASoftDependencyCycleAndSaysSo) {
    LoadPlan plan = make_load_plan({spec("a", {pre("b")}), spec("b", {dep("c")}),
                                    spec("c", {pre("a")}), spec("d", {dep("a")})});
    ASSERT_THAT(plan.modules, SizeIs(4));
    ASSERT_THAT(plan.notes, SizeIs(1));
    EXPECT_THAT(plan.notes[0], HasSubstr("dependency cycle"));
    // The hard edge survives; every kept edge points backwards.
    EXPECT_LT(index_of(plan, "c"), index_of(plan, "b"));
    EXPECT_LT(index_of(plan, "a"), index_of(plan, "d"));
    for (size_t i = 0; i < plan.modules.size(); ++i)
        for (const PlanEdge& edge : plan.modules[i].prerequisites)
            EXPECT_LT(edge.index, i);
}

TEST(LoadPlan, EvenAHardCycleEndsInAPlan) {
    LoadPlan plan = make_load_plan({spec("a", {dep("b")}), spec("b", {dep("a")})});
    EXPECT_THAT(plan.modules, SizeIs(2));
    EXPECT_THAT(plan.notes, SizeIs(1));
}

// ---- load_in_parallel -----------------------------------------------------

TEST(ParallelLoad, LoadsEveryModuleAfterItsPrerequisites) {
    LoadPlan plan = make_load_plan(
        {spec("ext4", {dep("jbd2"), dep("mbcache"), dep("crc16"), pre("crc32c_intel")}),
         spec("jbd2", {pre("crc32c_intel")}), spec("mbcache"), spec("crc16"), spec("crc32c_intel"),
         spec("virtio"), spec("virtio_blk", {dep("virtio")}),
         spec("virtio_net", {dep("virtio"), dep("net_failover")}),
         spec("net_failover", {dep("failover")}), spec("failover")});
    FakeLoader loader;
    loader.delay = std::chrono::milliseconds(2);
    auto results = load_in_parallel(plan, loader, {4});

    ASSERT_THAT(results, SizeIs(plan.modules.size()));
    ASSERT_THAT(loader.loaded(), SizeIs(plan.modules.size()));
    for (const auto& planned : plan.modules)
        for (const Prerequisite& p : planned.spec.after)
            EXPECT_LT(loader.position(p.module), loader.position(planned.spec.name))
                << p.module << " before " << planned.spec.name;
    for (size_t i = 0; i < results.size(); ++i) {
        EXPECT_EQ(results[i].name, plan.modules[i].spec.name);
        EXPECT_EQ(results[i].status, LoadStatus::loaded);
        EXPECT_GE(results[i].duration.count(), 1000) << "each fake load sleeps 2ms";
    }
}

TEST(ParallelLoad, RunsIndependentModulesAtTheSameTime) {
    // Each load waits until the other one has started too: this only
    // finishes quickly if both run at once.
    LoadPlan plan = make_load_plan({spec("a"), spec("b")});
    FakeLoader loader;
    std::mutex mutex;
    std::condition_variable changed;
    int started = 0;
    bool overlapped = true;
    loader.on_load = [&](const std::string&) {
        std::unique_lock lock(mutex);
        ++started;
        changed.notify_all();
        if (!changed.wait_for(lock, std::chrono::seconds(5), [&] { return started == 2; }))
            overlapped = false;
    };
    load_in_parallel(plan, loader, {2});
    EXPECT_TRUE(overlapped);
    EXPECT_EQ(loader.max_concurrent.load(), 2);
}

TEST(ParallelLoad, AFailedModuleSkipsItsDependentsOnly) {
    LoadPlan plan = make_load_plan({spec("virtio"), spec("virtio_ring"),
                                    spec("virtio_blk", {dep("virtio"), dep("virtio_ring")}),
                                    spec("dm_crypt", {dep("virtio_blk")}), spec("e1000e"),
                                    spec("soft_user", {pre("virtio_blk")})});
    FakeLoader loader;
    loader.failures["virtio_blk"] = ENOEXEC;
    auto results = load_in_parallel(plan, loader);

    EXPECT_EQ(result_of(results, "virtio").status, LoadStatus::loaded);
    EXPECT_EQ(result_of(results, "virtio_ring").status, LoadStatus::loaded);
    EXPECT_EQ(result_of(results, "e1000e").status, LoadStatus::loaded);
    const auto& failed = result_of(results, "virtio_blk");
    EXPECT_EQ(failed.status, LoadStatus::failed);
    EXPECT_EQ(failed.errno_value, ENOEXEC);
    const auto& skipped = result_of(results, "dm_crypt");
    EXPECT_EQ(skipped.status, LoadStatus::skipped);
    EXPECT_THAT(skipped.reason, HasSubstr("virtio_blk"));
    // A soft dependency that failed does not stop the module.
    EXPECT_EQ(result_of(results, "soft_user").status, LoadStatus::loaded);
    EXPECT_THAT(loader.loaded(), ::testing::Not(::testing::Contains("dm_crypt")));
}

TEST(ParallelLoad, SkippingPropagatesDownTheChain) {
    LoadPlan plan = make_load_plan({spec("a"), spec("b", {dep("a")}), spec("c", {dep("b")})});
    FakeLoader loader;
    loader.failures["a"] = ENOENT;
    auto results = load_in_parallel(plan, loader);
    EXPECT_EQ(result_of(results, "b").status, LoadStatus::skipped);
    EXPECT_EQ(result_of(results, "c").status, LoadStatus::skipped);
    EXPECT_THAT(result_of(results, "c").reason, HasSubstr("was skipped"));
    EXPECT_THAT(loader.loaded(), ElementsAre("a"));
}

TEST(ParallelLoad, ModulesAlreadyPresentCountAsLoaded) {
    class PresentLoader : public ModuleLoader {
      public:
        LoadAttempt load(const ModuleSpec& module) override {
            if (module.name == "virtio")
                return {LoadStatus::present, 0, ""};
            return {LoadStatus::loaded, 0, ""};
        }
    } loader;
    LoadPlan plan = make_load_plan({spec("virtio"), spec("virtio_blk", {dep("virtio")})});
    auto results = load_in_parallel(plan, loader);
    EXPECT_EQ(result_of(results, "virtio").status, LoadStatus::present);
    EXPECT_EQ(result_of(results, "virtio_blk").status, LoadStatus::loaded);
}

TEST(ParallelLoad, AnEmptyPlanLoadsNothing) {
    FakeLoader loader;
    EXPECT_THAT(load_in_parallel(LoadPlan{}, loader), IsEmpty());
}

TEST(ParallelLoad, ManyModulesInADeepAndWideGraph) {
    // 200 modules: each depends on up to three earlier ones.
    std::vector<ModuleSpec> specs;
    for (int i = 0; i < 200; ++i) {
        std::vector<Prerequisite> after;
        for (int d : {i / 2, i / 3, i - 7})
            if (d >= 0 && d < i)
                after.push_back(dep("m" + std::to_string(d)));
        specs.push_back(spec("m" + std::to_string(i), after));
    }
    std::reverse(specs.begin(), specs.end());
    LoadPlan plan = make_load_plan(specs);
    FakeLoader loader;
    loader.failures["m50"] = EIO;
    auto results = load_in_parallel(plan, loader);
    int skipped = 0;
    for (const auto& planned : plan.modules) {
        for (const Prerequisite& p : planned.spec.after) {
            size_t before = loader.position(p.module), after = loader.position(planned.spec.name);
            if (after != static_cast<size_t>(-1)) {
                EXPECT_LT(before, after);
            }
        }
    }
    for (const auto& result : results)
        skipped += result.status == LoadStatus::skipped;
    EXPECT_GT(skipped, 0);
    EXPECT_EQ(loader.loaded().size() + static_cast<size_t>(skipped), plan.modules.size());
}

}  // namespace
}  // namespace fastinit
