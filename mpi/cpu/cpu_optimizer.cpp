// The CPU optimizer: every kernel of the pipeline, and the whole pipeline across ranks, under
// every configured CPU strategy, checked against the double-precision reference.
//
// How a measurement is made (the template for every optimizer):
//  - the reference runs once, and each kernel's inputs are prepared from it, outside every
//    timing; buffers are allocated in warm-up runs, so no first touch is timed;
//  - the runner (runner.hpp) drives warm-up rounds, then measured rounds, strategies shuffled
//    in each, and fills in each sample's identity, clock readings and peak memory;
//  - each run is a phase: the ranks compute at once (sharing memory bandwidth as in a real
//    run), then agree, which also lines them up for the check and the next run;
//  - a sample records this rank's time in the measured region and when it began and ended on
//    the run clock, so a repetition runs from the earliest rank's start to the latest's end;
//  - checks and checksums run after the timed region, in the check phase.
#include <algorithm>
#include <cmath>

#include "nsperf/core/checksum.hpp"
#include "nsperf/core/config.hpp"
#include "nsperf/core/statistics.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/kernels/pipeline_check.hpp"
#include "nsperf/kernels/reference.hpp"
#include "nsperf/mpi/collective.hpp"
#include "nsperf/mpi/optimizer.hpp"
#include "nsperf/mpi/phase.hpp"
#include "nsperf/mpi/runner.hpp"

namespace nsperf::mpi {
namespace {

using kernels::TileWork;

// What one strategy did on one tile over the measured repetitions.
struct TileRecord {
  std::vector<double> seconds;
  std::uint64_t checksum = 0;  // of the first measured output
  kernels::KernelCheck check;  // worst over repetitions
  bool checked = false;
  std::int64_t background = 0;  // pipeline: background pixels of the first measured output
};

void merge(kernels::KernelCheck& worst, const kernels::KernelCheck& c) {
  if (c.status == core::CheckStatus::failed) worst.status = core::CheckStatus::failed;
  if (worst.status == core::CheckStatus::not_checked) worst.status = c.status;
  if (!(c.max_abs_error <= worst.max_abs_error)) worst.max_abs_error = c.max_abs_error;
  worst.differing = std::max(worst.differing, c.differing);
  worst.tolerance = std::max(worst.tolerance, c.tolerance);
}

// The end of a sample: the worst check of its tiles, the checksum of their checksums.
void finish(core::Sample& s, const kernels::KernelCheck& worst,
            const std::vector<std::uint64_t>& sums) {
  s.checksum = core::checksum_of(std::span<const std::uint64_t>(sums));
  s.check = worst.status;
  s.max_abs_error = worst.max_abs_error;
  s.tolerance = worst.tolerance;
  s.differing = worst.differing;
}

class CpuOptimizer final : public Optimizer {
 public:
  [[nodiscard]] std::int64_t halo() const override { return kernels::kPipelineHalo; }

  [[nodiscard]] std::int64_t work_units(const core::Config& config,
                                        std::int64_t tiles) const override {
    // Every kernel and the whole pipeline, per strategy.
    const auto kernels = static_cast<std::int64_t>(kernels::kernel_registry().entries().size()) + 1;
    return scheduled_units(config, kernels * strategies_of(config, "cpu"), tiles);
  }

  [[nodiscard]] double bytes_per_pixel() const override {
    // Reference buffers (27 B), one kernel's cases (at most 16 B), the float32 pipeline (15 B).
    return 60.0;
  }

