// The CPU optimizer: every kernel of the pipeline, and the whole pipeline across ranks, under
// every configured CPU strategy, checked against the double-precision reference.
//
// How a measurement is made (the template for every optimizer):
//  - the reference runs once, and each kernel's inputs are prepared from it, outside every
//    timing; buffers are allocated in warm-up runs, so no first touch is timed;
//  - warm-up rounds, then measured rounds, strategies shuffled in each
//  (core::measurement_schedule);
//  - each round is a phase: the ranks compute at once (sharing memory bandwidth as in a real
//    run), then agree, which also lines them up for the next round;
//  - a sample records this rank's time in the measured region and when it began and ended on
//    the run clock, so a repetition runs from the earliest rank's start to the latest's end;
//  - checks and checksums run after the timed region.
#include <algorithm>
#include <cmath>

#include "nsperf/core/checksum.hpp"
#include "nsperf/core/memory.hpp"
#include "nsperf/core/schedule.hpp"
#include "nsperf/core/statistics.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/kernels/pipeline_check.hpp"
#include "nsperf/kernels/reference.hpp"
#include "nsperf/mpi/collective.hpp"
#include "nsperf/mpi/optimizer.hpp"
#include "nsperf/mpi/phase.hpp"

namespace nsperf::mpi {
namespace {

using kernels::TileWork;

std::string step_label(const std::string& what, const std::string& strategy, const core::Step& step,
                       int repetitions) {
  return "cpu " + what + " " + strategy +
         (step.measured()
              ? " rep " + std::to_string(step.repetition + 1) + "/" + std::to_string(repetitions)
              : " warm-up");
}

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

// The end of a sample: the worst check of its tiles, the checksum of their checksums, the
// rank's peak memory.
void finish(core::Sample& s, const kernels::KernelCheck& worst,
            const std::vector<std::uint64_t>& sums) {
  s.checksum = core::checksum_of(std::span<const std::uint64_t>(sums));
  s.check = worst.status;
  s.max_abs_error = worst.max_abs_error;
  s.tolerance = worst.tolerance;
  s.differing = worst.differing;
  s.peak_rss_bytes = static_cast<std::int64_t>(core::peak_rss_bytes());
}

class CpuOptimizer final : public Optimizer {
 public:
  [[nodiscard]] std::int64_t halo() const override { return kernels::kPipelineHalo; }

  [[nodiscard]] std::int64_t work_units(const core::Config& config,
                                        std::int64_t tiles) const override {
    const auto& b = config.benchmark;
    const auto strategies =
        static_cast<std::int64_t>(config.optimizers.at("cpu").strategies.size());
    const auto kernels = static_cast<std::int64_t>(kernels::kernel_registry().entries().size()) + 1;
    return kernels * strategies * (b.warmup + b.repetitions) * tiles;
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

    std::int64_t units = ctx.units_before;
    for (const auto* kernel : kernels::kernels_in_pipeline_order()) {
      measure_kernel(ctx, *kernel, reference, global, strategies, units, out);
    }
    // The pipeline check needs the reference's magnitude and masks only.
    for (auto& r : reference) {
      r.input = {};
      r.blurred = {};
      r.eroded = {};
    }
    measure_pipeline(ctx, reference, global, strategies, units, out);
  }

 private:
  static core::Sample sample_for(const OptimizerContext& ctx, const std::string& strategy,
                                 const std::string& kernel, const core::Step& step) {
    core::Sample s;
    s.optimizer = "cpu";
    s.strategy = strategy;
    s.kernel = kernel;
    s.image = ctx.workload.image;
    s.rank = ctx.comm.rank();
    s.repetition = step.repetition;
    s.tiles = static_cast<std::int64_t>(ctx.workload.tiles.size());
    s.check = core::CheckStatus::passed;
    return s;
  }

