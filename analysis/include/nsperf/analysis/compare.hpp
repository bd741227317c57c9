#pragma once
/// \file `nsperf compare`: per benchmark (optimizer, strategy, kernel, image), the change of the
/// repetition times from a base run to a new one, with a distribution-free interval and a
/// Mann–Whitney p-value, and the verdict a CI gate acts on. Computed here; written by the
/// reporters of comparison_reporters().

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "nsperf/analysis/format.hpp"
#include "nsperf/core/records.hpp"
#include "nsperf/core/statistics.hpp"

namespace nsperf::analysis {

/// Significance level of the test.
inline constexpr double kAlpha = 0.05;
/// Below this many repetitions on a side the test has little power (a warning says so).
inline constexpr std::size_t kFewRepetitions = 9;

/// A benchmark: optimizer, strategy, kernel and image ("2048x2048:u8").
using BenchmarkKey = std::tuple<std::string, std::string, std::string, std::string>;
/// Repetition times (makespans, seconds) per benchmark.
using BenchmarkTimes = std::map<BenchmarkKey, std::vector<double>>;

struct Compared {
  std::string name;  ///< "cpu/fused/pipeline 2048x2048:u8"
  std::size_t base_n = 0;
  std::size_t new_n = 0;
  double base_median_s = 0;
  double new_median_s = 0;
  double ratio = 1;  ///< new / base, Hodges–Lehmann on log times
  core::Interval ratio_ci;
  double p = 1;
  std::string verdict;  ///< regression, improvement, same, only in base, only in new
};

struct Comparison {
  std::string base_file, base_run, new_file, new_run;
  double threshold = 0.05;  ///< a fraction: 0.05 = 5%
  std::vector<Compared> rows;
  int in_both = 0;            ///< benchmarks measured on both sides
  double geometric_mean = 1;  ///< of the ratios of the benchmarks in both
  std::vector<std::string> warnings;
  int regressions = 0;
};

/// The repetition times of a run, per benchmark (repetitions without a positive time left out).
BenchmarkTimes times_of(const std::vector<core::Repetition>& repetitions);

/// Compares `next` against `base`: a regression is a change both significant (p < kAlpha) and
/// beyond `threshold` (a fraction). No files involved: the rows, the geometric mean over the
/// benchmarks in both, the warnings.
Comparison compare_times(const BenchmarkTimes& base, const BenchmarkTimes& next, double threshold);

/// Without MPI: compares run `new_run` of `new_file` (default: its newest) against `base_run` of
/// `base_file`. Throws InputError naming the files when they have no benchmark in common.
Comparison compare_runs(const std::string& base_file, const std::string& new_file,
                        const std::optional<std::string>& base_run,
                        const std::optional<std::string>& new_run, double threshold);

/// text (the default), json and markdown.
const Reporters<Comparison>& comparison_reporters();

}  // namespace nsperf::analysis
