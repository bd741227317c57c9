#pragma once
/// \file Recommendations: rules that read measured figures (benchmark summaries, profiled
/// regions) and say what to change, with the evidence, the config key to set and the gain the
/// data predicts. Pure functions over records (docs/profiling.md lists the rules).

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "nsperf/core/records.hpp"
#include "nsperf/core/regions.hpp"
#include "nsperf/core/statistics.hpp"

namespace nsperf::core {

/// What one run measured, as the rules read it.
struct RunEvidence {
  std::string source;                ///< "results.h5, run 20261201T…": quoted in the evidence
  std::vector<SummaryRow> summary;   ///< benchmark summaries (empty for a production run)
  std::vector<RegionStats> regions;  ///< profiled regions over the ranks (may be empty)
  std::vector<RankTime> rank_times;  ///< per rank (may be empty)
  int ranks = 0;
  int threads_per_rank = 0;
  std::int64_t node_cores = 0;           ///< cores of rank 0's node
  int ranks_on_node = 0;                 ///< ranks sharing rank 0's node
  std::string run_strategy;              ///< run.strategy of the run's config
  std::string run_compression;           ///< run.compression of the run's config
  bool production = false;               ///< an output of nsperf run (else a benchmark run)
  std::vector<RankRegion> rank_regions;  ///< every rank's regions (for per-rank sums)
  /// optimizer -> its baseline strategy (core::strategy_catalog(), filled by the caller).
  std::vector<std::pair<std::string, std::string>> baselines;
};

/// One thing to change.
struct Recommendation {
  std::string rule;       ///< short id: "cpu-bandwidth", "imbalance", ...
  std::string optimizer;  ///< whose strategies it concerns
  std::string finding;    ///< what the data shows
  std::string action;     ///< what to change
  std::string key;        ///< config key to set ("" if none)
  std::string value;      ///< its value
  bool run_key = false;  ///< nsperf run honours `key` (else it selects what the benchmark measures)
  double expected_speedup = 0;  ///< predicted factor (0 = no measurement to predict from)
  Interval expected_ci;         ///< its 95% interval when known (level 0 = none)
  std::string evidence;         ///< the measurement behind the prediction, with its source
};

/// Thresholds of the rules (docs/profiling.md).
struct RecommendRules {
  double imbalance = 1.1;  ///< max/mean busy time above which work is unbalanced
  double bandwidth_fraction =
      0.25;                    ///< below this fraction of the ceiling a kernel is compute-bound
  double min_speedup = 1.05;   ///< the lower end of a gain's interval must exceed this
  double mpi_share = 0.2;      ///< MPI time share of a rank's time worth acting on
  double compressible = 1.5;   ///< raw / compressed bytes worth compressing
  double memory_saving = 0.2;  ///< memory saved (fraction) worth a change of storage
  double write_share = 0.3;    ///< share of nsperf run's time in the output write worth acting on
};

/// Every recommendation the evidence supports, most valuable first (by expected speedup, rules
/// without a prediction last). Each rule uses the newest run (last in `runs`) that has its data.
std::vector<Recommendation> recommend(std::span<const RunEvidence> runs,
                                      const RecommendRules& rules = {});

}  // namespace nsperf::core
