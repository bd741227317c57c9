#include "nsperf/core/records.hpp"

#include <gtest/gtest.h>

namespace core = nsperf::core;

namespace {

core::Sample sample(const char* strategy, int rank, int rep, double seconds,
                    core::CheckStatus check = core::CheckStatus::passed) {
  core::Sample s;
  s.optimizer = "cpu";
  s.strategy = strategy;
  s.kernel = "k";
  s.image = {{100, 10}, core::DType::u8};
  s.rank = rank;
  s.repetition = rep;
  s.seconds = seconds;
  s.pixels = 500;
  s.bytes = 4000;
  s.check = check;
  s.max_abs_error = 0.001 * (rank + 1);
  s.tolerance = 0.01;
  return s;
}

}  // namespace

TEST(Records, SummaryUsesTheSlowestRankPerRepetition) {
  std::vector<core::Sample> s;
  for (int rep = 0; rep < 3; ++rep) {
    s.push_back(sample("base", 0, rep, 1.0 + rep));
    s.push_back(sample("base", 1, rep, 2.0 + rep));  // the slow rank
    s.push_back(sample("fast", 1, rep, 0.5));
    s.push_back(sample("fast", 0, rep, 0.25));
  }
  const std::vector<std::pair<std::string, std::string>> baselines{{"cpu", "base"}};
  const auto rows = core::summarize_samples(s, baselines);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].strategy, "base");
  EXPECT_DOUBLE_EQ(rows[0].seconds.median, 3.0);  // makespans 2, 3, 4
  EXPECT_EQ(rows[0].seconds.count, 3u);
  EXPECT_EQ(rows[0].ranks, 2);
  EXPECT_EQ(rows[0].pixels, 1000);  // per repetition, both ranks
  EXPECT_DOUBLE_EQ(rows[0].speedup, 1.0);
  EXPECT_DOUBLE_EQ(rows[1].seconds.median, 0.5);
  EXPECT_DOUBLE_EQ(rows[1].speedup, 6.0);
  EXPECT_DOUBLE_EQ(rows[1].mpixel_per_s, 1000 / 0.5 / 1e6);
  EXPECT_DOUBLE_EQ(rows[1].max_abs_error, 0.002);
  EXPECT_EQ(rows[1].check, core::CheckStatus::passed);
}

TEST(Records, OneFailedSampleFailsTheStrategyAndNoBaselineMeansNoSpeedup) {
  std::vector<core::Sample> s{sample("a", 0, 0, 1.0),
                              sample("a", 1, 0, 1.0, core::CheckStatus::failed),
                              sample("a", 0, 1, 1.0, core::CheckStatus::not_checked)};
  const auto rows = core::summarize_samples(s, {});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].check, core::CheckStatus::failed);
  EXPECT_DOUBLE_EQ(rows[0].speedup, 0.0);
}
