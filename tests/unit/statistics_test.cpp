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

namespace nsperf::core {
namespace {

// Reference values from scipy.stats.mannwhitneyu(a, b, method="asymptotic") (scipy 1.10).
TEST(MannWhitney, MatchesScipysAsymptoticPValue) {
  const std::vector<double> a = {1.0, 2.1, 3.3, 4.2, 5.5, 6.1, 7.7, 8.2, 9.9};
  const std::vector<double> b = {2.5, 3.6, 4.8, 5.9, 7.1, 8.4, 9.5, 10.2, 11.8, 12.5};
  EXPECT_NEAR(mann_whitney_p(a, b), 0.15304188415882009, 1e-12);
  EXPECT_NEAR(mann_whitney_p(b, a), 0.15304188415882009, 1e-12);
  // With ties.
  const std::vector<double> c = {1, 1, 2, 2, 3, 3, 3, 4, 9};
  const std::vector<double> d = {2, 3, 3, 4, 4, 5, 5, 6, 6};
  EXPECT_NEAR(mann_whitney_p(c, d), 0.07265546135143545, 1e-12);
  // Identical samples: no evidence at all; all values equal: p = 1.
  EXPECT_NEAR(mann_whitney_p(a, a), 1.0, 1e-12);
  EXPECT_EQ(mann_whitney_p(std::vector<double>{2, 2}, std::vector<double>{2, 2, 2}), 1.0);
}

TEST(HodgesLehmann, EstimatesAShiftAndBracketsIt) {
  std::vector<double> base;
  for (int i = 0; i < 15; ++i) base.push_back(10.0 + 0.1 * ((i * 7) % 11));
  std::vector<double> next;
  for (double v : base) next.push_back(v + 2.0);
  const Shift s = hodges_lehmann(base, next);
  EXPECT_NEAR(s.estimate, 2.0, 1e-12);
  EXPECT_LE(s.ci.low, 2.0);
  EXPECT_GE(s.ci.high, 2.0);
  EXPECT_LT(s.ci.high - s.ci.low, 1.1);  // the spread of one sample, not more
  EXPECT_EQ(s.ci.level, 0.95);
  // Two values a side cannot reach 95%: every difference, and the coverage it has (1 - 2/6).
  const Shift tiny = hodges_lehmann(std::vector<double>{1, 2}, std::vector<double>{4, 6});
  EXPECT_EQ(tiny.ci.low, 2.0);
  EXPECT_EQ(tiny.ci.high, 5.0);
  EXPECT_NEAR(tiny.ci.level, 1.0 - 2.0 / 6.0, 1e-12);
  EXPECT_THROW(hodges_lehmann(std::vector<double>{}, next), std::invalid_argument);
}

}  // namespace
}  // namespace nsperf::core
