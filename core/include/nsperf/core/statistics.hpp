#pragma once
/// \file Descriptive statistics over repeated measurements. Free functions over spans; every
/// function throws std::invalid_argument on an empty span.

#include <cstddef>
#include <span>

namespace nsperf::core {

/// Median (mean of the two middle values for an even count).
double median(std::span<const double> values);
/// Median absolute deviation from the median, unscaled (multiply by 1.4826 for a normal sigma).
double mad(std::span<const double> values);
double mean(std::span<const double> values);
/// Sample standard deviation (n - 1 in the denominator); 0 for a single value.
double stddev(std::span<const double> values);
double min(std::span<const double> values);
double max(std::span<const double> values);

/// A confidence interval and the coverage it actually has.
struct Interval {
  double low = 0;
  double high = 0;
  double level = 0;  ///< exact coverage probability of [low, high], e.g. 0.961
};

/// Distribution-free confidence interval of the median from order statistics: the narrowest
/// symmetric pair of order statistics whose binomial coverage is at least `level`. With too few
/// values to reach `level` (fewer than 6 for 95%), it is [min, max] and `level` reports the
/// smaller coverage actually achieved.
Interval median_ci(std::span<const double> values, double level = 0.95);

/// All of the above at once.
struct Summary {
  std::size_t count = 0;
  double median = 0;
  double mad = 0;
  double mean = 0;
  double stddev = 0;
  double min = 0;
  double max = 0;
  Interval ci;  ///< 95% interval of the median
};

Summary summarize(std::span<const double> values);

/// Two-sided p-value of the Mann–Whitney U test that `a` and `b` come from the same
/// distribution: the normal approximation with tie and continuity corrections (as scipy's
/// `mannwhitneyu(method="asymptotic")`). Trustworthy from about 8 values per side.
double mann_whitney_p(std::span<const double> a, std::span<const double> b);

/// A shift in location between two samples.
struct Shift {
  double estimate = 0;  ///< Hodges–Lehmann: the median of every difference next_i - base_j
  Interval ci;          ///< distribution-free, from the ordered differences (Moses)
};

/// Hodges–Lehmann estimate of next - base with its confidence interval at `level` (the order
/// statistics of the pairwise differences that the Mann–Whitney distribution, in its normal
/// approximation, puts at the tails). With too few values the interval is every difference.
Shift hodges_lehmann(std::span<const double> base, std::span<const double> next,
                     double level = 0.95);

}  // namespace nsperf::core
