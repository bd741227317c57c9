#include "nsperf/core/statistics.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace core = nsperf::core;

TEST(Statistics, MedianOfOddAndEvenCounts) {
  EXPECT_DOUBLE_EQ(core::median(std::vector<double>{3, 1, 2}), 2.0);
  EXPECT_DOUBLE_EQ(core::median(std::vector<double>{4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(core::median(std::vector<double>{7}), 7.0);
}

TEST(Statistics, MadIsUnscaledMedianOfDeviations) {
  // deviations from median 3: 2,1,0,1,97 -> median 1
  EXPECT_DOUBLE_EQ(core::mad(std::vector<double>{1, 2, 3, 4, 100}), 1.0);
}

TEST(Statistics, MeanStddevMinMax) {
  const std::vector<double> v{2, 4, 4, 4, 5, 5, 7, 9};
  EXPECT_DOUBLE_EQ(core::mean(v), 5.0);
  EXPECT_NEAR(core::stddev(v), 2.13808993529939, 1e-12);  // sample (n-1) standard deviation
  EXPECT_DOUBLE_EQ(core::min(v), 2.0);
  EXPECT_DOUBLE_EQ(core::max(v), 9.0);
  EXPECT_DOUBLE_EQ(core::stddev(std::vector<double>{5}), 0.0);
}

TEST(Statistics, EmptyInputIsAnError) {
  const std::vector<double> none;
  EXPECT_THROW(core::median(none), std::invalid_argument);
  EXPECT_THROW(core::median_ci(none), std::invalid_argument);
  EXPECT_THROW(core::summarize(none), std::invalid_argument);
}

TEST(Statistics, MedianCiUsesBinomialOrderStatistics) {
  // n = 10: [x(2), x(9)] (1-based) covers with 1 - 2*11/1024 = 0.978515625; the next pair
  // inwards only 0.890625 < 0.95.
  std::vector<double> v{10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
  const auto ci = core::median_ci(v);
  EXPECT_DOUBLE_EQ(ci.low, 2.0);
  EXPECT_DOUBLE_EQ(ci.high, 9.0);
  EXPECT_NEAR(ci.level, 0.978515625, 1e-12);
}

TEST(Statistics, MedianCiWithTooFewValuesReportsActualCoverage) {
  const auto ci = core::median_ci(std::vector<double>{1, 2, 3, 4, 5});
  EXPECT_DOUBLE_EQ(ci.low, 1.0);
  EXPECT_DOUBLE_EQ(ci.high, 5.0);
  EXPECT_NEAR(ci.level, 1.0 - 2.0 / 32.0, 1e-12);
  EXPECT_LT(ci.level, 0.95);
}

TEST(Statistics, MedianCiNarrowsWithMoreValuesAndContainsMedian) {
  std::vector<double> v;
  for (int i = 0; i < 1001; ++i) v.push_back(i);
  const auto ci = core::median_ci(v);
  EXPECT_LE(ci.low, 500.0);
  EXPECT_GE(ci.high, 500.0);
  EXPECT_GE(ci.level, 0.95);
  EXPECT_LT(ci.high - ci.low, 80.0);  // about 2 * 1.96 * sqrt(n)/2 = 62 ranks wide
}

TEST(Statistics, SummarizeAgreesWithTheParts) {
  const std::vector<double> v{0.5, 0.25, 0.75, 1.0, 0.125, 0.3};
  const auto s = core::summarize(v);
  EXPECT_EQ(s.count, v.size());
  EXPECT_DOUBLE_EQ(s.median, core::median(v));
  EXPECT_DOUBLE_EQ(s.mad, core::mad(v));
  EXPECT_DOUBLE_EQ(s.mean, core::mean(v));
  EXPECT_DOUBLE_EQ(s.stddev, core::stddev(v));
  EXPECT_DOUBLE_EQ(s.min, 0.125);
  EXPECT_DOUBLE_EQ(s.max, 1.0);
}