  void run(const OptimizerContext& ctx, OptimizerOutput& out) override {
    const auto& names = ctx.config.optimizers.at("cpu").strategies;
    std::vector<std::unique_ptr<kernels::CpuStrategy>> strategies;
    std::vector<TileWork<double>> reference;
    run_phase(ctx.comm, "prepare", [&] {
      for (const auto& name : names) {
        strategies.push_back(
            kernels::cpu_strategies().at(name, "cpu strategy").make({ctx.threads}));
      }
      for (const auto& tile : ctx.workload.tiles)
        reference.emplace_back(tile.padded, tile.rect, ctx.workload.image.extent);
    });
    MpiReduce reduce(ctx.comm);
    kernels::PipelineResult global;
    run_collective(ctx.comm, "reference",
                   [&] { global = kernels::run_reference_pipeline(reference, reduce); });

    Runner runner(ctx, "cpu", out);
    for (const auto* kernel : kernels::kernels_in_pipeline_order()) {
      measure_kernel(ctx, runner, *kernel, reference, global, strategies);
    }
    // The pipeline check needs the reference's magnitude and masks only.
    for (auto& r : reference) {
      r.input = {};
      r.blurred = {};
      r.eroded = {};
    }
    measure_pipeline(ctx, runner, reference, global, strategies, out);
  }

 private:
  static void measure_kernel(const OptimizerContext& ctx, Runner& runner,
                             const kernels::KernelInfo& kernel,
                             const std::vector<TileWork<double>>& reference,
                             const kernels::PipelineResult& global,
                             std::vector<std::unique_ptr<kernels::CpuStrategy>>& strategies) {
    const auto& names = ctx.config.optimizers.at("cpu").strategies;
    const auto total_tiles = static_cast<std::int64_t>(ctx.workload.plan.tiles.size());
    const std::size_t tiles = reference.size();
    std::vector<std::unique_ptr<kernels::KernelCase>> cases;
    run_phase(ctx.comm, "prepare", [&] {
      for (const auto& r : reference) cases.push_back(kernel.make_case(r, global));
    });
    std::vector<std::vector<TileRecord>> records(names.size(), std::vector<TileRecord>(tiles));
    std::vector<double> seconds(tiles);
    runner.run(strategy_entries(names), [&](Trial& trial) {
      const auto si = trial.index();
      // One phase: the timed tiles, then (untimed) the check.
      run_phase(ctx.comm, "compute", [&] {
        const Timing timing = trial.time([&] {
          for (std::size_t t = 0; t < tiles; ++t) {
            core::Stopwatch clock;
            cases[t]->run(*strategies[si]);
            seconds[t] = clock.elapsed_s();
            // Rank 0 sees only its own tiles between rounds; the others run at the same pace.
            trial.progress(
                static_cast<std::int64_t>(t + 1) * total_tiles / static_cast<std::int64_t>(tiles),
                kernel.name);
          }
        });
        if (!trial.measured() || tiles == 0) return;
        core::Sample& s = trial.record(kernel.name, timing);
        s.seconds = 0;  // the kernel's time: its tiles' times, without the progress between
        std::vector<std::uint64_t> sums;
        kernels::KernelCheck worst{core::CheckStatus::passed, 0.0, 0, 0.0};
        for (std::size_t t = 0; t < tiles; ++t) {
          auto& r = records[si][t];
          const std::uint64_t sum = cases[t]->checksum();
          // In full on the first measured output; later ones by checksum, and in full again
          // only if the output changed (a race, say).
          kernels::KernelCheck c = r.check;
          if (!r.checked || sum != r.checksum) c = cases[t]->check();
          if (!r.checked) r.checksum = sum;
          r.checked = true;
          merge(r.check, c);
          merge(worst, c);
          r.seconds.push_back(seconds[t]);
          s.seconds += seconds[t];
          s.pixels += cases[t]->pixels();
          s.bytes += cases[t]->bytes();
          sums.push_back(sum);
        }
        finish(s, worst, sums);
      });
    });
  }

