// The memory optimizer: the pipeline under every configured memory strategy (storage type,
// pooled or per-tile buffers, compressed queue), measuring the memory each one holds and needs,
// and checking its output against the double-precision reference.
//
// Peak memory per strategy: before each run every rank resets its resident-memory high-water
// mark (writes 5 to /proc/self/clear_refs); after it, VmHWM minus the resident memory at the
// start is what the run added. glibc is told to serve large buffers from mmap and give them
// back on free (a fixed M_MMAP_THRESHOLD), so one strategy's freed memory does not stay
// resident into the next one's measurement. Buffers count their own allocations and bytes.
#include <malloc.h>

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <cmath>

#include "nsperf/core/checksum.hpp"
#include "nsperf/core/memory.hpp"
#include "nsperf/core/statistics.hpp"
#include "nsperf/kernels/memory_pipeline.hpp"
#include "nsperf/mpi/collective.hpp"
#include "nsperf/mpi/optimizer.hpp"
#include "nsperf/mpi/phase.hpp"
#include "nsperf/mpi/runner.hpp"

namespace nsperf::mpi {
namespace {

using kernels::TileWork;

// What a tile's output is checked against, kept small: the reference's opened mask, and for
// the mask window how far each reference magnitude is from the threshold's boundary.
struct TileReference {
  core::Plane<std::uint8_t> opened;  // rect
  core::Plane<float> distance;       // rect + 2
};

class MemoryOptimizer final : public Optimizer {
 public:
  [[nodiscard]] std::int64_t halo() const override { return kernels::kPipelineHalo; }

  [[nodiscard]] std::int64_t work_units(const core::Config& config,
                                        std::int64_t tiles) const override {
    return scheduled_units(config, strategies_of(config, "memory"), tiles);
  }

  [[nodiscard]] double bytes_per_pixel() const override {
    // The reference while it runs (27 B); then check data (5 B) beside the float64 strategy's
    // queue and magnitudes (16 B) and the pools of the pooled strategies (8 B each).
    return 40.0;
  }

