// /etc/fastinit/system.toml: the journal's size, and bad input named by
// file, line and key while the rest applies.
#include <gtest/gtest.h>

#include <algorithm>

#include "initd/unit/system_config.h"

namespace fastinit {
namespace {

TEST(SystemConfig, JournalSizeAsTextOrNumber) {
    EXPECT_EQ(parse_system_config("[journal]\nsize = \"4M\"\n", "s.toml").journal_size, 4u << 20);
    EXPECT_EQ(parse_system_config("[journal]\nsize = 65536\n", "s.toml").journal_size, 65536u);
    SystemConfig empty = parse_system_config("", "s.toml");
    EXPECT_FALSE(empty.journal_size);
    EXPECT_TRUE(empty.problems.empty());
}

TEST(SystemConfig, BadValuesAndKeysAreNamedAndTheRestApplies) {
    SystemConfig c =
        parse_system_config("[journal]\nsise = 1\nsize = \"lots\"\n[jurnal]\n", "/etc/s.toml");
    EXPECT_FALSE(c.journal_size);
    ASSERT_EQ(c.problems.size(), 3u);
    EXPECT_EQ(c.problems[0], "/etc/s.toml:2:1: journal.sise: unknown key (did you mean \"size\"?)");
    EXPECT_EQ(c.problems[1].rfind("/etc/s.toml:3:", 0), 0u) << c.problems[1];
    EXPECT_NE(c.problems[1].find("journal.size: expected a size"), std::string::npos);
    EXPECT_NE(c.problems[2].find("jurnal: unknown table (did you mean \"journal\"?)"),
              std::string::npos);

    SystemConfig negative = parse_system_config("[journal]\nsize = -5\n", "s.toml");
    EXPECT_FALSE(negative.journal_size);
    EXPECT_EQ(negative.problems.size(), 1u);
}

TEST(SystemConfig, HostileTextIsRefusedNotParsed) {
    EXPECT_EQ(parse_system_config("[journal\n", "s.toml").problems.size(), 1u);
    std::string dots = "a" + std::string(10000, '.') + "b = 1\n";
    EXPECT_EQ(parse_system_config(dots, "s.toml").problems.size(), 1u);
    EXPECT_EQ(parse_system_config(std::string(100000, '#'), "s.toml").problems.size(), 1u);
    EXPECT_EQ(parse_system_config("size = \"\xff\"\n", "s.toml").problems.size(), 1u);
}

TEST(SystemConfig, AMissingFileIsNoProblem) {
    SystemConfig c = read_system_config("/nonexistent/fastinit/system.toml");
    EXPECT_TRUE(c.problems.empty());
    EXPECT_FALSE(c.journal_size);
}

TEST(SystemConfig, Watchdog) {
    using namespace std::chrono_literals;
    SystemConfig c = parse_system_config(
        "[watchdog]\nruntime = \"30s\"\nreboot = \"10min\"\ndevice = \"/dev/watchdog1\"\n"
        "arm_at_poweroff = true\n",
        "s.toml");
    EXPECT_TRUE(c.problems.empty()) << c.problems.front();
    EXPECT_EQ(c.watchdog_runtime, std::chrono::microseconds(30s));
    EXPECT_EQ(c.watchdog_reboot, std::chrono::microseconds(10min));
    EXPECT_EQ(c.watchdog_device, "/dev/watchdog1");
    EXPECT_EQ(c.watchdog_arm_at_poweroff, true);
    SystemConfig none = parse_system_config("[watchdog]\n", "s.toml");
    EXPECT_FALSE(none.watchdog_runtime || none.watchdog_reboot || none.watchdog_device ||
                 none.watchdog_arm_at_poweroff);
}

TEST(SystemConfig, HostileWatchdogValuesAreProblemsAndOthersStillApply) {
    SystemConfig c = parse_system_config(
        "[watchdog]\nruntime = 30\nreboot = \"forever\"\ndevice = \"watchdog0\"\n"
        "arm_at_poweroff = \"yes\"\nrutnime = \"1s\"\n[journal]\nsize = \"1M\"\n",
        "/etc/s.toml");
    EXPECT_FALSE(c.watchdog_runtime || c.watchdog_reboot || c.watchdog_device ||
                 c.watchdog_arm_at_poweroff);
    // Each problem once, named by file, line and key (in the table's order).
    ASSERT_EQ(c.problems.size(), 5u);
    auto reported = [&](const std::string& text) {
        return std::count_if(c.problems.begin(), c.problems.end(), [&](const std::string& p) {
            return p.find(text) != std::string::npos;
        });
    };
    EXPECT_EQ(reported("/etc/s.toml:2:11: watchdog.runtime: expected a duration such as \"30s\""),
              1);
    EXPECT_EQ(reported(":3:10: watchdog.reboot: invalid duration \"forever\""), 1);
    EXPECT_EQ(reported(":4:10: watchdog.device: expected the absolute path"), 1);
    EXPECT_EQ(reported(":5:19: watchdog.arm_at_poweroff: expected true or false"), 1);
    EXPECT_EQ(reported(":6:1: watchdog.rutnime: unknown key (did you mean \"runtime\"?)"), 1);
    EXPECT_EQ(c.journal_size, 1u << 20);
    for (const char* device : {"\"/dev/wd\\n\"", "\"/dev/ wd\"", "\"\"", "1"})
        EXPECT_FALSE(parse_system_config(std::string("[watchdog]\ndevice = ") + device + "\n", "s")
                         .watchdog_device)
            << device;
}

}  // namespace
}  // namespace fastinit
