// The distributed optimizer's busy-cores probe (benchmark --distributed --busy-cores).
#pragma once

#include <string>
#include <vector>

#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/kernels/pipeline.hpp"

namespace nsperf::mpi {

struct BusyCores {
  double slowdown = 0;  ///< a pass with the node's other cores computing over one alone; 0 = none
  int cores = 0;        ///< cores computing in the busy passes, the probing one among them
  std::string skipped;  ///< why it was not measured
};

/// How much slower one core computes `tiles` (stage A, histogram, stage B) while every other
/// core of the node it may pin a thread to computes the same, against the same pass with those
/// cores idle. For a rank alone on its node with one thread; it pins its own thread for the
/// while and puts the mask back. Local: no communication. `strategy` names the CPU strategy.
BusyCores measure_busy_cores(const std::vector<kernels::TileWork<float>>& tiles,
                             const std::string& strategy);

}  // namespace nsperf::mpi
