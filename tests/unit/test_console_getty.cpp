// Gettys for the kernel's consoles: /sys/class/tty/console/active read as
// hostile text (console_terminals) and multi-user wanting getty@ for each
// (want_console_gettys).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "initd/unit/console_getty.h"
#include "initd/unit/unit_parser.h"

namespace fastinit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char* kPath = "/sys/class/tty/console/active";

TEST(ConsoleTerminals, SplitsTheKernelsListAndMapsTty0ToTty1) {
    std::vector<Diagnostic> warnings;
    EXPECT_THAT(console_terminals("tty0 ttyS0\n", kPath, warnings), ElementsAre("tty1", "ttyS0"));
    EXPECT_THAT(console_terminals("ttyS0 ttyS0 hvc0", kPath, warnings),
                ElementsAre("ttyS0", "hvc0"));
    EXPECT_THAT(console_terminals("", kPath, warnings), IsEmpty());
    EXPECT_THAT(warnings, IsEmpty());
}

TEST(ConsoleTerminals, HostileWordsAreLeftOutWithAWarning) {
    std::vector<Diagnostic> warnings;
    std::string text = "ttyS0 ../etc a/b .. " + std::string(200, 'x') + " bad\x01 ttyS1";
    EXPECT_THAT(console_terminals(text, kPath, warnings), ElementsAre("ttyS0", "ttyS1"));
    ASSERT_EQ(warnings.size(), 5u);
    EXPECT_THAT(
        warnings[0].to_string(),
        HasSubstr("/sys/class/tty/console/active: warning: console \"../etc\" gets no getty"));
    EXPECT_THAT(warnings[4].to_string(), HasSubstr("\"bad\\x01\""));
}

TEST(ConsoleTerminals, AtMostSixteen) {
    std::string text;
    for (int i = 0; i < 20; ++i)
        text += "ttyS" + std::to_string(i) + " ";
    std::vector<Diagnostic> warnings;
    EXPECT_EQ(console_terminals(text, kPath, warnings).size(), kMaxConsoles);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_THAT(warnings[0].message, HasSubstr("more than 16 consoles"));
}

UnitSet units_with(bool multi_user, bool getty) {
    UnitSet set;
    if (multi_user)
        set.units.emplace("multi-user", *parse_unit("multi-user", "m.toml", "").unit);
    if (getty)
        set.templates.emplace(
            "getty@",
            UnitTemplate{"getty@.toml", "[service]\nexec = [\"/sbin/agetty\", \"%I\"]\n"});
    return set;
}

TEST(WantConsoleGettys, MultiUserWantsEachOnceAndInstancesAreMade) {
    UnitSet set = units_with(true, true);
    EXPECT_THAT(want_console_gettys(set, {"tty1", "ttyS0"}),
                ElementsAre("getty@tty1", "getty@ttyS0"));
    EXPECT_THAT(want_console_gettys(set, {"ttyS0"}), IsEmpty());
    EXPECT_THAT(set.units.at("multi-user").wants, ElementsAre("getty@tty1", "getty@ttyS0"));
    instantiate_templates(set);
    ASSERT_TRUE(set.units.count("getty@ttyS0"));
    EXPECT_THAT(set.units.at("getty@ttyS0").service->exec, ElementsAre("/sbin/agetty", "ttyS0"));
}

TEST(WantConsoleGettys, NothingWithoutTheTargetOrTheTemplate) {
    UnitSet no_target = units_with(false, true);
    EXPECT_THAT(want_console_gettys(no_target, {"ttyS0"}), IsEmpty());
    UnitSet no_template = units_with(true, false);
    EXPECT_THAT(want_console_gettys(no_template, {"ttyS0"}), IsEmpty());
    EXPECT_THAT(no_template.units.at("multi-user").wants, IsEmpty());
}

}  // namespace
}  // namespace fastinit
