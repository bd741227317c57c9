#include "nsperf/mpi/production.hpp"

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <variant>

#include "nsperf/core/checksum.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/sha256.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/io/catalog.hpp"
#include "nsperf/io/output_file.hpp"
#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/kernels/pipeline_check.hpp"
#include "nsperf/mpi/benchmark.hpp"
#include "nsperf/mpi/collective.hpp"
#include "nsperf/mpi/phase.hpp"
#include "nsperf/mpi/profile.hpp"
#include "nsperf/mpi/results_writer.hpp"
#include "nsperf/mpi/workload.hpp"
#include "serialization.hpp"

namespace nsperf::mpi {
namespace {

using kernels::TileWork;

double slowest(const bmpi::communicator& comm, double local) {
  return bmpi::all_reduce(comm, local, bmpi::maximum<double>());
}

// Per-tile figures that need no reference.
io::TileStats stats_of(const LocalTile& tile, const TileWork<float>& work, int rank) {
  io::TileStats s;
  s.tile_id = tile.id;
  s.rank = rank;
  s.rect = tile.rect;
  s.read_s = tile.io_s;
  s.transfer_s = tile.transfer_s;
  s.compute_s = work.compute_s;
  const auto pixels = static_cast<double>(tile.rect.pixels());
  s.negative_space_fraction = pixels > 0 ? static_cast<double>(work.background) / pixels : 0.0;
  // The magnitude window is the tile grown by 2.
  const auto m = work.magnitude.view().sub(2, 2, tile.rect.width, tile.rect.height);
  double sum = 0;
  double max = 0;
  for (std::int64_t y = 0; y < m.height; ++y) {
    for (std::int64_t x = 0; x < m.width; ++x) {
      sum += m(x, y);
      max = std::max(max, static_cast<double>(m(x, y)));
    }
  }
  s.gradient_mean = pixels > 0 ? sum / pixels : 0.0;
  s.gradient_max = max;
  s.mask_checksum = core::checksum_of(work.opened.values());
  // As nsperf verify reads it back: the tile's gradient rows, contiguous.
  std::vector<float> gradient;
  gradient.reserve(static_cast<std::size_t>(tile.rect.pixels()));
  for (std::int64_t y = 0; y < m.height; ++y)
    gradient.insert(gradient.end(), m.row(y), m.row(y) + m.width);
  s.gradient_checksum = core::checksum_of(std::span<const float>(gradient));
  return s;
}

// Rank 0 writes the catalog alone, fed the other ranks' rows over MPI: SQLite has one writer at
// a time, and the rows are few (one per tile).
void add_to_catalog(const bmpi::communicator& comm, const core::Config& cfg,
                    const ProductionReport& report, const std::vector<io::TileStats>& stats,
                    const std::filesystem::path& output) {
  const auto per_rank = gather_records(comm, std::span<const io::TileStats>(stats));
  run_phase(comm, "catalog", [&] {
    if (comm.rank() != 0) return;
    std::vector<io::TileStats> all;
    for (const auto& part : per_rank) all.insert(all.end(), part.begin(), part.end());
    std::sort(all.begin(), all.end(),
              [](const io::TileStats& a, const io::TileStats& b) { return a.tile_id < b.tile_id; });
    const auto& p = report.provenance;
    nlohmann::json provenance = nlohmann::json::object();
    for (const auto& [name, value] : p.attributes())
      std::visit([&](const auto& v) { provenance[name] = v; }, value);
    io::CatalogRun run;
    run.run_id = p.run_id;
    run.created = p.end_time;
    run.image = p.image;
    run.source_file = cfg.benchmark.image;
    run.source_sha256 = report.source_sha256;
    run.output = output.string();
    run.strategy = cfg.run.strategy;
    run.ranks = static_cast<int>(p.ranks);
    run.width = report.width;
    run.height = report.height;
    run.tile = cfg.benchmark.tile;
    run.threshold = report.threshold;
    run.negative_space_fraction = report.negative_space_fraction;
    run.check_status = report.check_status;
    run.provenance_json = provenance.dump();
    auto catalog = io::Catalog::open(cfg.run.catalog);
    catalog.add_run(run, all);
    catalog.close();
  });
}

}  // namespace

ProductionReport run_production(const bmpi::communicator& comm, const ProductionRequest& request,
                                ProgressSink* sink) {
  const auto& cfg = request.config;
  const auto& bench = cfg.benchmark;
  ProductionReport report;
  start_profile();
  const NodeLayout layout = node_layout(comm, cfg.cpu_threads);
  report.provenance = gather_provenance(comm, request.command_line, cfg, layout);
  if (comm.rank() == 0) report.provenance.region_overhead_s = core::region_overhead_s();
  bmpi::broadcast(comm, report.provenance.region_overhead_s, 0);
  // Stages as progress units: read, pipeline, check (if asked), write.
  const std::int64_t stages = cfg.run.check ? 4 : 3;
  Progress progress(comm.rank() == 0 ? sink : nullptr, stages);
  std::int64_t stage = 0;

  std::unique_ptr<kernels::CpuStrategy> strategy;
  run_phase(comm, "setup", [&] {
    strategy = kernels::cpu_strategies()
                   .at(cfg.run.strategy, "cpu strategy (run.strategy)")
                   .make({layout.threads});
  });

  progress.set(stage, "read");
  const ImageOrigin origin{bench.image, bench.raw, bench.synthetic, bench.seed, bench.skew};
  core::Stopwatch read_clock;
  // Where the format allows, rank 0 reads only its own tiles, like every other rank.
  LoadedImage loaded = load_image(comm, origin, /*whole_if_partial=*/false);
  run_phase(comm, "checksum", [&] {
    if (comm.rank() != 0 || origin.image.empty()) return;
    report.source_sha256 = core::sha256_file(io::parse_image_input(origin.image, {}).path);
  });
  bmpi::broadcast(comm, report.source_sha256, 0);
  const std::int64_t halo = kernels::kPipelineHalo;
  Workload workload =
      loaded.partial
          ? read_own_tiles(comm, std::move(loaded.pixels), loaded.spec, origin, bench.tile, halo)
          : distribute_image(comm, std::move(loaded.pixels), loaded.spec, bench.tile, halo);
  workload.source = {};  // rank 0's copy of the whole image is no longer needed
  report.read_s = slowest(comm, read_clock.elapsed_s());
  report.partial = loaded.partial;
  bmpi::gather(comm, workload.bytes_read, report.bytes_read, 0);
  bmpi::broadcast(comm, report.bytes_read, 0);
  report.provenance.image = loaded.description;
  report.tiles = static_cast<std::int64_t>(workload.plan.tiles.size());

  progress.set(++stage, "pipeline " + cfg.run.strategy);
  std::vector<TileWork<float>> work;
  run_phase(comm, "prepare", [&] {
    for (auto& tile : workload.tiles) {
      work.emplace_back(tile.padded, tile.rect, workload.image.extent);
      if (!cfg.run.check) tile.padded = {};  // the working copy holds the pixels now
    }
  });
  MpiReduce reduce(comm);
  kernels::PipelineResult global;
  core::Stopwatch compute_clock;
  run_collective(comm, "pipeline",
                 [&] { global = kernels::run_pipeline(*strategy, work, reduce); });
  report.compute_s = slowest(comm, compute_clock.elapsed_s());
  report.threshold = global.threshold;
  report.boundary_magnitude = global.scale > 0 ? (global.threshold + 1) / global.scale : 0.0;

  std::vector<io::TileStats> stats;
  std::int64_t background = 0;
  for (std::size_t t = 0; t < work.size(); ++t) {
    stats.push_back(stats_of(workload.tiles[t], work[t], comm.rank()));
    background += work[t].background;
  }
  background = bmpi::all_reduce(comm, background, std::plus<>());
  const auto pixels = static_cast<double>(workload.image.extent.pixels());
  report.negative_space_fraction = pixels > 0 ? static_cast<double>(background) / pixels : 0.0;

  if (cfg.run.check) {
    progress.set(++stage, "check against the float64 reference");
    core::Stopwatch check_clock;
    std::vector<TileWork<double>> reference;
    run_phase(comm, "prepare-check", [&] {
      for (const auto& tile : workload.tiles)
        reference.emplace_back(tile.padded, tile.rect, workload.image.extent);
    });
    kernels::PipelineResult ref_global;
    run_collective(comm, "reference",
                   [&] { ref_global = kernels::run_reference_pipeline(reference, reduce); });
    std::int64_t failed = 0;
    run_phase(comm, "check", [&] {
      for (std::size_t t = 0; t < work.size(); ++t) {
        const auto c = kernels::check_pipeline_tile(work[t], global, reference[t], ref_global,
                                                    kernels::pipeline_tolerance(work[t]));
        stats[t].check = c.status;
        stats[t].differing_pixels = c.differing;
        if (c.status == core::CheckStatus::failed) ++failed;
      }
    });
    report.failed_tiles = bmpi::all_reduce(comm, failed, std::plus<>());
    report.check_s = slowest(comm, check_clock.elapsed_s());
  }

  progress.set(++stage, "write");
  const std::filesystem::path output = cfg.run.output;
  report.width = workload.image.extent.width;
  report.height = workload.image.extent.height;
  report.check_status =
      std::string(core::to_string(!cfg.run.check             ? core::CheckStatus::not_checked
                                  : report.failed_tiles == 0 ? core::CheckStatus::passed
                                                             : core::CheckStatus::failed));
  std::vector<io::OutputTile> planes;
  for (std::size_t t = 0; t < work.size(); ++t) {
    const auto& r = workload.tiles[t].rect;
    planes.push_back(
        {r, work[t].opened.view(), work[t].magnitude.view().sub(2, 2, r.width, r.height)});
  }
  const io::OutputLayout out_layout{workload.image.extent, bench.tile, cfg.run.compression,
                                    cfg.run.compression_level};
  core::Stopwatch write_clock;
  std::int64_t written = 0;
  if (comm.rank() == 0) report.provenance.end_time = core::utc_timestamp();
  bmpi::broadcast(comm, report.provenance.end_time, 0);
  const std::vector<std::pair<std::string, core::Provenance::Value>> attributes = {
      {"image", loaded.description},
      {"source_file", origin.image},
      {"source_sha256", report.source_sha256},
      {"width", workload.image.extent.width},
      {"height", workload.image.extent.height},
      {"tile", bench.tile},
      {"halo", halo},
      {"strategy", cfg.run.strategy},
      {"compression", cfg.run.compression},
      {"compression_level", std::int64_t{cfg.run.compression_level}},
      {"threshold", std::int64_t{global.threshold}},
      {"histogram_bins", std::int64_t{kernels::kHistogramBins}},
      {"max_magnitude", global.max_magnitude},
      {"histogram_scale", global.scale},
      {"boundary_magnitude", report.boundary_magnitude},
      {"negative_space_fraction", report.negative_space_fraction},
      {"check_status", report.check_status},
  };
  write_through_temporary(
      comm, output, /*copy_existing=*/false, "output",
      [&](const std::string& temporary) {
        auto file = io::OutputFile::create(temporary, comm, out_layout);
        written = file.write_tiles(planes);
        file.write_stats(stats);
        file.write_attributes(attributes, report.provenance);
        file.close();
        // The profile is added last, so that it covers the write.
        auto regions = gather_regions(comm);
        if (comm.rank() == 0) {
          io::append_profile(temporary, regions.all);
          report.regions = std::move(regions.all);
        }
      },
      // Uncompressed, the mask (u8) and gradient (f32) of every pixel; a
      // compressed output's size is not known before it is written.
      cfg.run.compression == "none" ? static_cast<std::uint64_t>(workload.image.extent.pixels()) * 5
                                    : 0);
  report.write_s = slowest(comm, write_clock.elapsed_s());
  if (!cfg.run.catalog.empty()) add_to_catalog(comm, cfg, report, stats, output);
  report.written_bytes = bmpi::all_reduce(comm, written, std::plus<>());
  if (comm.rank() == 0) {
    std::error_code ec;
    report.file_bytes = static_cast<std::int64_t>(std::filesystem::file_size(output, ec));
  }
  bmpi::broadcast(comm, report.file_bytes, 0);
  progress.set(++stage, "done");
  progress.finish();
  return report;
}

}  // namespace nsperf::mpi
