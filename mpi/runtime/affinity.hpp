// Pinning the calling thread to one CPU, for the probes that place threads or ranks on cores
// themselves (network/shared_core.cpp, distributed/busy_cores.cpp).
#pragma once

#include <sched.h>

#include <cstddef>

namespace nsperf::mpi {

/// Pins the calling thread to `cpu`; false where the node does not let this process run there.
inline bool pin_this_thread(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<std::size_t>(cpu), &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;  // 0: the calling thread
}

}  // namespace nsperf::mpi
