#include "nsperf/core/schedule.hpp"

#include <gtest/gtest.h>

#include <map>

namespace core = nsperf::core;

TEST(Schedule, WarmupThenShuffledRoundsWithEveryStrategyOnce) {
  const auto steps = core::measurement_schedule(3, 2, 10, 42);
  ASSERT_EQ(steps.size(), 3u * 12u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_FALSE(steps[i].measured());
    EXPECT_EQ(steps[i].strategy, static_cast<int>(i % 3));
  }
  std::map<int, std::map<int, int>> count;  // repetition -> strategy -> runs
  bool some_round_reordered = false;
  for (std::size_t i = 6; i < steps.size(); ++i) {
    EXPECT_TRUE(steps[i].measured());
    ++count[steps[i].repetition][steps[i].strategy];
    if (steps[i].strategy != static_cast<int>((i - 6) % 3)) some_round_reordered = true;
  }
  EXPECT_EQ(count.size(), 10u);
  for (const auto& [rep, per] : count) {
    EXPECT_EQ(per.size(), 3u);
    for (const auto& [s, n] : per) EXPECT_EQ(n, 1) << rep << " " << s;
  }
  EXPECT_TRUE(some_round_reordered);
}

TEST(Schedule, SameSeedSameScheduleOtherSeedOther) {
  const auto a = core::measurement_schedule(4, 0, 20, 7);
  const auto b = core::measurement_schedule(4, 0, 20, 7);
  const auto c = core::measurement_schedule(4, 0, 20, 8);
  bool differs = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].strategy, b[i].strategy);
    differs = differs || a[i].strategy != c[i].strategy;
  }
  EXPECT_TRUE(differs);
  EXPECT_TRUE(core::measurement_schedule(0, 2, 3, 1).empty());
}
