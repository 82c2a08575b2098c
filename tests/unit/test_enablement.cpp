// `fastinit enable|disable` on a temporary root: which drop-ins are written
// and removed, what is printed, idempotence, instances and --wanted-by, and
// the effect on the loaded units (wanted_by as the boot would see it).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "cli/enablement.h"
#include "initd/unit/unit_loader.h"
#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class Enablement : public ::testing::Test {
  protected:
    Enablement() {
        tree.write("usr/lib/fastinit/units/cron.toml",
                   "[unit]\nwanted_by = [\"multi-user\"]\n[service]\nexec = [\"/bin/true\"]\n");
        tree.write("usr/lib/fastinit/units/tool.toml", "[service]\nexec = [\"/bin/true\"]\n");
        tree.write("usr/lib/fastinit/units/getty@.toml",
                   "[service]\nexec = [\"/sbin/agetty\", \"%I\"]\n");
        tree.write("usr/lib/fastinit/units/multi-user.toml", "[unit]\n");
    }
    EnableRequest request(std::string unit, std::vector<std::string> wanted_by = {}) {
        return {.root = tree.root().string(),
                .unit = std::move(unit),
                .wanted_by = std::move(wanted_by)};
    }
    std::string dropin(const std::string& unit, const char* file) {
        return tree.path("etc/fastinit/units/" + unit + ".toml.d/" + file).string();
    }
    UnitSet load() {
        return load_units({tree.path("etc/fastinit/units"), tree.path("usr/lib/fastinit/units")});
    }
    TempTree tree;
};

TEST_F(Enablement, DisableWritesADropInThatEmptiesWantedByAndIsIdempotent) {
    auto done = disable_unit(request("cron"));
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_THAT(*done, ElementsAre("Created " + dropin("cron", kDisabledDropIn) + "."));
    EXPECT_TRUE(load().units.at("cron").wanted_by.empty());
    auto again = disable_unit(request("cron"));
    ASSERT_TRUE(again);
    EXPECT_THAT(*again, IsEmpty());
}

TEST_F(Enablement, EnableUndoesDisableAndWritesNothingMoreForAUnitWithWantedBy) {
    ASSERT_TRUE(disable_unit(request("cron")));
    auto done = enable_unit(request("cron"));
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_THAT(*done, ElementsAre("Removed " + dropin("cron", kDisabledDropIn) + "."));
    EXPECT_FALSE(std::filesystem::exists(dropin("cron", kEnabledDropIn)));
    EXPECT_THAT(load().units.at("cron").wanted_by, ElementsAre("multi-user"));
    auto again = enable_unit(request("cron"));
    ASSERT_TRUE(again);
    EXPECT_THAT(*again, IsEmpty());
}

TEST_F(Enablement, EnableOfAUnitWithoutWantedByAddsTheDefaultOrTheGivenTarget) {
    auto done = enable_unit(request("tool"));
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_THAT(*done, ElementsAre("Created " + dropin("tool", kEnabledDropIn) + "."));
    EXPECT_THAT(load().units.at("tool").wanted_by, ElementsAre(kDefaultWantedBy));
    ASSERT_TRUE(enable_unit(request("tool", {"rescue", "graphical"})));
    EXPECT_THAT(load().units.at("tool").wanted_by, ElementsAre("rescue", "graphical"));
    // Disable takes the enable drop-in away as well.
    auto off = disable_unit(request("tool"));
    ASSERT_TRUE(off);
    EXPECT_THAT(*off, ElementsAre("Removed " + dropin("tool", kEnabledDropIn) + ".",
                                  "Created " + dropin("tool", kDisabledDropIn) + "."));
    EXPECT_TRUE(load().units.at("tool").wanted_by.empty());
}

TEST_F(Enablement, EnableOfAnInstanceMakesItExistWantedByMultiUser) {
    EXPECT_EQ(load().units.count("getty@ttyS1"), 0u);
    auto done = enable_unit(request("getty@ttyS1"));
    ASSERT_TRUE(done) << done.error().message;
    UnitSet set = load();
    ASSERT_EQ(set.units.count("getty@ttyS1"), 1u);
    EXPECT_THAT(set.units.at("getty@ttyS1").wanted_by, ElementsAre("multi-user"));
    EXPECT_THAT(set.units.at("getty@ttyS1").service->exec, ElementsAre("/sbin/agetty", "ttyS1"));
    auto again = enable_unit(request("getty@ttyS1"));
    ASSERT_TRUE(again);
    EXPECT_THAT(*again, IsEmpty());
}

TEST_F(Enablement, UnknownBrokenAndBadNamesAreRefusedWithoutWriting) {
    auto missing = enable_unit(request("nope"));
    ASSERT_FALSE(missing);
    EXPECT_THAT(missing.error().message, HasSubstr("no unit nope"));
    tree.write("usr/lib/fastinit/units/bad.toml", "[unit]\nbogus = 1\n");
    auto broken = enable_unit(request("bad"));
    ASSERT_FALSE(broken);
    EXPECT_THAT(broken.error().message, HasSubstr("broken"));
    for (const char* name : {"../x", "a/b", "getty@", ""})
        EXPECT_FALSE(disable_unit(request(name))) << name;
    EXPECT_FALSE(enable_unit(request("tool", {"../etc"})));
    EXPECT_FALSE(std::filesystem::exists(tree.path("etc/fastinit/units/tool.toml.d")));
    EXPECT_FALSE(std::filesystem::exists(tree.path("etc/x.toml.d")));
}

TEST_F(Enablement, AFailedEnableKeepsTheDisablingDropIn) {
    ASSERT_TRUE(disable_unit(request("cron")));
    // The unit file breaks after it was disabled: enable refuses and
    // changes nothing, so the unit stays out of the boot.
    tree.write("usr/lib/fastinit/units/cron.toml", "[unit]\nbogus = 1\n");
    auto refused = enable_unit(request("cron"));
    ASSERT_FALSE(refused);
    EXPECT_THAT(refused.error().message, HasSubstr("broken"));
    EXPECT_TRUE(std::filesystem::exists(dropin("cron", kDisabledDropIn)));
    // And an instance of no template at all.
    ASSERT_TRUE(disable_unit(request("ghost@x")));
    EXPECT_FALSE(enable_unit(request("ghost@x")));
    EXPECT_TRUE(std::filesystem::exists(dropin("ghost@x", kDisabledDropIn)));
}

}  // namespace
}  // namespace fastinit
