#include "nsperf/mpi/benchmark.hpp"

#include <mpi.h>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/environment.hpp>
#include <boost/version.hpp>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <tuple>

#include "nsperf/core/error.hpp"
#include "nsperf/core/memory.hpp"
#include "nsperf/core/sha256.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/io/hdf5.hpp"
#include "nsperf/io/image_reader.hpp"
#include "nsperf/kernels/machine.hpp"
#include "nsperf/mpi/collective.hpp"
#include "nsperf/mpi/job_context.hpp"
#include "nsperf/mpi/phase.hpp"
#include "nsperf/mpi/profile.hpp"
#include "serialization.hpp"

namespace nsperf::mpi {
namespace {

std::vector<std::string> notes_for(const core::Provenance& p, const NodeLayout& layout,
                                   const core::TilePlan& plan) {
  std::vector<std::string> notes;
  const auto tiles = static_cast<std::int64_t>(plan.tiles.size());
  if (tiles < plan.ranks) {
    notes.push_back(std::to_string(plan.ranks - tiles) + " of " + std::to_string(plan.ranks) +
                    " ranks have no tile (" + std::to_string(tiles) +
                    " tiles); a smaller --tile gives every rank work");
  }
  const std::int64_t busy = layout.busy_cores();
  if (busy > layout.node_cores) {
    notes.push_back(std::to_string(layout.node_ranks) + " ranks x " +
                    std::to_string(layout.threads) + " threads oversubscribe rank 0's node (" +
                    std::to_string(layout.node_cores) + " cores): timings include time-sharing");
  } else if (busy < layout.node_cores && p.threads_per_rank == 1) {
    notes.push_back("each rank runs 1 OpenMP thread and " +
                    std::to_string(layout.node_cores - busy) + " of rank 0's node's " +
                    std::to_string(layout.node_cores) +
                    " cores stay idle: the launcher binds each rank to one core (Open MPI does for "
                    "-n <= 2); use 'mpirun --bind-to none' or '--map-by slot:PE=N' with "
                    "OMP_NUM_THREADS=N");
  }
  return notes;
}

}  // namespace

namespace {

// Refuses, before any work, a run whose tiles cannot fit in a node's memory.
void check_memory(const bmpi::communicator& comm, const core::ImageSpec& spec,
                  const std::string& description, const NodeLayout& layout,
                  double bytes_per_pixel) {
  const double pixels = static_cast<double>(spec.extent.pixels());
  const double per_rank = pixels / comm.size() * bytes_per_pixel;
  // Rank 0 also holds the whole image while it sends the tiles out.
  const double node =
      per_rank * layout.node_ranks + pixels * static_cast<double>(core::dtype_size(spec.dtype));
  const auto memory = static_cast<double>(core::physical_memory_bytes());
  if (comm.rank() == 0 && memory > 0 && node > 0.9 * memory) {
    throw InputError(
        description + ": needs about " + std::to_string(static_cast<long long>(node / (1 << 30))) +
        " GiB on rank 0's node with " + std::to_string(comm.size()) + " ranks, more than its " +
        std::to_string(static_cast<long long>(memory / (1 << 30))) +
        " GiB: use more ranks (or nodes) or a smaller image");
  }
}

std::string join_warnings(const std::vector<std::string>& w) {
  std::string out;
  for (const auto& s : w) out += (out.empty() ? "" : "; ") + s;
  return out;
}

}  // namespace

BenchmarkResult run_benchmark(const bmpi::communicator& comm, const BenchmarkRequest& request,
                              ProgressSink* sink) {
  const auto& cfg = request.config;
  BenchmarkResult result;
  start_profile();
  const NodeLayout layout = node_layout(comm, cfg.setting<int>("cpu", "threads"));
  result.provenance = gather_provenance(comm, request.command_line, cfg, layout);
  // The machine as the measurements begin (the other ranks wait in the next collective).
  if (comm.rank() == 0) {
    auto warnings = core::measurement_warnings(layout.node_ranks);
    if (auto w = busy_polling_warning(layout, waits_yield_the_core()); !w.empty())
      warnings.push_back(std::move(w));
    if (const int slow = cfg.benchmark.slowdown_percent; slow > 0) {
      warnings.push_back("benchmark.slowdown_percent=" + std::to_string(slow) +
                         ": every measured run was lengthened by " + std::to_string(slow) +
                         "% on purpose (to test a regression gate)");
    }
    result.provenance.warnings = join_warnings(warnings);
  }

  std::vector<std::unique_ptr<Optimizer>> chosen;
  std::int64_t halo = 0;
  double bytes_per_pixel = 0;
  run_phase(comm, "setup", [&] {
    for (const auto& name : request.optimizers) {
      chosen.push_back(optimizers().at(name, "optimizer").make());
      halo = std::max(halo, chosen.back()->halo());
      bytes_per_pixel = std::max(bytes_per_pixel, chosen.back()->bytes_per_pixel());
    }
  });

  const auto& bench = cfg.input;
  const ImageOrigin origin{bench.image, bench.raw, bench.synthetic, bench.seed, bench.skew};
  std::optional<core::ScopedRegion> input_region(std::in_place, "input");
  LoadedImage loaded = load_image(comm, origin);
  const auto& spec = loaded.spec;
  run_phase(comm, "tile", [&] {
    if (comm.rank() == 0) core::check_tile_side(bench.tile, spec.extent, "--tile (input.tile)");
  });
  run_phase(comm, "memory",
            [&] { check_memory(comm, spec, loaded.description, layout, bytes_per_pixel); });
  // Formats with partial reads: every other rank reads its own tiles from the file (rank 0
  // still holds the whole image, which the optimizers send tiles from).
  const Workload workload =
      loaded.partial
          ? read_own_tiles(comm, std::move(loaded.pixels), spec, origin, bench.tile, halo)
          : distribute_image(comm, std::move(loaded.pixels), spec, bench.tile, halo);
  input_region.reset();
  std::vector<std::int64_t> bytes_read;
  bmpi::gather(comm, workload.bytes_read, bytes_read, 0);
  result.provenance.image = loaded.description;
  if (comm.rank() == 0 && request.on_start) request.on_start(result.provenance);
  // The ceiling every kernel's bandwidth is compared with: all ranks at once, as they run.
  double bandwidth = 0;
  {
    NSPERF_REGION("bandwidth");
    bandwidth = job_bandwidth_gbyte_per_s(comm, layout.threads);
  }
  std::optional<core::ScopedRegion> clock_region(std::in_place, "clock", core::RegionKind::mpi);
  const RunClock clock(comm);
  clock_region.reset();
  const double uncertainty = bmpi::all_reduce(comm, clock.uncertainty_s(), bmpi::maximum<double>());
  const auto tiles = static_cast<std::int64_t>(workload.plan.tiles.size());
  std::int64_t total = 0;
  for (const auto& o : chosen) total += o->work_units(cfg, tiles);
  Progress progress(comm.rank() == 0 ? sink : nullptr, total);

  OptimizerOutput out;
  std::int64_t before = 0;
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    const auto& o = chosen[i];
    NSPERF_REGION(request.optimizers[i]);
    o->run({comm, cfg, workload, progress, clock, layout.threads, before, layout.node_ranks}, out);
    before += o->work_units(cfg, tiles);
  }
  progress.finish();
  result.samples = std::move(out.samples);
  result.tiles = std::move(out.tiles);
  result.message_sizes = std::move(out.message_sizes);

