#pragma once
/// \file Optimizers: each measures its strategies against its baseline on the workload. One
/// file per optimizer, registered by name with NSPERF_REGISTER_OPTIMIZER (see cpu_optimizer.cpp).

#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nsperf/core/config.hpp"
#include "nsperf/core/records.hpp"
#include "nsperf/core/registry.hpp"
#include "nsperf/mpi/workload.hpp"

namespace nsperf::mpi {

/// Where a long run reports how far it is. Implemented by the command line; called on rank 0
/// only.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  /// `done` of `total` work units finished; `label` says what is running.
  virtual void update(std::int64_t done, std::int64_t total, std::string_view label) = 0;
  /// The run is over (clears a terminal progress line).
  virtual void finish() = 0;
  /// `nsperf run` with ProductionRequest::count_tiles: tiles whose gradient every rank has
  /// computed so far, of `total`, as rank 0 learns them.
  virtual void tiles(std::int64_t /*done*/, std::int64_t /*total*/) {}
};

/// Progress counted in work units across every optimizer of a run. Rank 0 reports; on other
/// ranks every call does nothing.
class Progress {
 public:
  Progress(ProgressSink* sink, std::int64_t total) : sink_(sink), total_(total) {}
  /// Sets the units done so far.
  void set(std::int64_t done, std::string_view label) {
    if (sink_ != nullptr) sink_->update(done, total_, label);
  }
  /// Whether anything is shown (rank 0 with a sink): callers skip building labels otherwise.
  [[nodiscard]] bool shown() const noexcept { return sink_ != nullptr; }
  void finish() {
    if (sink_ != nullptr) sink_->finish();
  }

 private:
  ProgressSink* sink_;
  std::int64_t total_;
};

class RunClock;

/// What an optimizer works with.
struct OptimizerContext {
  const bmpi::communicator& comm;
  const core::Config& config;
  const Workload& workload;
  Progress& progress;
  const RunClock& clock;          ///< seconds since the run began, on rank 0's clock
  int threads = 1;                ///< OpenMP threads per rank (node_layout in benchmark.hpp)
  std::int64_t units_before = 0;  ///< progress units finished before this optimizer started
  int node_ranks = 1;             ///< ranks on this rank's node (node_layout)
};

/// What an optimizer produces on each rank.
struct OptimizerOutput {
  std::vector<core::Sample> samples;
  std::vector<core::TileResult> tiles;
  std::vector<std::string> notes;  ///< rank 0: things the user should know about the figures
  /// Kernels measured against another strategy than the optimizer's baseline (the database's
  /// queries against no-index).
  std::vector<core::Baseline> baselines;
  /// Rank 0: the network optimizer's message-size sweep, one row per size (empty without one).
  std::vector<core::MessageSize> message_sizes;
  /// Rank 0: the distributed optimizer's rate cutting tiles ahead, GB/s (0 without it): adjacent
  /// tiles, and every other tile.
  double cut_ahead_gbyte_per_s = 0;
  double cut_ahead_apart_gbyte_per_s = 0;
  /// Rank 0: the network optimizer's shared-core probe, seconds per MPI call that yields a core
  /// shared with a rank waiting in MPI, and with one computing (0 without it).
  double handover_waiting_s = 0;
  double handover_computing_s = 0;
  double handover_slice_s = 0;
  /// Rank 0: the distributed optimizer's busy-cores probe, its tiles' time with the node's other
  /// cores computing over alone, and how many cores computed (0 without it).
  double busy_cores_slowdown = 0;
  int busy_cores = 0;
  /// Rank 0: the network optimizer's sending probe, rank 0's seconds inside MPI calls per byte
  /// it streams to rank 1 on another node (0 without it).
  double sending_s_per_byte = 0;
};

/// One optimizer of the benchmark.
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  /// Pixels of context its kernels need around each tile.
  [[nodiscard]] virtual std::int64_t halo() const = 0;
  /// Bytes per pixel of a rank's tiles it holds at its peak (to refuse runs that cannot fit).
  [[nodiscard]] virtual double bytes_per_pixel() const = 0;
  /// Progress units (one tile computed once, on any rank) the run will take.
  [[nodiscard]] virtual std::int64_t work_units(const core::Config& config,
                                                std::int64_t tiles) const = 0;
  /// Collective over ctx.comm: measures every configured strategy; appends this rank's records.
  virtual void run(const OptimizerContext& ctx, OptimizerOutput& out) = 0;

 protected:
  /// Progress units of `entries` runner entries, each run warm-up + repetitions times, of
  /// `units_per_run` units each (work_units' arithmetic, once).
  static std::int64_t scheduled_units(const core::Config& config, std::int64_t entries,
                                      std::int64_t units_per_run);
  /// The strategies `optimizer` is configured to run.
  static std::int64_t strategies_of(const core::Config& config, std::string_view optimizer);
};

/// A registered optimizer.
struct OptimizerEntry {
  std::string name;  ///< as in `benchmark --<name>` and `optimizers.<name>` in the config
  std::string description;
  std::function<std::unique_ptr<Optimizer>()> make;
};

/// Every optimizer.
core::Registry<OptimizerEntry>& optimizers();

namespace detail {
bool register_optimizer(OptimizerEntry entry);
}  // namespace detail

}  // namespace nsperf::mpi

/// Registers `Class` (default-constructible Optimizer) as optimizer `name`.
#define NSPERF_REGISTER_OPTIMIZER(Class, name, description)                       \
  namespace {                                                                     \
  [[maybe_unused]] const bool nsperf_registered_optimizer_##Class =               \
      ::nsperf::mpi::detail::register_optimizer(                                  \
          {name, description, []() -> std::unique_ptr<::nsperf::mpi::Optimizer> { \
             return std::make_unique<Class>();                                    \
           }});                                                                   \
  }
