#pragma once
/// \file A run's figures as Prometheus metrics (docs/monitoring.md), built with the Prometheus
/// C++ client library (prometheus-cpp) and handed out three ways: pushed to a Pushgateway,
/// served on /metrics, or written as a node_exporter textfile. Rank 0 only: this library never
/// calls MPI; the commands gather the other ranks' figures first.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nsperf/core/provenance.hpp"
#include "nsperf/core/records.hpp"

namespace prometheus {
class Registry;
}

namespace nsperf::metrics {

/// The labels every metric of one run carries. Their values are bounded per run (no tile, no
/// strategy here: those label only the series they describe).
struct RunLabels {
  std::string run_id;
  std::string command;  ///< benchmark, run, profile
  std::string input;    ///< the image as the provenance names it
  std::int64_t ranks = 0;
  std::int64_t threads = 0;  ///< OpenMP threads per rank (0: not fixed, the label says "auto")
  std::string host;          ///< rank 0's host
  // Under SLURM (empty otherwise, and then not labels at all).
  std::string slurm_job_id;
  std::string slurm_array_task_id;
  std::string slurm_cluster;
};

/// The labels of a run from its provenance attributes (core::Provenance::attributes(), or as a
/// results file stores them). `command` is the word after the program in its command line.
RunLabels labels_of(core::Attributes attributes);

/// One rank's stages of `nsperf run` (as /ranks of its output stores them).
struct RankStage {
  std::int64_t rank = 0;
  double start_s = 0;
  double read_s = 0;
  double pipeline_s = 0;
  double check_s = 0;
  double write_s = 0;
  std::int64_t bytes_read = 0;
};

/// What `nsperf run` did, as its metrics say it.
struct RunFigures {
  std::int64_t tiles = 0;
  std::int64_t tiles_done = 0;  ///< -1: as tiles() last set it
  std::vector<RankStage> ranks;
  std::int64_t written_bytes = 0;  ///< uncompressed bytes of /mask and /gradient
  std::int64_t file_bytes = 0;     ///< the output file's size
  double negative_space_fraction = 0;
  std::int64_t threshold = 0;  ///< Otsu's bin of 256
  double wall_s = 0;
};

/// One run's metrics, in a registry that may hold other runs' too (`nsperf export` of a file
/// of many runs): every series carries its run's labels. Thread-safe: a listener or a pusher may
/// read the registry while the run sets its values.
class Metrics {
 public:
  /// A new registry, and this run in it.
  explicit Metrics(RunLabels labels);
  /// Another run in the same registry.
  [[nodiscard]] Metrics with_run(RunLabels labels) const;

  /// Work done so far, in `unit` ("tile runs", "stages", "images").
  void progress(std::int64_t done, std::int64_t total, std::string_view unit);
  /// `nsperf run`: tiles computed so far (every rank's), of `total`, while it runs.
  void tiles(std::int64_t done, std::int64_t total);
  /// A benchmark's summary rows, and the measured memory-bandwidth ceiling (0: not measured).
  void benchmark(std::span<const core::SummaryRow> rows, double bandwidth_gbyte_per_s);
  /// A production run's figures.
  void run(const RunFigures& figures);
  /// A job of many images (nsperf run --output-dir): how many images ended with each status
  /// (docs/output-layout.md: ok, failed, check-failed, interrupted, not-run, skipped).
  void images(std::span<const std::pair<std::string, std::int64_t>> by_status);
  /// How the command ended (0 success, 1 a failed check, ...).
  void exit_code(int code);

  /// Prometheus's text exposition format (version 0.0.4) of every run in the registry, as
  /// /metrics serves it and node_exporter's textfile collector reads it.
  [[nodiscard]] std::string text() const;

  [[nodiscard]] const RunLabels& labels() const { return labels_; }

  /// The registry, for a listener or a pusher to collect.
  [[nodiscard]] std::weak_ptr<prometheus::Registry> registry() const;

 private:
  struct State;  // the registry and its families (metrics.cpp)
  Metrics(std::shared_ptr<State> state, RunLabels labels);
  std::shared_ptr<State> state_;
  RunLabels labels_;
  // The progress gauges, found once: progress() and tiles() run between timed tiles (inside a
  // benchmark's timed region on rank 0), where a family lookup by labels would cost
  // microseconds each time; setting a found gauge is one atomic store.
  struct Live;
  std::shared_ptr<Live> live_;
};

}  // namespace nsperf::metrics
