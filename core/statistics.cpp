#include "nsperf/core/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace nsperf::core {
namespace {

// The inverse error function by Newton's method on std::erf (for confidence levels: x in
// (0, 1), a handful of iterations).
double inverse_erf(double x) {
  double y = 0;
  for (int i = 0; i < 50; ++i) {
    const double step = (std::erf(y) - x) / (2.0 / std::sqrt(M_PI) * std::exp(-y * y));
    y -= step;
    if (std::abs(step) < 1e-15) break;
  }
  return y;
}

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

double mann_whitney_p(std::span<const double> a, std::span<const double> b) {
  require_values(a, "mann_whitney_p");
  require_values(b, "mann_whitney_p");
  const auto n1 = static_cast<double>(a.size());
  const auto n2 = static_cast<double>(b.size());
  // Ranks of the pooled values, ties sharing their average rank.
  std::vector<std::pair<double, int>> pooled;
  for (double v : a) pooled.emplace_back(v, 0);
  for (double v : b) pooled.emplace_back(v, 1);
  std::sort(pooled.begin(), pooled.end());
  double rank_sum_a = 0;
  double ties = 0;  // sum of t^3 - t over groups of ties
  for (std::size_t i = 0; i < pooled.size();) {
    std::size_t j = i;
    while (j < pooled.size() && pooled[j].first == pooled[i].first) ++j;
    const double rank = (static_cast<double>(i + j) + 1.0) / 2.0;  // ranks i+1 .. j
    for (std::size_t k = i; k < j; ++k)
      if (pooled[k].second == 0) rank_sum_a += rank;
    const auto t = static_cast<double>(j - i);
    ties += t * t * t - t;
    i = j;
  }
  const double u = rank_sum_a - n1 * (n1 + 1) / 2;
  const double n = n1 + n2;
  const double variance = n1 * n2 / 12.0 * ((n + 1) - ties / (n * (n - 1)));
  if (variance <= 0) return 1.0;  // every value equal
  const double z = (std::abs(u - n1 * n2 / 2) - 0.5) / std::sqrt(variance);
  return std::min(1.0, std::erfc(std::max(0.0, z) / std::sqrt(2.0)));
}

Shift hodges_lehmann(std::span<const double> base, std::span<const double> next, double level) {
  require_values(base, "hodges_lehmann");
  require_values(next, "hodges_lehmann");
  std::vector<double> d;
  d.reserve(base.size() * next.size());
  for (double y : next)
    for (double x : base) d.push_back(y - x);
  std::sort(d.begin(), d.end());
  const auto m = static_cast<double>(base.size());
  const auto n = static_cast<double>(next.size());
  const auto count = d.size();
  Shift s;
  s.estimate = median(d);
  // The k-th smallest and k-th largest difference bound the shift where k is the Mann–Whitney
  // critical count: mn/2 - z sqrt(mn(m+n+1)/12), z the normal quantile of (1 + level) / 2.
  const double z = std::sqrt(2.0) * inverse_erf(level);
  const double k = std::floor(m * n / 2 - z * std::sqrt(m * n * (m + n + 1) / 12));
  if (k < 1) {
    // Too few values for `level`: every difference. The shift lies outside them only when U is
    // 0 or mn, each with probability 1 / C(m+n, m).
    const double log_choose = std::lgamma(m + n + 1) - std::lgamma(m + 1) - std::lgamma(n + 1);
    s.ci = {d.front(), d.back(), 1.0 - 2.0 * std::exp(-log_choose)};
    return s;
  }
  const auto i = static_cast<std::size_t>(k) - 1;
  s.ci = {d[i], d[count - 1 - i], level};
  return s;
}

Summary summarize(std::span<const double> values) {
  require_values(values, "summarize");
  return {values.size(),  median(values), mad(values), mean(values),
          stddev(values), min(values),    max(values), median_ci(values)};
}

}  // namespace nsperf::core
