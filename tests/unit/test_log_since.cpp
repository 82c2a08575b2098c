// `fastinit logs --since T` and `--boot B`: the words they accept.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "cli/log_since.h"

namespace fastinit {
namespace {

constexpr int64_t kSecond = 1000000;
// 2026-12-06 12:00:00 UTC.
constexpr int64_t kNow = 1796558400LL * kSecond;

class SinceTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("TZ", "UTC", 1);
        ::tzset();
    }
};

TEST_F(SinceTest, RelativeDurationsCountBackFromNow) {
    EXPECT_EQ(*parse_since("-5min", kNow), kNow - 300 * kSecond);
    EXPECT_EQ(*parse_since("-1h 30min", kNow), kNow - 5400 * kSecond);
    EXPECT_EQ(*parse_since("-90", kNow), kNow - 90 * kSecond);
    EXPECT_EQ(*parse_since("now", kNow), kNow);
}

TEST_F(SinceTest, DatesAndTimesAreLocal) {
    EXPECT_EQ(*parse_since("2026-12-06", kNow), kNow - 12 * 3600 * kSecond);
    EXPECT_EQ(*parse_since("2026-12-06 12:00", kNow), kNow);
    EXPECT_EQ(*parse_since("2026-12-06T11:59:30", kNow), kNow - 30 * kSecond);
    EXPECT_EQ(*parse_since("@1796558400", kNow), kNow);
    ::setenv("TZ", "CET-1", 1);
    ::tzset();
    EXPECT_EQ(*parse_since("2026-12-06 13:00", kNow), kNow);
}

TEST_F(SinceTest, AnythingElseIsAnErrorSayingWhatWouldDo) {
    for (const char* bad : {"", "-", "-5 parsecs", "yesterday", "2026-13-01", "2026-02-31",
                            "2026-12-06 24:00", "2026-12-06 12", "2026-12-06 12:00:00:00",
                            "2026/12/06", "@", "@-5", "@12x", "@99999999999999999999"}) {
        auto parsed = parse_since(bad, kNow);
        EXPECT_FALSE(parsed) << bad;
    }
    EXPECT_NE(parse_since("yesterday", kNow).error().message.find("-DURATION"), std::string::npos);
}

TEST(BootOffset, PrevAndNegativeNumbers) {
    EXPECT_EQ(*parse_boot_offset("PREV"), 1u);
    EXPECT_EQ(*parse_boot_offset("-1"), 1u);
    EXPECT_EQ(*parse_boot_offset("-3"), 3u);
    EXPECT_EQ(*parse_boot_offset("0"), 0u);
    for (const char* bad : {"", "prev", "1", "-0", "-01", "--1", "-1x", "-99999999999999999999"})
        EXPECT_FALSE(parse_boot_offset(bad)) << bad;
}

}  // namespace
}  // namespace fastinit
