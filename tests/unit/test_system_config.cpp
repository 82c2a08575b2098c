// /etc/fastinit/system.toml: the journal's size, and bad input named by
// file, line and key while the rest applies.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace fastinit
