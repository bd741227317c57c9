#pragma once
/// \file Profiled regions across ranks: every rank's call tree (core/profiler.hpp) gathered into
/// one list, per-region statistics over the ranks, hotspots and each rank's MPI time. Pure
/// functions over records; the results file stores the per-rank rows (`profile/regions`).

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nsperf/core/profiler.hpp"

namespace nsperf::core {

/// One region of one rank's tree.
struct RankRegion {
  int rank = 0;
  RegionRecord region;
};

/// One region over the ranks of a run. Ranks that never entered it count with zero time.
struct RegionStats {
  std::string path;
  std::string name;
  int depth = 0;
  RegionKind kind = RegionKind::code;
  int ranks_entered = 0;       ///< ranks that entered it at least once
  std::int64_t calls = 0;      ///< summed over ranks
  double inclusive_min_s = 0;  ///< over all ranks of the run
  double inclusive_mean_s = 0;
  double inclusive_max_s = 0;
  double exclusive_min_s = 0;
  double exclusive_mean_s = 0;
  double exclusive_max_s = 0;  ///< the slowest rank's exclusive time: what hotspots rank by
  int slowest_rank = 0;        ///< the rank with the most exclusive time
  double imbalance = 1;        ///< max / mean of the inclusive time (1 = balanced; 1 if no time)
};

/// Statistics of every region path over `ranks` ranks, in the order paths first appear (depth
/// first, as trees are recorded).
std::vector<RegionStats> region_stats(std::span<const RankRegion> regions, int ranks);

/// Whether a region is one of nsperf's own probes of the machine (the bandwidth ceiling, the
/// clock synchronization): measured time that is not the workload's.
bool is_probe(const RegionStats& s);

/// The `count` regions with the most exclusive time on their slowest rank, most first; regions
/// with no time and nsperf's own probes are left out.
std::vector<RegionStats> hotspots(std::span<const RegionStats> stats, std::size_t count);

/// Where one rank's time went.
struct RankTime {
  int rank = 0;
  double total_s = 0;  ///< sum of its top-level regions' inclusive time
  double mpi_s = 0;    ///< sum of the exclusive time of its `mpi` regions
};

/// Per rank, 0 .. ranks-1.
std::vector<RankTime> rank_times(std::span<const RankRegion> regions, int ranks);

}  // namespace nsperf::core
