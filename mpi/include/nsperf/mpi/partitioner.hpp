#pragma once
/// \file The distributed optimizer's strategies: how tiles are shared out among the ranks. A
/// static partitioner fixes every tile's rank before the run; a self-scheduled one hands out
/// chunks of tiles from rank 0 as ranks ask for work. One file per partitioner, registered by
/// name with NSPERF_REGISTER_PARTITIONER (see partition_dynamic.cpp).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nsperf/core/registry.hpp"
#include "nsperf/core/strategy.hpp"
#include "nsperf/core/tile_plan.hpp"

namespace nsperf::mpi {

class Partitioner {
 public:
  virtual ~Partitioner() = default;
  /// Static: the rank that computes each tile of `plan` (indexed by tile id) among `ranks`.
  /// Self-scheduled: empty.
  [[nodiscard]] virtual std::vector<int> owners(const core::TilePlan& plan, int ranks) const = 0;
  /// Self-scheduled: how many of the `remaining` tiles (> 0) the next request gets, with
  /// `ranks` ranks and the configured chunk `k` (optimizers.distributed.chunk).
  [[nodiscard]] virtual std::int64_t chunk(std::int64_t remaining, int ranks,
                                           std::int64_t k) const = 0;
};

struct PartitionerEntry {
  std::string name;
  std::function<std::unique_ptr<Partitioner>()> make;
};

/// Every partitioner.
core::Registry<PartitionerEntry>& partitioners();

}  // namespace nsperf::mpi

/// Registers `Class` (default-constructible Partitioner) as distributed strategy `name`.
#define NSPERF_REGISTER_PARTITIONER(Class, name, description, baseline, level)        \
  namespace {                                                                         \
  [[maybe_unused]] const bool nsperf_registered_partitioner_##Class =                 \
      ::nsperf::core::register_strategy(                                              \
          ::nsperf::mpi::partitioners(),                                              \
          {name, "distributed", description, baseline, ::nsperf::core::Level::level}, \
          {name, []() -> std::unique_ptr<::nsperf::mpi::Partitioner> {                \
             return std::make_unique<Class>();                                        \
           }});                                                                       \
  }
