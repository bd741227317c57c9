#include "nsperf/mpi/optimizer.hpp"

namespace nsperf::mpi {

core::Registry<OptimizerEntry>& optimizers() {
  static core::Registry<OptimizerEntry> registry;
  return registry;
}

namespace detail {
bool register_optimizer(OptimizerEntry entry) {
  optimizers().add(std::move(entry));
  return true;
}
}  // namespace detail

}  // namespace nsperf::mpi