  std::vector<std::vector<core::Sample>> all;
  {
    NSPERF_MPI_REGION("gather");
    bmpi::gather(comm, result.samples, all, 0);
  }
  if (comm.rank() == 0) {
    std::vector<core::Sample> flat;
    for (auto& part : all) flat.insert(flat.end(), part.begin(), part.end());
    // The optimizers' own per-kernel baselines first: baseline_of prefers them.
    std::vector<core::Baseline> baselines = out.baselines;
    for (const auto& name : request.optimizers) {
      if (const auto* b = core::strategy_catalog().baseline(name))
        baselines.push_back({name, b->name, ""});
    }
    // Kernels in the order rank 0 first recorded them, then strategies in the config's order
    // (baseline first; plain-MPI references, which are no strategy of the config, last).
    std::vector<std::string> kernels;
    for (const auto& s : flat) {
      if (std::find(kernels.begin(), kernels.end(), s.kernel) == kernels.end())
        kernels.push_back(s.kernel);
    }
    // References in the catalog's order, not in the shuffled order of the first round (looked
    // up once per optimizer, not in every comparison).
    std::map<std::string, std::vector<std::string>, std::less<>> references;
    for (const auto& name : request.optimizers) {
      for (const auto& r : core::strategy_catalog().references(name))
        references[name].push_back(r.name);
    }
    auto order_of = [&](const core::Sample& s) {
      const auto& names = request.optimizers;
      const auto& list = cfg.optimizers.at(s.optimizer).strategies;
      const auto& refs = references[s.optimizer];
      const auto in_list = std::find(list.begin(), list.end(), s.strategy) - list.begin();
      const auto reference = std::find(refs.begin(), refs.end(), s.strategy) - refs.begin();
      return std::tuple(std::find(names.begin(), names.end(), s.optimizer) - names.begin(),
                        std::find(kernels.begin(), kernels.end(), s.kernel) - kernels.begin(),
                        in_list, reference);
    };
    std::stable_sort(flat.begin(), flat.end(), [&](const core::Sample& a, const core::Sample& b) {
      return order_of(a) < order_of(b);
    });
    auto summaries = core::summarize_samples(flat, baselines, bandwidth);
    result.baselines = baselines;
    result.summary = std::move(summaries.rows);
    result.repetitions = std::move(summaries.repetitions);
    result.notes = notes_for(result.provenance, layout, workload.plan);
    result.notes.insert(result.notes.end(), out.notes.begin(), out.notes.end());
    if (loaded.partial && comm.size() > 1 && origin.image.empty()) {
      result.notes.push_back(
          "input: rank 0 rendered the whole synthetic image; the other ranks rendered only their "
          "tiles with halos");
    } else if (loaded.partial && comm.size() > 1) {
      std::string per_rank;
      for (std::size_t r = 1; r < bytes_read.size(); ++r) {
        per_rank += (r == 1 ? "" : ", ") + std::to_string(r) + ": " +
                    core::format_bytes(static_cast<double>(bytes_read[r]));
      }
      result.notes.push_back("input: rank 0 read the whole image (" +
                             core::format_bytes(static_cast<double>(loaded.bytes_read)) +
                             "); the other ranks read only their tiles with halos (" + per_rank +
                             ")");
    }
    auto& p = result.provenance;
    for (const auto& note : result.notes) p.notes += (p.notes.empty() ? "" : "\n") + note;
    p.end_time = core::utc_timestamp();
    // The input's identity for nsperf compare, hashed after the measurements so the read does
    // not run beside them. A failure here must not leave the other ranks waiting: it is a note.
    if (!origin.image.empty()) {
      try {
        p.input_sha256 = core::sha256_file(io::parse_image_input(origin.image, {}).path);
      } catch (const std::exception& e) {
        p.notes +=
            std::string(p.notes.empty() ? "" : "\n") +
            "input: not hashed (nsperf compare cannot check it is the same file): " + e.what();
      }
    }
    p.bandwidth_gbyte_per_s = bandwidth;
    p.clock_uncertainty_s = uncertainty;
    p.region_overhead_s = core::region_overhead_s();
    p.cut_ahead_gbyte_per_s = out.cut_ahead_gbyte_per_s;
    p.cut_ahead_apart_gbyte_per_s = out.cut_ahead_apart_gbyte_per_s;
    p.handover_waiting_s = out.handover_waiting_s;
    p.handover_computing_s = out.handover_computing_s;
    p.handover_slice_s = out.handover_slice_s;
    p.busy_cores_slowdown = out.busy_cores_slowdown;
    p.busy_cores = out.busy_cores;
    p.sending_ns_per_byte = out.sending_s_per_byte * 1e9;
  }
  bmpi::broadcast(comm, result.provenance, 0);
  // The profile ends here: the results file it is stored in is written afterwards.
  auto regions = gather_regions(comm);
  result.regions = std::move(regions.mine);
  result.all_regions = std::move(regions.all);
  return result;
}

}  // namespace nsperf::mpi
