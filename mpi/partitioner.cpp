#include "nsperf/mpi/partitioner.hpp"

namespace nsperf::mpi {

core::Registry<PartitionerEntry>& partitioners() {
  static core::Registry<PartitionerEntry> registry;
  return registry;
}

namespace detail {
bool register_partitioner(core::StrategyInfo info, PartitionerEntry entry) {
  core::strategy_catalog().add(std::move(info));
  partitioners().add(std::move(entry));
  return true;
}
}  // namespace detail

}  // namespace nsperf::mpi
