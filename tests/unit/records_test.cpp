#include "nsperf/core/records.hpp"

#include <gtest/gtest.h>

#include <tuple>

namespace core = nsperf::core;

namespace {

core::Sample sample(const char* strategy, int rank, int rep, double start, double end,
                    core::CheckStatus check = core::CheckStatus::passed) {
  core::Sample s;
  s.optimizer = "cpu";
  s.strategy = strategy;
  s.kernel = "k";
  s.image = {{100, 10}, core::DType::u8};
  s.rank = rank;
  s.repetition = rep;
  s.start_s = start;
  s.end_s = end;
  s.seconds = end - start;
  s.pixels = 500;
  s.bytes = 4000;
  s.check = check;
  s.max_abs_error = 0.001 * (rank + 1);
  s.tolerance = 0.01;
  return s;
}

const std::vector<core::Baseline> kBaselines{{"cpu", "base", ""}};

}  // namespace

TEST(Records, ARepetitionRunsFromTheEarliestStartToTheLatestEnd) {
  std::vector<core::Sample> s;
  for (int rep = 0; rep < 3; ++rep) {
    const double t = 10.0 * rep;
    s.push_back(sample("base", 0, rep, t + 0.0, t + 1.0));
    s.push_back(sample("base", 1, rep, t + 0.5, t + 2.0 + rep));  // starts late, ends last
    s.push_back(sample("fast", 0, rep, t + 5.0, t + 5.25));
    s.push_back(sample("fast", 1, rep, t + 5.0, t + 5.5));
  }
  const auto out = core::summarize_samples(s, kBaselines, 40.0);
  ASSERT_EQ(out.rows.size(), 2u);
  const auto& base = out.rows[0];
  EXPECT_EQ(base.strategy, "base");
  EXPECT_DOUBLE_EQ(base.seconds.median, 3.0);  // makespans 2, 3, 4
  EXPECT_EQ(base.seconds.count, 3u);
  EXPECT_EQ(base.ranks, 2);
  EXPECT_EQ(base.pixels, 1000);  // per repetition, both ranks
  EXPECT_DOUBLE_EQ(base.speedup, 1.0);
  const auto& fast = out.rows[1];
  EXPECT_DOUBLE_EQ(fast.seconds.median, 0.5);
  EXPECT_DOUBLE_EQ(fast.speedup, 6.0);  // paired rounds: 2/0.5, 3/0.5, 4/0.5 -> median 6
  EXPECT_DOUBLE_EQ(fast.speedup_ci.low, 4.0);
  EXPECT_DOUBLE_EQ(fast.speedup_ci.high, 8.0);
  EXPECT_DOUBLE_EQ(fast.mpixel_per_s, 1000 / 0.5 / 1e6);
  EXPECT_DOUBLE_EQ(fast.bandwidth_fraction, 8000 / 0.5 / 1e9 / 40.0);
  EXPECT_DOUBLE_EQ(fast.max_abs_error, 0.002);
  ASSERT_EQ(out.repetitions.size(), 6u);
  EXPECT_EQ(out.repetitions[2].repetition, 2);
  EXPECT_DOUBLE_EQ(out.repetitions[2].makespan_s, 4.0);
  EXPECT_EQ(out.repetitions[2].slowest_rank, 1);
  EXPECT_DOUBLE_EQ(out.repetitions[3].speedup, 4.0);
}

TEST(Records, WithoutTimestampsTheSlowestRankCounts) {
  core::Sample a = sample("base", 0, 0, 0, 0);
  a.seconds = 2.0;
  core::Sample b = sample("base", 1, 0, 0, 0);
  b.seconds = 3.0;
  const std::vector<core::Sample> s{a, b};
  EXPECT_DOUBLE_EQ(core::summarize_samples(s, kBaselines).rows[0].seconds.median, 3.0);
}

TEST(Records, OutliersAreFlaggedByMad) {
  std::vector<core::Sample> s;
  const double times[] = {1.0, 1.01, 0.99, 1.02, 0.98, 1.0, 5.0};
  for (int rep = 0; rep < 7; ++rep)
    s.push_back(sample("base", 0, rep, 10.0 * rep, 10.0 * rep + times[rep]));
  const auto out = core::summarize_samples(s, kBaselines);
  EXPECT_EQ(out.rows[0].outliers, 1);
  for (const auto& r : out.repetitions) EXPECT_EQ(r.outlier, r.repetition == 6) << r.repetition;
  EXPECT_TRUE(core::mad_outliers(std::vector<double>{2, 2, 2, 2}).empty())
      << "no spread, no outliers";
}

TEST(Records, AKernelWithABaselineOfItsOwnIsPairedWithIt) {
  // Inserts against "slow", queries against "scan": the optimizer's baseline does not run them.
  std::vector<core::Sample> s;
  for (int rep = 0; rep < 3; ++rep) {
    const double t = 10.0 * rep;
    for (auto [strategy, kernel, seconds] :
         {std::tuple{"slow", "insert", 4.0}, std::tuple{"fast", "insert", 1.0},
          std::tuple{"scan", "query", 3.0}, std::tuple{"index", "query", 0.5}}) {
      auto x = sample(strategy, 0, rep, t, t + seconds);
      x.kernel = kernel;
      s.push_back(x);
    }
  }
  const std::vector<core::Baseline> baselines{{"cpu", "slow", ""}, {"cpu", "scan", "query"}};
  EXPECT_EQ(core::baseline_of(baselines, "cpu", "query")->strategy, "scan");
  EXPECT_EQ(core::baseline_of(baselines, "cpu", "insert")->strategy, "slow");
  EXPECT_EQ(core::baseline_of(baselines, "io", "insert"), nullptr);
  const auto out = core::summarize_samples(s, baselines);
  ASSERT_EQ(out.rows.size(), 4u);
  for (const auto& r : out.rows) {
    const double want = r.strategy == std::string("fast")    ? 4.0
                        : r.strategy == std::string("index") ? 6.0
                                                             : 1.0;
    EXPECT_DOUBLE_EQ(r.speedup, want) << r.strategy;
  }
}

TEST(Records, OneFailedSampleFailsTheStrategyAndNoBaselineMeansNoSpeedup) {
  std::vector<core::Sample> s{sample("a", 0, 0, 0, 1),
                              sample("a", 1, 0, 0, 1, core::CheckStatus::failed),
                              sample("a", 0, 1, 2, 3, core::CheckStatus::not_checked)};
  const auto out = core::summarize_samples(s, {});
  ASSERT_EQ(out.rows.size(), 1u);
  EXPECT_EQ(out.rows[0].check, core::CheckStatus::failed);
  EXPECT_DOUBLE_EQ(out.rows[0].speedup, 0.0);
  EXPECT_DOUBLE_EQ(out.rows[0].bandwidth_fraction, 0.0);
}
