#include "nsperf/core/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace nsperf::core {
namespace {

void require_values(std::span<const double> values, const char* what) {
  if (values.empty()) throw std::invalid_argument(std::string(what) + " of no values");
}

std::vector<double> sorted(std::span<const double> values) {
  std::vector<double> v(values.begin(), values.end());
  std::sort(v.begin(), v.end());
  return v;
}

double median_of_sorted(const std::vector<double>& v) {
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// P(B = i) for B ~ Binomial(n, 1/2), in log space so that large n does not overflow.
double binomial_half_pmf(std::size_t n, std::size_t i) {
  const auto dn = static_cast<double>(n);
  const auto di = static_cast<double>(i);
  return std::exp(std::lgamma(dn + 1) - std::lgamma(di + 1) - std::lgamma(dn - di + 1) -
                  dn * std::log(2.0));
}

}  // namespace

double median(std::span<const double> values) {
  require_values(values, "median");
  return median_of_sorted(sorted(values));
}

double mad(std::span<const double> values) {
  require_values(values, "mad");
  const double m = median(values);
  std::vector<double> dev(values.size());
  std::transform(values.begin(), values.end(), dev.begin(),
                 [m](double v) { return std::abs(v - m); });
  return median(dev);
}

double mean(std::span<const double> values) {
  require_values(values, "mean");
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double stddev(std::span<const double> values) {
  require_values(values, "stddev");
  if (values.size() == 1) return 0.0;
  const double m = mean(values);
  double sum = 0;
  for (double v : values) sum += (v - m) * (v - m);
  return std::sqrt(sum / static_cast<double>(values.size() - 1));
}

double min(std::span<const double> values) {
  require_values(values, "min");
  return *std::min_element(values.begin(), values.end());
}

double max(std::span<const double> values) {
  require_values(values, "max");
  return *std::max_element(values.begin(), values.end());
}

Interval median_ci(std::span<const double> values, double level) {
  require_values(values, "median_ci");
  const auto v = sorted(values);
  const std::size_t n = v.size();
  // [x_(j), x_(n-1-j)] (0-based) misses the median when fewer than j+1 values fall below it or
  // fewer than j+1 above: coverage = 1 - 2 P(B <= j). Widen j while coverage stays >= level.
  double tail = binomial_half_pmf(n, 0);  // P(B <= 0)
  Interval best{v.front(), v.back(), 1.0 - 2.0 * tail};
  for (std::size_t j = 1; 2 * j < n; ++j) {
    tail += binomial_half_pmf(n, j);
    const double coverage = 1.0 - 2.0 * tail;
    if (coverage < level) break;
    best = {v[j], v[n - 1 - j], coverage};
  }
  // With n = 1 the "interval" is the single value and says nothing about coverage.
  if (n == 1) best.level = 0.0;
  return best;
}

Summary summarize(std::span<const double> values) {
  require_values(values, "summarize");
  return {values.size(),  median(values), mad(values), mean(values),
          stddev(values), min(values),    max(values), median_ci(values)};
}

}  // namespace nsperf::core
