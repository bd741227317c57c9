#pragma once
/// \file `nsperf whatif`'s results and how every --format writes them: the predictions per rank
/// count and partitioner, and --validate's comparison with runs measured at other rank counts.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "nsperf/analysis/format.hpp"
#include "nsperf/core/measured_job.hpp"
#include "nsperf/sim/whatif.hpp"

namespace nsperf::analysis {

/// What the model was fed, one line each ("network: 1.0 µs, 10 GB/s (source)").
std::vector<std::string> whatif_inputs(const core::MeasuredJob& job);

/// A prediction table and what it rests on.
struct WhatifReport {
  std::string file;
  std::string run_id;
  std::vector<std::string> inputs;  ///< whatif_inputs()
  std::string platform;             ///< what was simulated
  std::vector<std::string> notes;   ///< scaled images, oversubscription, ...
  std::vector<sim::Prediction> predictions;
};

/// text (the default), json (a list of objects: ranks, partitioner, makespan_s, efficiency,
/// imbalance, bottleneck, ...), markdown.
const Reporters<WhatifReport>& whatif_reporters();

/// One configuration measured at another rank count (every run of it pooled), as the runs of
/// the base configuration predict it. Runs of one configuration are launches of the same
/// command: pooling their repetitions measures what one launch's process placement and the
/// machine's drift would hide (4 ranks on 2 unbound cores: one launch in six put the two busy
/// ranks on one core and took 40% longer).
struct ValidationRow {
  std::vector<std::string> base_runs;  ///< the runs predicting: one configuration, one each
  int base_ranks = 0;
  std::vector<std::string> runs;  ///< the measured runs
  std::string partitioner;
  int ranks = 0;
  int nodes = 1;
  int cores = 0;
  int threads_per_rank = 1;
  std::string group;               ///< base and measured configuration: the ranking's unit
  std::vector<double> measured_s;  ///< every repetition's makespan of those runs
  double measured_median_s = 0;
  std::vector<double> predictions_s;  ///< the pipeline's, one per base run (no output written)
  double predicted_s = 0;             ///< their median
  /// The measured runs' tiles (this partitioner's) and the base runs' (every partitioner's):
  /// the same tiles, so how much faster or slower the machine computed when the measured runs
  /// ran, which the prediction cannot know; a row's error is the model's only where this stays
  /// small.
  std::vector<std::map<std::int64_t, core::MeasuredTile>> measured_tiles;
  std::vector<std::map<std::int64_t, core::MeasuredTile>> base_tiles;
  [[nodiscard]] double error() const {
    return (predicted_s - measured_median_s) / measured_median_s;
  }
  /// Per measured run, its tiles' compute times against the same tiles in the base runs (each
  /// tile's median there), less 1, the median over the runs; NaN without both.
  struct TileCostChange {
    double whole = std::nan("");  ///< the sum over all its tiles
    /// its rank whose tiles took longest: a rank on a slower core or node, or sharing its core,
    /// shows here where the sum over all ranks hides it
    double slowest_rank = std::nan("");
  };
  [[nodiscard]] TileCostChange tile_cost_change() const;
};

/// The validation of one file: every row, and the ranking check per measured configuration.
struct ValidationReport {
  std::string file;
  std::vector<std::string> inputs;
  std::vector<ValidationRow> rows;
  /// Per measured configuration: pairs of partitioners whose measured makespans differ
  /// significantly (Mann–Whitney p < 0.05), and of those, the pairs the prediction orders the
  /// other way.
  struct Ranking {
    /// Two partitioners of the configuration: `a` is measured faster (the lower median).
    struct Pair {
      std::string a;
      std::string b;
      double p = 1;  ///< Mann-Whitney, their measured makespans
      double measured_a_s = 0;
      double measured_b_s = 0;
      double predicted_a_s = 0;
      double predicted_b_s = 0;
      [[nodiscard]] bool significant() const { return p < 0.05; }
      [[nodiscard]] bool ordered_as_measured() const { return predicted_a_s <= predicted_b_s; }
    };
    std::vector<std::string> base_runs;
    int base_ranks = 0;
    std::vector<std::string> runs;
    int ranks = 0;
    std::vector<Pair> pairs;  ///< every pair, significant or not
    [[nodiscard]] int significant_pairs() const {
      return static_cast<int>(
          std::count_if(pairs.begin(), pairs.end(), [](const Pair& p) { return p.significant(); }));
    }
    /// "guided < dynamic measured (4.1% apart), the other way predicted (1.2% apart)"
    std::vector<std::string> disagreements;
  };
  std::vector<Ranking> rankings;
};

/// The simulations --validate runs: for every run of the file with tile costs (or only
/// `base_run`), every configuration of distributed runs of the same image and tile at another
/// rank count, on a platform of its nodes, cores and threads. The report's rows wait for
/// predictions (each case's scenario i adds one to row rows[i]).
struct ValidationPlan {
  struct Case {
    core::MeasuredJob job;  ///< the base run's, with the measured run's chunk
    sim::PlatformSpec platform;
    std::vector<sim::Scenario> scenarios;  ///< one per partitioner
    std::vector<std::size_t> rows;         ///< the row each scenario fills
  };
  std::vector<Case> cases;
  ValidationReport report;
};
/// Throws InputError naming the file when it holds no such pair of runs.
ValidationPlan plan_validation(const std::string& file, const std::string& base_run);

/// Once every case has added its predictions: each row's predicted median, and the ranking
/// check.
void finish_validation(ValidationReport& report);

/// text (the default), json (a list of row objects), markdown.
const Reporters<ValidationReport>& validation_reporters();

}  // namespace nsperf::analysis
