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
#include "nsperf/core/provenance.hpp"
#include "nsperf/core/records.hpp"
#include "nsperf/core/statistics.hpp"

namespace nsperf::analysis {

/// Significance level of the test.
inline constexpr double kAlpha = 0.05;
/// Below this many repetitions on a side the test has little power (a warning says so).
inline constexpr std::size_t kFewRepetitions = 9;
/// How far two processes' medians of the same benchmark drift apart with nothing changed, as a
/// fraction, by default: the largest between-process spread of whole-pipeline medians measured
/// on this project's 2-core VM was 14% (docs/compare.md); --drift sets it for other machines.
inline constexpr double kDefaultDrift = 0.20;

/// A run whose gated benchmarks' repetitions spread wider than this (second slowest over second
/// fastest, median over the benchmarks; a quiet machine stays within a few per cent) is said
/// to have had a slow spell.
inline constexpr double kSpellSpread = 0.25;

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
  double ratio = 1;  ///< new median / base median
  /// Of the ratio of medians: from each median's order-statistic interval; `level` is the
  /// product of their coverages, which the joint interval has at least.
  core::Interval ratio_ci;
  double p = 1;  ///< two-sided Mann–Whitney U on the log times
  /// False for one stage of a pipeline that is also measured whole (the cpu optimizer's
  /// per-kernel rows): listed, and gated only with gate_stages.
  bool gated = true;
  /// regression, improvement, same, within drift, slower (not gated), faster (not gated),
  /// only in base, only in new
  std::string verdict;
};

/// Where two runs differ in what they measured (input, ranks, threads, tile, settings).
struct Difference {
  std::string what;
  std::string base;
  std::string next;
};

struct Comparison {
  std::string base_file, base_run, new_file, new_run;
  double threshold = 0.05;              ///< a fraction: 0.05 = 5%
  double drift = kDefaultDrift;         ///< a fraction: changes within it cannot be told from drift
  bool gate_stages = false;             ///< stages of a pipeline are gated too
  std::vector<Difference> differences;  ///< what the runs measured differently (allowed)
  std::vector<Compared> rows;
  int in_both = 0;            ///< benchmarks measured on both sides
  double geometric_mean = 1;  ///< of the ratios of the benchmarks in both
  std::vector<std::string> warnings;
  int regressions = 0;
};

/// How `nsperf compare` judges: a regression is a change significant (p < kAlpha) and slower by
/// more than both the threshold and the drift between processes; a change beyond the threshold
/// but within the drift is "within drift".
struct CompareOptions {
  double threshold = 0.05;
  double drift = kDefaultDrift;
  bool gate_stages = false;
  bool allow_mismatch = false;  ///< compare runs that measured different things (and say how)
};

/// The repetition times of a run, per benchmark (repetitions without a positive time left out).
BenchmarkTimes times_of(const std::vector<core::Repetition>& repetitions);

/// Compares `next` against `base` (CompareOptions). No files involved: the rows, the geometric
/// mean over the benchmarks in both, the warnings.
Comparison compare_times(const BenchmarkTimes& base, const BenchmarkTimes& next,
                         const CompareOptions& options);

/// What a run measured, as stored in its attributes: the input (description and, for a file,
/// its SHA-256), ranks, threads per rank, tile, and the settings of `optimizers` (other than
/// which strategies ran). Name/value pairs in a fixed order.
using RunAttributes = std::vector<std::pair<std::string, core::Provenance::Value>>;
std::vector<std::pair<std::string, std::string>> run_identity(
    const RunAttributes& attributes, const std::vector<std::string>& optimizers);

/// Where two identities differ (a name on one side only differs from "(not recorded)").
std::vector<Difference> identity_differences(
    const std::vector<std::pair<std::string, std::string>>& base,
    const std::vector<std::pair<std::string, std::string>>& next);

/// Without MPI: compares run `new_run` of `new_file` (default: its newest) against `base_run` of
/// `base_file`. Throws InputError naming the files when they have no benchmark in common, or
/// when they measured different things (listing the differences) unless allow_mismatch.
Comparison compare_runs(const std::string& base_file, const std::string& new_file,
                        const std::optional<std::string>& base_run,
                        const std::optional<std::string>& new_run, const CompareOptions& options);

/// text (the default), json and markdown.
const Reporters<Comparison>& comparison_reporters();

}  // namespace nsperf::analysis
