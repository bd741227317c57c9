#pragma once
// The workload a job runs, as the catalog of tuned settings describes workloads: shared by
// `nsperf tune --catalog` (records it, starts from the nearest) and `nsperf run --tuned` (runs
// with the nearest's settings).

#include <boost/mpi/communicator.hpp>
#include <optional>
#include <string>

#include "nsperf/core/config.hpp"
#include "nsperf/core/tuning.hpp"
#include "nsperf/mpi/tune.hpp"

namespace nsperf::cli {

/// Collective over `world`: rank 0 samples the input of `cfg` (mpi::sample_workload) with the
/// ranks, the fewest cores a rank may use and rank 0's node; valid on rank 0 only. Failures are
/// agreed (PhaseFailed on every rank).
core::WorkloadFeatures job_workload(const boost::mpi::communicator& world, const core::Config& cfg);

/// Local (rank 0): the nearest recorded search in the catalog at `path`, or null when it records
/// none. Throws InputError naming `option` and the file when it cannot be read.
std::optional<mpi::NearestTuned> nearest_in_catalog(const std::string& path,
                                                    const core::WorkloadFeatures& f,
                                                    const std::string& option);

/// "tune run 20261206T051915Z-4a3a of flower.png (2 ranks on vm), distance 0.031: pixels x1,
/// ...": which recorded search was used and how near it was.
std::string describe_nearest(const mpi::NearestTuned& n);

}  // namespace nsperf::cli