  static void measure_kernel(const OptimizerContext& ctx, const kernels::KernelInfo& kernel,
                             const std::vector<TileWork<double>>& reference,
                             const kernels::PipelineResult& global,
                             std::vector<std::unique_ptr<kernels::CpuStrategy>>& strategies,
                             std::int64_t& units, OptimizerOutput& out) {
    const auto& names = ctx.config.optimizers.at("cpu").strategies;
    const auto& b = ctx.config.benchmark;
    const auto total_tiles = static_cast<std::int64_t>(ctx.workload.plan.tiles.size());
    const std::size_t tiles = reference.size();
    std::vector<std::unique_ptr<kernels::KernelCase>> cases;
    run_phase(ctx.comm, "prepare", [&] {
      for (const auto& r : reference) cases.push_back(kernel.make_case(r, global));
    });
    std::vector<std::vector<TileRecord>> records(names.size(), std::vector<TileRecord>(tiles));
    std::vector<double> seconds(tiles);
    for (const auto& step : core::measurement_schedule(static_cast<int>(names.size()), b.warmup,
                                                       b.repetitions, b.seed)) {
      const auto si = static_cast<std::size_t>(step.strategy);
      NSPERF_REGION(names[si]);
      const std::string label = step_label(kernel.name, names[si], step, b.repetitions);
      run_phase(ctx.comm, "compute", [&] {
        const double start = ctx.clock.now();
        for (std::size_t t = 0; t < tiles; ++t) {
          core::Stopwatch clock;
          cases[t]->run(*strategies[si]);
          seconds[t] = clock.elapsed_s();
          // Rank 0 sees only its own tiles between rounds; the others run at the same pace.
          ctx.progress.set(units + static_cast<std::int64_t>(t + 1) * total_tiles /
                                       static_cast<std::int64_t>(tiles),
                           label);
        }
        const double end = ctx.clock.now();
        if (!step.measured() || tiles == 0) return;
        core::Sample s = sample_for(ctx, names[si], kernel.name, step);
        s.start_s = start;
        s.end_s = end;
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
        out.samples.push_back(s);
      });
      units += total_tiles;
      ctx.progress.set(units, label);
    }
  }

  static void measure_pipeline(const OptimizerContext& ctx,
                               const std::vector<TileWork<double>>& reference,
                               const kernels::PipelineResult& ref_global,
                               std::vector<std::unique_ptr<kernels::CpuStrategy>>& strategies,
                               std::int64_t& units, OptimizerOutput& out) {
    const auto& names = ctx.config.optimizers.at("cpu").strategies;
    const auto& b = ctx.config.benchmark;
    const auto& local = ctx.workload.tiles;
    const auto total_tiles = static_cast<std::int64_t>(ctx.workload.plan.tiles.size());
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
    for (const auto& step : core::measurement_schedule(static_cast<int>(names.size()), b.warmup,
                                                       b.repetitions, b.seed)) {
      const auto si = static_cast<std::size_t>(step.strategy);
      NSPERF_REGION(names[si]);
      const std::string label = step_label("pipeline", names[si], step, b.repetitions);
      kernels::PipelineResult global;
      double start = 0;
      double end = 0;
      run_collective(ctx.comm, "pipeline", [&] {
        start = ctx.clock.now();
        global = kernels::run_pipeline(*strategies[si], work, reduce);
        end = ctx.clock.now();
      });
      run_phase(ctx.comm, "check", [&] {
        if (!step.measured() || local.empty()) return;
        core::Sample s = sample_for(ctx, names[si], "pipeline", step);
        s.start_s = start;
        s.end_s = end;
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
        out.samples.push_back(s);
      });
      units += total_tiles;
      ctx.progress.set(units, label);
    }

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

NSPERF_REGISTER_OPTIMIZER(
    CpuOptimizer, "cpu",
    "CPU strategies (threads, vectorization, blocking, fusion) for every kernel and "
    "the whole pipeline, against a one-thread scalar baseline")

}  // namespace nsperf::mpi
