// The CPU optimizer: every kernel of the workload under every configured CPU strategy, on the
// tiles each rank owns, checked against the kernel's reference.
//
// How a measurement is made (the template for every optimizer):
//  - inputs, references and tolerances are prepared once, outside every timing;
//  - warm-up rounds, then measured rounds, strategies interleaved (core::measurement_schedule);
//  - each round is one phase: the ranks compute concurrently (they share memory bandwidth as
//    in a real run), then agree, which also lines them up for the next round;
//  - the timed region is the kernel call on one tile, nothing else; checksums and the check
//    against the reference run after it.
#include <algorithm>
#include <cmath>

#include "nsperf/core/checksum.hpp"
#include "nsperf/core/memory.hpp"
#include "nsperf/core/schedule.hpp"
#include "nsperf/core/statistics.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/mpi/optimizer.hpp"
#include "nsperf/mpi/phase.hpp"

namespace nsperf::mpi {
namespace {

// One tile prepared for one kernel.
struct Prepared {
  core::Plane<float> in;    // padded input in the working type
  core::Plane<double> ref;  // the reference output
  core::Plane<float> out;   // every strategy writes here in turn
  double tolerance = 0;
};

// What one strategy did on one tile over the measured repetitions.
struct TileRecord {
  std::vector<double> seconds;
  std::uint64_t checksum = 0;  // of the first measured output
  double max_abs_error = 0;    // worst over repetitions
  bool checked = false;
};

double max_abs_error(core::View<const float> out, core::View<const double> ref) {
  double worst = 0;
  for (std::int64_t y = 0; y < out.height; ++y) {
    for (std::int64_t x = 0; x < out.width; ++x) {
      const double e = std::abs(static_cast<double>(out(x, y)) - ref(x, y));
      // NaN must fail the check, and max() would drop it.
      if (!(e <= worst)) worst = e;
    }
  }
  return worst;
}

double largest_magnitude(const core::Plane<double>& p) {
  double m = 0;
  for (double v : p.values()) m = std::max(m, std::abs(v));
  return m;
}

class CpuOptimizer final : public Optimizer {
 public:
  [[nodiscard]] std::int64_t halo() const override {
    std::int64_t h = 0;
    for (const auto& k : kernels::kernel_registry().entries()) h = std::max(h, k.halo);
    return h;
  }

  [[nodiscard]] std::int64_t work_units(const core::Config& config,
                                        std::int64_t tiles) const override {
    const auto& b = config.benchmark;
    const auto strategies =
        static_cast<std::int64_t>(config.optimizers.at("cpu").strategies.size());
    const auto kernels = static_cast<std::int64_t>(kernels::kernel_registry().entries().size());
    return kernels * strategies * (b.warmup + b.repetitions) * tiles;
  }

  void run(const OptimizerContext& ctx, OptimizerOutput& out) override {
    std::int64_t units = ctx.units_before;
    for (const auto& kernel : kernels::kernel_registry().entries()) {
      measure(ctx, kernel, units, out);
    }
  }

