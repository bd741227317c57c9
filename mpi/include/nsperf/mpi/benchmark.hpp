#pragma once
/// \file `nsperf benchmark`: the optimizers' strategies measured on one workload.

#include <boost/mpi/communicator.hpp>
#include <functional>
#include <string>
#include <vector>

#include "nsperf/core/config.hpp"
#include "nsperf/core/provenance.hpp"
#include "nsperf/core/records.hpp"
#include "nsperf/core/regions.hpp"
#include "nsperf/mpi/optimizer.hpp"

namespace nsperf::mpi {

namespace bmpi = boost::mpi;

/// What to run.
struct BenchmarkRequest {
  core::Config config;                  ///< identical on every rank
  std::vector<std::string> optimizers;  ///< registered names, in the order to run them
  std::string command_line;
  /// Rank 0, once the input is read and before anything is measured: what the run will be
  /// (provenance so far: run id, input, ranks, threads, binding), for a header.
  std::function<void(const core::Provenance&)> on_start;
};

/// What a benchmark produced.
struct BenchmarkResult {
  core::Provenance provenance;                ///< identical on every rank
  std::vector<core::Sample> samples;          ///< this rank's
  std::vector<core::TileResult> tiles;        ///< this rank's
  std::vector<core::Repetition> repetitions;  ///< rank 0: every repetition; other ranks: empty
  std::vector<core::SummaryRow> summary;      ///< rank 0: every strategy; other ranks: empty
  std::vector<core::Baseline> baselines;      ///< rank 0: what each kernel's speedups are against
  std::vector<core::MessageSize> message_sizes;  ///< rank 0: the network sweep (--sizes)
  std::vector<std::string> notes;         ///< rank 0: what the user should know about the figures
  std::vector<core::RankRegion> regions;  ///< this rank's profiled regions
  std::vector<core::RankRegion> all_regions;  ///< rank 0: every rank's; other ranks: empty
};

/// Collective over `comm`: makes the workload, runs each optimizer, and summarizes on rank 0.
/// `progress` is used on rank 0 only and may be null. Throws PhaseFailed on every rank if any
/// rank fails.
BenchmarkResult run_benchmark(const bmpi::communicator& comm, const BenchmarkRequest& request,
                              ProgressSink* progress);

}  // namespace nsperf::mpi