  void run(const OptimizerContext& ctx, OptimizerOutput& out) override {
    // Large buffers from mmap, returned on free: see the top of this file.
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    mallopt(M_TRIM_THRESHOLD, 256 * 1024);
    const auto& names = ctx.config.optimizers.at("memory").strategies;
    const auto& local = ctx.workload.tiles;
    const auto dtype = ctx.workload.image.dtype;

    std::vector<kernels::MemoryPlan> plans;
    std::vector<std::unique_ptr<kernels::Buffers>> buffers;
    std::vector<TileReference> references(local.size());
    double largest = 1;
    int threshold = 0;
    run_phase(ctx.comm, "prepare", [&] {
      for (const auto& name : names) {
        plans.push_back(kernels::memory_strategies().at(name, "memory strategy").plan);
        buffers.push_back(std::make_unique<kernels::Buffers>(plans.back().pooled));
      }
    });
    {
      // The reference, then only what the checks need of it.
      std::vector<TileWork<double>> reference;
      run_phase(ctx.comm, "prepare", [&] {
        for (const auto& t : local)
          reference.emplace_back(t.padded, t.rect, ctx.workload.image.extent);
      });
      MpiReduce reduce(ctx.comm);
      kernels::PipelineResult global;
      run_collective(ctx.comm, "reference",
                     [&] { global = kernels::run_reference_pipeline(reference, reduce); });
      threshold = global.threshold;
      run_phase(ctx.comm, "prepare", [&] {
        const double boundary = global.scale > 0 ? (global.threshold + 1) / global.scale : 0.0;
        for (std::size_t t = 0; t < local.size(); ++t) {
          auto& r = reference[t];
          for (double v : r.input.values()) largest = std::max(largest, std::abs(v));
          references[t].opened = std::move(r.opened);
          references[t].distance = core::Plane<float>(r.magnitude.extent());
          auto d = references[t].distance.view();
          for (std::int64_t y = 0; y < d.height; ++y)
            for (std::int64_t x = 0; x < d.width; ++x)
              d(x, y) = static_cast<float>(std::abs(r.magnitude.view()(x, y) - boundary));
        }
      });
    }
    largest = bmpi::all_reduce(ctx.comm, largest, bmpi::maximum<double>());

    std::vector<const core::Image*> inputs;
    std::vector<core::Rect> rects;
    for (const auto& t : local) {
      inputs.push_back(&t.padded);
      rects.push_back(t.rect);
    }
    bool resets = true;
    MpiReduce reduce(ctx.comm);
    Runner runner(ctx, "memory", out);
    runner.run(strategy_entries(names), [&](Trial& trial) {
      const auto si = trial.index();
      const auto& plan = plans[si];
      if (!kernels::plan_supports(plan, dtype)) return;  // said once, in the notes
      const double tolerance = kernels::magnitude_tolerance(plan, dtype, largest);
      std::int64_t differing = 0;
      std::int64_t bad = 0;
      std::vector<std::uint64_t> sums(local.size());
      kernels::PipelineResult global;
      kernels::MemoryRunStats stats;
      std::int64_t rss_before = 0;
      Timing t;
      run_collective(ctx.comm, "memory", [&] {
        // Untimed, in the same collective: the peak and the counters start from here.
        resets = core::reset_peak_rss() && resets;
        rss_before = static_cast<std::int64_t>(core::current_rss_bytes());
        buffers[si]->reset_counts();
        t = trial.time([&] {
          global = kernels::run_memory_pipeline(
              plan, inputs, rects, ctx.workload.image.extent, ctx.threads, reduce, *buffers[si],
              [&](std::size_t i, core::View<const std::uint8_t> opened) {
                // Outside the measured work in spirit, but inside the run: it sees the mask
                // before the buffer goes back. It only reads, and allocates nothing.
                sums[i] = core::checksum_of(std::span<const std::uint8_t>(
                    opened.data, static_cast<std::size_t>(opened.width * opened.height)));
                const auto c = kernels::compare_opened(opened, references[i].opened.view(),
                                                       references[i].distance.view(), tolerance);
                differing += c.differing;
                bad += c.unexplained;
              },
              stats);
        });
      });
      trial.check([&] {
        if (local.empty()) return;
        core::Sample& s = trial.record("pipeline", t);
        for (const auto& r : rects) s.pixels += r.pixels();
        s.bytes = stats.raw_bytes;
        s.rss_increase_bytes = std::max<std::int64_t>(
            0, static_cast<std::int64_t>(core::peak_rss_bytes()) - rss_before);
        s.held_bytes = buffers[si]->peak_in_use_bytes();
        s.allocations = buffers[si]->allocations();
        s.queue_bytes = stats.queued_bytes;
        s.checksum = core::checksum_of(std::span<const std::uint64_t>(sums));
        s.differing = differing;
        s.tolerance = tolerance;
        s.check = global.threshold == threshold && bad == 0 ? core::CheckStatus::passed
                                                            : core::CheckStatus::failed;
      });
    });
    if (ctx.comm.rank() == 0) {
      for (std::size_t si = 0; si < names.size(); ++si) {
        if (!kernels::plan_supports(plans[si], dtype)) {
          out.notes.push_back("memory strategy " + names[si] +
                              " skipped: " + std::string(core::to_string(dtype)) +
                              " images have no 16-bit fixed-point form (u8 and u16 do)");
        }
      }
      if (!resets) {
        out.notes.push_back(
            "the kernel refused to reset the resident-memory high-water mark "
            "(/proc/self/clear_refs): memory peaks count from process start");
      }
    }
  }
};

}  // namespace

NSPERF_REGISTER_OPTIMIZER(
    MemoryOptimizer, "memory",
    "storage types, buffer pools and compressed queues: the pipeline's peak memory, "
    "allocations and time against float64 buffers")

}  // namespace nsperf::mpi
