#include "nsperf/mpi/partitioner.hpp"

namespace nsperf::mpi {

core::Registry<PartitionerEntry>& partitioners() {
  static core::Registry<PartitionerEntry> registry;
  return registry;
}

}  // namespace nsperf::mpi