 private:
  static void measure(const OptimizerContext& ctx, const kernels::KernelInfo& kernel,
                      std::int64_t& units, OptimizerOutput& out) {
    const auto& names = ctx.config.optimizers.at("cpu").strategies;
    const auto& tiles = ctx.workload.tiles;
    const auto total_tiles = static_cast<std::int64_t>(ctx.workload.plan.tiles.size());
    const std::int64_t pad = ctx.workload.plan.halo - kernel.halo;

    std::vector<std::unique_ptr<kernels::CpuStrategy>> strategies;
    std::vector<Prepared> prepared(tiles.size());
    run_phase(ctx.comm, "prepare", [&] {
      for (const auto& name : names) {
        strategies.push_back(
            kernels::cpu_strategies().at(name, "cpu strategy").make({ctx.threads}));
      }
      for (std::size_t t = 0; t < tiles.size(); ++t) {
        const auto& tile = tiles[t];
        // The workload's halo is the largest any kernel needs; this kernel sees its own.
        const core::Image& padded = tile.padded;
        auto full_in = core::to_plane<float>(padded);
        auto ref_in = core::to_plane<double>(padded);
        const auto e = padded.extent();
        const core::Extent in_extent{e.width - 2 * pad, e.height - 2 * pad};
        Prepared p;
        if (pad == 0) {
          p.in = std::move(full_in);
        } else {
          p.in = core::Plane<float>(in_extent);
          auto src = full_in.view().sub(pad, pad, in_extent.width, in_extent.height);
          for (std::int64_t y = 0; y < in_extent.height; ++y) {
            std::copy_n(src.row(y), in_extent.width, p.in.view().row(y));
          }
        }
        p.ref = core::Plane<double>({tile.rect.width, tile.rect.height});
        kernel.reference(ref_in.view().sub(pad, pad, in_extent.width, in_extent.height),
                         p.ref.view());
        p.tolerance = kernel.relative_tolerance * std::max(1.0, largest_magnitude(ref_in));
        p.out = core::Plane<float>({tile.rect.width, tile.rect.height});
        prepared[t] = std::move(p);
      }
    });

    const auto& b = ctx.config.benchmark;
    const auto schedule =
        core::measurement_schedule(static_cast<int>(names.size()), b.warmup, b.repetitions, b.seed);
    std::vector<std::vector<TileRecord>> records(names.size(),
                                                 std::vector<TileRecord>(tiles.size()));
    std::vector<double> seconds(tiles.size());

    for (const auto& step : schedule) {
      const std::string label =
          "cpu " + kernel.name + " " + names[static_cast<std::size_t>(step.strategy)] +
          (step.measured()
               ? " rep " + std::to_string(step.repetition + 1) + "/" + std::to_string(b.repetitions)
               : " warm-up");
      run_phase(ctx.comm, "compute", [&] {
        auto& strategy = *strategies[static_cast<std::size_t>(step.strategy)];
        for (std::size_t t = 0; t < tiles.size(); ++t) {
          auto& p = prepared[t];
          core::Stopwatch clock;
          (strategy.*kernel.run)(p.in.view(), p.out.view());
          seconds[t] = clock.elapsed_s();
          // Rank 0 only sees its own tiles between rounds; the others run at the same pace.
          ctx.progress.set(units + static_cast<std::int64_t>(t + 1) * total_tiles /
                                       static_cast<std::int64_t>(tiles.size()),
                           label);
        }
        if (step.measured() && !tiles.empty()) {
          out.samples.push_back(check(ctx, kernel, step, names, prepared, seconds,
                                      records[static_cast<std::size_t>(step.strategy)]));
        }
      });
      units += total_tiles;
      ctx.progress.set(units, label);
    }

    for (std::size_t s = 0; s < names.size(); ++s) {
      for (std::size_t t = 0; t < tiles.size(); ++t) {
        const auto& r = records[s][t];
        core::TileResult row;
        row.tile_id = tiles[t].id;
        row.rank = ctx.comm.rank();
        row.rect = tiles[t].rect;
        row.halo = kernel.halo;
        row.optimizer = "cpu";
        row.strategy = names[s];
        row.compute_s = r.seconds.empty() ? 0.0 : core::median(r.seconds);
        row.transfer_s = tiles[t].transfer_s;
        row.io_s = tiles[t].io_s;
        row.raw_bytes = static_cast<std::int64_t>(tiles[t].padded.bytes().size());
        row.checksum = r.checksum;
        row.check = !r.checked                                 ? core::CheckStatus::not_checked
                    : r.max_abs_error <= prepared[t].tolerance ? core::CheckStatus::passed
                                                               : core::CheckStatus::failed;
        row.max_abs_error = r.max_abs_error;
        row.tolerance = prepared[t].tolerance;
        out.tiles.push_back(row);
      }
    }
  }

  // After a measured run: checksums, the check against the reference, the sample.
  static core::Sample check(const OptimizerContext& ctx, const kernels::KernelInfo& kernel,
                            const core::Step& step, const std::vector<std::string>& names,
                            const std::vector<Prepared>& prepared,
                            const std::vector<double>& seconds, std::vector<TileRecord>& records) {
    core::Sample s;
    s.optimizer = "cpu";
    s.strategy = names[static_cast<std::size_t>(step.strategy)];
    s.kernel = kernel.name;
    s.image = ctx.workload.image;
    s.rank = ctx.comm.rank();
    s.repetition = step.repetition;
    s.tiles = static_cast<std::int64_t>(prepared.size());
    s.check = core::CheckStatus::passed;
    std::vector<std::uint64_t> sums;
    for (std::size_t t = 0; t < prepared.size(); ++t) {
      const auto& p = prepared[t];
      auto& r = records[t];
      const std::uint64_t sum = core::checksum_of(p.out.values());
      // The full comparison runs on the first measured output; later ones are compared by
      // checksum, and compared in full again only if they differ (a race, say).
      double error = r.max_abs_error;
      if (!r.checked || sum != r.checksum) error = max_abs_error(p.out.view(), p.ref.view());
      if (!r.checked) r.checksum = sum;
      r.checked = true;
      if (!(error <= r.max_abs_error)) r.max_abs_error = error;
      r.seconds.push_back(seconds[t]);

      s.seconds += seconds[t];
      s.pixels += p.out.extent().pixels();
      s.bytes +=
          static_cast<std::int64_t>((p.in.values().size() + p.out.values().size()) * sizeof(float));
      if (!(error <= s.max_abs_error)) s.max_abs_error = error;
      s.tolerance = std::max(s.tolerance, p.tolerance);
      if (!(error <= p.tolerance)) s.check = core::CheckStatus::failed;
      sums.push_back(sum);
    }
    s.checksum = core::checksum_of(std::span<const std::uint64_t>(sums));
    s.peak_rss_bytes = static_cast<std::int64_t>(core::peak_rss_bytes());
    return s;
  }
};

}  // namespace

NSPERF_REGISTER_OPTIMIZER(CpuOptimizer, "cpu",
                          "CPU strategies (threads, vectorization) for every kernel, against a "
                          "one-thread scalar baseline")

}  // namespace nsperf::mpi
