#pragma once
/// \file `nsperf benchmark`: the optimizers' strategies measured on one workload.

#include <boost/mpi/communicator.hpp>
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
};

/// What a benchmark produced.
struct BenchmarkResult {
  core::Provenance provenance;                ///< identical on every rank
  std::vector<core::Sample> samples;          ///< this rank's
  std::vector<core::TileResult> tiles;        ///< this rank's
  std::vector<core::Repetition> repetitions;  ///< rank 0: every repetition; other ranks: empty
  std::vector<core::SummaryRow> summary;      ///< rank 0: every strategy; other ranks: empty
  std::vector<std::string> notes;         ///< rank 0: what the user should know about the figures
  std::vector<core::RankRegion> regions;  ///< this rank's profiled regions
  std::vector<core::RankRegion> all_regions;  ///< rank 0: every rank's; other ranks: empty
};

/// Collective over `comm`: makes the workload, runs each optimizer, and summarizes on rank 0.
/// `progress` is used on rank 0 only and may be null. Throws PhaseFailed on every rank if any
/// rank fails.
BenchmarkResult run_benchmark(const bmpi::communicator& comm, const BenchmarkRequest& request,
                              ProgressSink* progress);

/// How the ranks sit on this rank's node.
struct NodeLayout {
  int node_ranks = 1;           ///< ranks sharing this node
  std::int64_t node_cores = 1;  ///< online cores of the node
  int threads = 1;              ///< OpenMP threads this rank's multi-threaded strategies use
};

/// Collective over `comm`. Threads: `configured` if positive, else OMP_NUM_THREADS if set, else
/// the cores this rank may use, shared with the ranks on its node that may use them too (at
/// least 1): unbound ranks split the node instead of each starting a thread per core.
NodeLayout node_layout(const bmpi::communicator& comm, int configured);

/// Collective over `comm`: provenance of this run as rank 0 sees it, with every rank's host and
/// binding; identical on every rank afterwards.
core::Provenance gather_provenance(const bmpi::communicator& comm, const std::string& command_line,
                                   const core::Config& config, const NodeLayout& layout);

/// "Open MPI v4.1.4; HDF5 1.10.8 (parallel); Boost 1.74; …": the libraries this binary uses.
std::string library_versions();

}  // namespace nsperf::mpi
