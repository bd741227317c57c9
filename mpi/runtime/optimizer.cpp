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

std::int64_t Optimizer::scheduled_units(const core::Config& config, std::int64_t entries,
                                        std::int64_t units_per_run) {
  return entries * (config.benchmark.warmup + config.benchmark.repetitions) * units_per_run;
}

std::int64_t Optimizer::strategies_of(const core::Config& config, std::string_view optimizer) {
  return static_cast<std::int64_t>(config.optimizers.at(std::string(optimizer)).strategies.size());
}

}  // namespace nsperf::mpi
