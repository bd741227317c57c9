#pragma once
/// \file The profiled regions of a run across its ranks (core/profiler.hpp, core/regions.hpp).

#include <boost/mpi/communicator.hpp>
#include <vector>

#include "nsperf/core/regions.hpp"

namespace nsperf::mpi {

namespace bmpi = boost::mpi;

/// A run's regions: this rank's, and on rank 0 every rank's.
struct GatheredRegions {
  std::vector<core::RankRegion> mine;  ///< this rank's tree, rows tagged with its rank
  std::vector<core::RankRegion> all;   ///< rank 0: every rank's, in rank order; else empty
};

/// Collective over `comm`: every rank's tree of the calling (main) thread's regions, as they
/// stand (open regions count up to now).
GatheredRegions gather_regions(const bmpi::communicator& comm);

/// Local: forgets this thread's closed regions, so that a run's tree holds only that run.
void start_profile();

}  // namespace nsperf::mpi