  static void measure_pipeline(const OptimizerContext& ctx, Runner& runner,
                               const std::vector<TileWork<double>>& reference,
                               const kernels::PipelineResult& ref_global,
                               std::vector<std::unique_ptr<kernels::CpuStrategy>>& strategies,
                               OptimizerOutput& out) {
    const auto& names = ctx.config.optimizers.at("cpu").strategies;
    const auto& local = ctx.workload.tiles;
    std::vector<TileWork<float>> work;
    double tolerance = 0;
    run_phase(ctx.comm, "prepare", [&] {
      for (const auto& tile : local) {
        work.emplace_back(tile.padded, tile.rect, ctx.workload.image.extent);
        tolerance = std::max(tolerance, kernels::pipeline_tolerance(work.back()));
      }
    });
    MpiReduce reduce(ctx.comm);
    std::vector<std::vector<TileRecord>> records(names.size(),
                                                 std::vector<TileRecord>(local.size()));
    runner.run(strategy_entries(names), [&](Trial& trial) {
      const auto si = trial.index();
      kernels::PipelineResult global;
      const Timing timing = trial.collective(
          "pipeline", [&] { global = kernels::run_pipeline(*strategies[si], work, reduce); });
      trial.check([&] {
        if (local.empty()) return;
        core::Sample& s = trial.record("pipeline", timing);
        s.seconds = 0;  // the tiles' compute times, without the global stage's waits
        std::vector<std::uint64_t> sums;
        kernels::KernelCheck worst{core::CheckStatus::passed, 0.0, 0, tolerance};
        for (std::size_t t = 0; t < local.size(); ++t) {
          auto& r = records[si][t];
          const std::uint64_t sum = core::checksum_of(work[t].opened.values());
          kernels::KernelCheck c = r.check;
          if (!r.checked || sum != r.checksum)
            c = kernels::check_pipeline_tile(work[t], global, reference[t], ref_global, tolerance);
          if (!r.checked) {
            r.checksum = sum;
            r.background = work[t].background;
          }
          r.checked = true;
          merge(r.check, c);
          merge(worst, c);
          r.seconds.push_back(work[t].compute_s);
          s.seconds += work[t].compute_s;
          s.pixels += work[t].rect.pixels();
          // Input in, magnitude out and back, opened mask out: what the stages must move at least.
          s.bytes +=
              static_cast<std::int64_t>(work[t].input.values().size() * sizeof(float) +
                                        2 * work[t].magnitude.values().size() * sizeof(float) +
                                        work[t].opened.values().size());
          sums.push_back(sum);
        }
        finish(s, worst, sums);
      });
    });

    for (std::size_t si = 0; si < names.size(); ++si) {
      for (std::size_t t = 0; t < local.size(); ++t) {
        const auto& r = records[si][t];
        core::TileResult row;
        row.tile_id = local[t].id;
        row.rank = ctx.comm.rank();
        row.rect = local[t].rect;
        row.halo = kernels::kPipelineHalo;
        row.optimizer = "cpu";
        row.strategy = names[si];
        row.kernel = "pipeline";
        row.compute_s = r.seconds.empty() ? 0.0 : core::median(r.seconds);
        row.transfer_s = local[t].transfer_s;
        row.io_s = local[t].io_s;
        row.raw_bytes = static_cast<std::int64_t>(local[t].padded.bytes().size());
        row.checksum = r.checksum;
        row.check = r.check.status;
        row.max_abs_error = r.check.max_abs_error;
        row.tolerance = r.check.tolerance;
        row.differing = r.check.differing;
        row.negative_space =
            static_cast<double>(r.background) / static_cast<double>(local[t].rect.pixels());
        out.tiles.push_back(row);
      }
    }
  }
};

}  // namespace

NSPERF_OPTIMIZER_SETTINGS(cpu, {{"threads",
                                 core::KeyType::integer,
                                 0,
                                 0,
                                 4096,
                                 {},
                                 "OpenMP threads per rank for multi-threaded strategies; 0 = "
                                 "automatic: OMP_NUM_THREADS if set, else the cores the rank may "
                                 "use, shared with the other ranks on its node that may use them "
                                 "too."}})
NSPERF_REGISTER_OPTIMIZER(
    CpuOptimizer, "cpu",
    "CPU strategies (threads, vectorization, blocking, fusion) for every kernel and "
    "the whole pipeline, against a one-thread scalar baseline")

}  // namespace nsperf::mpi
