// RateLimit: the budget for log lines that any local process can trigger.
#include <gtest/gtest.h>

#include "base/rate_limit.h"

namespace fastinit {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RateLimit, AllowsTheBurstThenRefusesUntilTheIntervalHasPassed) {
    RateLimit limit(seconds(10), 3);
    RateLimit::TimePoint t0(seconds(5000));
    EXPECT_TRUE(limit.allow(t0));
    EXPECT_TRUE(limit.allow(t0 + milliseconds(1)));
    EXPECT_TRUE(limit.allow(t0 + milliseconds(2)));
    EXPECT_FALSE(limit.allow(t0 + milliseconds(3)));
    EXPECT_FALSE(limit.allow(t0 + seconds(9)));
    EXPECT_EQ(limit.take_suppressed(), 2u);
    EXPECT_EQ(limit.take_suppressed(), 0u) << "taking the count resets it";

    EXPECT_FALSE(limit.allow(t0 + seconds(9) + milliseconds(999)));
    EXPECT_TRUE(limit.allow(t0 + seconds(10)));
    EXPECT_EQ(limit.take_suppressed(), 1u);
}

TEST(RateLimit, AFloodCostsAtMostTheBurstPerInterval) {
    RateLimit limit(seconds(1), 5);
    RateLimit::TimePoint t0(seconds(1));
    int allowed = 0;
    // 100000 events over 10 seconds.
    for (int i = 0; i < 100000; ++i)
        allowed += limit.allow(t0 + std::chrono::microseconds(i * 100));
    EXPECT_LE(allowed, 5 * 11);
    EXPECT_GE(allowed, 5 * 10);
    EXPECT_EQ(limit.take_suppressed(), 100000u - static_cast<unsigned>(allowed));
}

TEST(RateLimit, ZeroBurstRefusesEverything) {
    RateLimit limit(seconds(1), 0);
    EXPECT_FALSE(limit.allow(RateLimit::TimePoint(seconds(1))));
    EXPECT_EQ(limit.take_suppressed(), 1u);
}

}  // namespace
}  // namespace fastinit
