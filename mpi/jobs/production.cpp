#include "nsperf/mpi/production.hpp"

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <filesystem>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <variant>

#include "nsperf/core/checksum.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/sha256.hpp"
#include "nsperf/core/stop.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/io/catalog.hpp"
#include "nsperf/io/output_file.hpp"
#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/kernels/pipeline_check.hpp"
#include "nsperf/mpi/collective.hpp"
#include "nsperf/mpi/job_context.hpp"
#include "nsperf/mpi/phase.hpp"
#include "nsperf/mpi/profile.hpp"
#include "nsperf/mpi/results_writer.hpp"
#include "nsperf/mpi/workload.hpp"
#include "serialization.hpp"
#include "tile_progress.hpp"

namespace nsperf::mpi {
namespace {

using kernels::TileWork;

double slowest(const bmpi::communicator& comm, double local) {
  return bmpi::all_reduce(comm, local, bmpi::maximum<double>());
}

// Per-tile figures that need no reference.
core::TileStats stats_of(const LocalTile& tile, const TileWork<float>& work, int rank) {
  core::TileStats s;
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

// A TileStream's tiles as the pipeline asks for them: tile i's pixels move into work[i] (copied
// when `keep` is set: the check's reference needs them after the pipeline).
class StreamFeed final : public kernels::TileFeed {
 public:
  StreamFeed(TileStream& stream, std::vector<LocalTile>& tiles, std::span<TileWork<float>> work,
             bool keep)
      : stream_(stream), tiles_(tiles), work_(work), keep_(keep) {}
  void before(std::size_t i) override {
    stream_.wait(i);
    auto& padded = tiles_[i].padded;
    work_[i].source = keep_ ? padded : std::move(padded);
  }
  void finish() override { stream_.finish(); }

 private:
  TileStream& stream_;
  std::vector<LocalTile>& tiles_;
  std::span<TileWork<float>> work_;
  bool keep_;
};

// What an interrupted run recorded in its output: read on rank 0, sent to every rank.
struct Recorded {
  std::vector<std::pair<std::string, core::Provenance::Value>> attributes;  // rank 0 only
  std::string run_id;
  std::vector<core::TileStats> tiles;
};

std::string text_attribute(const Recorded& r, const std::string& name) {
  for (const auto& [n, v] : r.attributes) {
    if (n != name) continue;
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  }
  return {};
}

Recorded read_recorded(const std::filesystem::path& output) {
  if (!std::filesystem::exists(output)) {
    throw InputError("--resume: " + output.string() +
                     ": no such file, so nothing to resume (run without --resume)");
  }
  Recorded r;
  r.attributes = io::read_output_attributes(output);
  const auto status = text_attribute(r, "status");
  if (status != io::kStatusIncomplete) {
    throw InputError("--resume: " + output.string() + " holds a complete run (status " +
                     (status.empty() ? std::string(io::kStatusComplete) : status) +
                     "), so nothing to resume; without --resume and with --force to run again");
  }
  r.run_id = text_attribute(r, "run_id");
  r.tiles = io::OutputReader(output).tiles();
  return r;
}

// The recorded run must be this run: same pixels, tiling and strategy (strategies may round
// differently). Checked on rank 0 once the image is known.
void check_recorded(const Recorded& r, const std::filesystem::path& output,
                    const std::vector<std::pair<std::string, std::string>>& expected) {
  for (const auto& [name, want] : expected) {
    const auto got = text_attribute(r, name);
    if (got != want) {
      throw InputError("--resume: " + output.string() + " was run with " + name + " " +
                       (got.empty() ? "(none)" : got) + ", this run has " + want +
                       "; resume with the interrupted run's input and options");
    }
  }
}

void broadcast_tiles(const bmpi::communicator& comm, std::vector<core::TileStats>& tiles) {
  static_assert(std::is_trivially_copyable_v<core::TileStats>);
  auto n = static_cast<std::int64_t>(tiles.size());
  bmpi::broadcast(comm, n, 0);
  tiles.resize(static_cast<std::size_t>(n));
  MPI_Bcast(tiles.data(), static_cast<int>(tiles.size() * sizeof(core::TileStats)), MPI_BYTE, 0,
            comm);
}

// A recorded tile's stage A result, read back: its magnitude window (the tile grown by 2) from
// the recorded /gradient, reflected beyond the image as stage A leaves it. Empty when part of the
// window lies in a tile that was not recorded: that tile's stage A then runs again.
std::optional<TileWork<float>> load_recorded(const io::OutputReader& reader,
                                             const core::TilePlan& plan,
                                             const std::vector<const core::TileStats*>& recorded,
                                             const core::TileStats& row,
                                             kernels::CpuStrategy& strategy,
                                             const std::filesystem::path& output) {
  const core::Rect rect = row.rect;
  const core::Rect window{rect.x - 2, rect.y - 2, rect.width + 4, rect.height + 4};
  const std::int64_t x0 = std::max<std::int64_t>(window.x, 0);
  const std::int64_t y0 = std::max<std::int64_t>(window.y, 0);
  const std::int64_t x1 = std::min(window.x + window.width, plan.image.width);
  const std::int64_t y1 = std::min(window.y + window.height, plan.image.height);
  for (std::int64_t r = y0 / plan.tile_size; r <= (y1 - 1) / plan.tile_size; ++r)
    for (std::int64_t c = x0 / plan.tile_size; c <= (x1 - 1) / plan.tile_size; ++c)
      if (recorded[static_cast<std::size_t>(r * plan.columns() + c)] == nullptr) return {};
  const core::Rect area{x0, y0, x1 - x0, y1 - y0};
  const auto part = reader.gradient(area);
  core::Plane<float> magnitude({window.width, window.height});
  const auto into = magnitude.view();
  for (std::int64_t y = 0; y < area.height; ++y) {
    const float* from = part.view().row(y);
    std::copy(from, from + area.width, into.row(y + y0 - window.y) + (x0 - window.x));
  }
  kernels::reflect_outside(into, window, plan.image);
  const auto own = into.sub(2, 2, rect.width, rect.height);
  std::vector<float> rows;
  rows.reserve(static_cast<std::size_t>(rect.pixels()));
  for (std::int64_t y = 0; y < own.height; ++y)
    rows.insert(rows.end(), own.row(y), own.row(y) + own.width);
  if (core::checksum_of(std::span<const float>(rows)) != row.gradient_checksum) {
    throw InputError("--resume: " + output.string() + ": tile " + std::to_string(row.tile_id) +
                     "'s /gradient differs from its checksum in /tiles (damaged; nsperf verify " +
                     output.string() + " says more)");
  }
  TileWork<float> work(std::move(magnitude), strategy.maximum(own), rect, plan.image);
  work.compute_s = row.compute_s;
  return work;
}

// Rank 0 writes the catalog alone, fed the other ranks' rows over MPI: SQLite has one writer at
// a time, and the rows are few (one per tile).
void add_to_catalog(const bmpi::communicator& comm, const core::Config& cfg,
                    const ProductionReport& report, const std::vector<core::TileStats>& stats,
                    const std::filesystem::path& output) {
  const auto per_rank = gather_records(comm, std::span<const core::TileStats>(stats));
  run_phase(comm, "catalog", [&] {
    if (comm.rank() != 0) return;
    std::vector<core::TileStats> all;
    for (const auto& part : per_rank) all.insert(all.end(), part.begin(), part.end());
    std::sort(all.begin(), all.end(), [](const core::TileStats& a, const core::TileStats& b) {
      return a.tile_id < b.tile_id;
    });
    const auto& p = report.provenance;
    nlohmann::json provenance = nlohmann::json::object();
    for (const auto& attribute : p.attributes())
      std::visit([&](const auto& v) { provenance[attribute.first] = v; }, attribute.second);
    io::CatalogRun run;
    run.run_id = p.run_id;
    run.created = p.end_time;
    run.image = p.image;
    run.source_file = cfg.input.image;
    run.source_sha256 = report.source_sha256;
    run.output = output.string();
    run.strategy = cfg.run.strategy;
    run.ranks = static_cast<int>(p.ranks);
    run.width = report.width;
    run.height = report.height;
    run.tile = cfg.input.tile;
    run.threshold = report.threshold;
    run.negative_space_fraction = report.negative_space_fraction;
    run.check_status = report.check_status;
    run.provenance_json = provenance.dump();
    auto catalog = io::Catalog::open(cfg.run.catalog);
    catalog.add_run(run, all);
    catalog.close();
  });
}

// The root attributes every output has, complete or not.
std::vector<std::pair<std::string, core::Provenance::Value>> common_attributes(
    const core::Config& cfg, const ProductionReport& report, const std::string& image,
    core::Extent extent) {
  return {
      {"image", image},
      {"source_file", cfg.input.image},
      {"source_sha256", report.source_sha256},
      {"width", extent.width},
      {"height", extent.height},
      {"tile", cfg.input.tile},
      {"halo", kernels::kPipelineHalo},
      {"strategy", cfg.run.strategy},
      {"compression", std::string(core::to_string(cfg.run.compression))},
      {"compression_level", std::int64_t{cfg.run.compression_level}},
      {"histogram_bins", std::int64_t{kernels::kHistogramBins}},
  };
}

// Collective: writes run.output through a temporary file renamed into place: the tiles whose
// gradient is ready (/mask too when `with_mask`), `stats` as /tiles, the attributes and the
// provenance, then the profile, added last so that it covers the write. Returns the bytes this
// rank handed to HDF5.
std::int64_t write_output(
    const bmpi::communicator& comm, const core::Config& cfg, const Workload& workload,
    std::span<TileWork<float>> work, std::span<const core::TileStats> stats,
    const std::vector<std::pair<std::string, core::Provenance::Value>>& attributes,
    ProductionReport& report, bool with_mask) {
  std::vector<io::OutputTile> planes;
  for (std::size_t t = 0; t < work.size(); ++t) {
    if (!work[t].gradient_ready) continue;
    const auto& r = workload.tiles[t].rect;
    planes.push_back(
        {r, work[t].opened.view(), work[t].magnitude.view().sub(2, 2, r.width, r.height)});
  }
  const auto& extent = workload.image.extent;
  const io::OutputLayout layout{extent, cfg.input.tile, cfg.run.compression,
                                cfg.run.compression_level};
  std::int64_t written = 0;
  write_through_temporary(
      comm, cfg.run.output, /*copy_existing=*/false, "output",
      [&](const std::string& temporary) {
        auto file = io::OutputFile::create(temporary, comm, layout, cfg.run.early_writeback);
        try {
          written = file.write_tiles(planes, with_mask);
          file.write_stats(stats);
          file.write_attributes(attributes, report.provenance);
          file.close();
        } catch (...) {
          file.abandon();  // not closed: see write_through_temporary
          throw;
        }
        auto regions = gather_regions(comm);
        if (comm.rank() == 0) {
          io::append_profile(temporary, regions.all);
          report.regions = std::move(regions.all);
        }
      },
      // Uncompressed, the mask (u8) and gradient (f32) of every pixel; a compressed output's
      // size is not known before it is written.
      cfg.run.compression == core::Compression::none
          ? static_cast<std::uint64_t>(extent.pixels()) * 5
          : 0);
  return written;
}

// Collective: the tiles a stop signal left complete (their gradients, no mask: the threshold
// needs every tile), written as an incomplete run that --resume continues.
void write_incomplete(const bmpi::communicator& comm, const ProductionRequest& request,
                      ProductionReport& report, const Workload& workload,
                      std::span<TileWork<float>> work, const std::string& image) {
  const auto& cfg = request.config;
  std::vector<core::TileStats> stats;
  std::int64_t done = 0;
  for (std::size_t t = 0; t < work.size(); ++t) {
    if (!work[t].gradient_ready) continue;
    auto s = stats_of(workload.tiles[t], work[t], comm.rank());
    s.negative_space_fraction = 0;  // no mask yet
    s.mask_checksum = 0;
    stats.push_back(s);
    ++done;
  }
  done = bmpi::all_reduce(comm, done, std::plus<>());
  if (comm.rank() == 0) report.provenance.end_time = core::utc_timestamp();
  bmpi::broadcast(comm, report.provenance.end_time, 0);
  auto attributes = common_attributes(cfg, report, image, workload.image.extent);
  attributes.emplace_back("status", std::string(io::kStatusIncomplete));
  attributes.emplace_back("tiles_complete", done);
  attributes.emplace_back("tiles_total", report.tiles);
  attributes.emplace_back(
      "interrupted_by",
      core::signal_name(bmpi::all_reduce(comm, request.stop_signal(), bmpi::maximum<int>())));
  if (request.resume) attributes.emplace_back("resumed_from", report.resumed_from);
  write_output(comm, cfg, workload, work, stats, attributes, report, /*with_mask=*/false);
}

}  // namespace

ProductionReport run_production(const bmpi::communicator& comm, const ProductionRequest& given,
                                ProgressSink* sink) {
  // A copy, since the default tile is fitted to the image once it is known.
  ProductionRequest request = given;
  const auto& cfg = request.config;
  const auto& bench = cfg.input;
  ProductionReport report;
  const core::Stopwatch job_clock;
  const core::Stopwatch& since_init = request.since_init ? *request.since_init : job_clock;
  start_profile();
  const NodeLayout layout = node_layout(comm, cfg.setting<int>("cpu", "threads"));
  report.provenance = gather_provenance(comm, request.command_line, cfg, layout);
  if (comm.rank() == 0 && request.on_start) request.on_start(report.provenance);
  if (comm.rank() == 0) {
    // Measured once per process (about 10 ms): a job of many images runs this per image.
    static const double overhead_s = core::region_overhead_s();
    report.provenance.region_overhead_s = overhead_s;
  }
  bmpi::broadcast(comm, report.provenance.region_overhead_s, 0);
  // Stages as progress units: read, pipeline, check (if asked), write.
  const std::int64_t stages = cfg.run.check ? 4 : 3;
  Progress progress(comm.rank() == 0 ? sink : nullptr, stages);
  std::int64_t stage = 0;

  // With a stop signal, the pipeline leaves its remaining tiles (asked between tiles).
  std::function<bool()> stop;
  if (request.stop_signal) stop = [&] { return request.stop_signal() != 0; };
  Recorded recorded;
  if (request.resume) {
    run_phase(comm, "resume-read", [&] {
      if (comm.rank() == 0) recorded = read_recorded(cfg.run.output);
    });
    bmpi::broadcast(comm, recorded.run_id, 0);
    broadcast_tiles(comm, recorded.tiles);
  }

  std::unique_ptr<kernels::CpuStrategy> strategy;
  run_phase(comm, "setup", [&] {
    strategy = kernels::cpu_strategies()
                   .at(cfg.run.strategy, "cpu strategy (run.strategy)")
                   .make({layout.threads});
  });

  progress.set(stage, "read");
  const ImageOrigin origin{bench.image, bench.raw, bench.synthetic, bench.seed, bench.skew};
  io::RankStages mine;
  mine.rank = comm.rank();
  mine.start_s = request.start_s;
  report.start_s = slowest(comm, request.start_s);
  report.launcher = request.launcher;
  bmpi::broadcast(comm, report.launcher, 0);
  report.setup_s = slowest(comm, since_init.elapsed_s());
  core::Stopwatch read_clock;
  // Where the format allows, rank 0 reads only its own tiles, like every other rank; a
  // sequential format's header only, for the stream.
  LoadedImage loaded =
      load_image(comm, origin, /*whole_if_partial=*/false, /*keep_sequential=*/true);
  const std::int64_t configured_tile = bench.tile;
  core::fit_default_tile(request.config, loaded.spec.extent);  // a tile that was set stays
  if (bench.tile != configured_tile) {
    report.notes = request.config.notes;
    report.provenance.config_json = cfg.json.dump();
  }
  if (comm.rank() == 0) {
    if (auto w = busy_polling_warning(layout, waits_yield_the_core()); !w.empty())
      report.notes.push_back(std::move(w));
  }
  report.tile = bench.tile;
  run_phase(comm, "tile", [&] {
    if (comm.rank() == 0)
      core::check_tile_side(bench.tile, loaded.spec.extent, "--tile (input.tile)");
  });
  // Rank 0 hashes the input file on a thread of its own once the ranks have read their tiles,
  // while they run the pipeline; the hash joins the job where it is first needed (a resumed run
  // checks it before the pipeline; otherwise it goes into the output). Not during the read: a
  // second, whole-file read beside the ranks' own would contend with them for the file system
  // (and here for rank 0's core), and no rank count divides it; the pipeline reads no file.
  std::future<std::string> checksum;
  bool hashed = false;
  const auto join_checksum = [&] {
    if (hashed) return;
    hashed = true;
    run_phase(comm, "checksum", [&] {
      if (checksum.valid()) report.source_sha256 = checksum.get();
    });
    bmpi::broadcast(comm, report.source_sha256, 0);
  };
  const std::int64_t halo = kernels::kPipelineHalo;
  Workload workload;
  std::unique_ptr<TileStream> stream;  // a sequential image: its tiles arrive during stage A
  if (loaded.partial) {
    workload = read_own_tiles(comm, std::move(loaded.pixels), loaded.spec, origin, bench.tile, halo,
                              cfg.run.partition);
  } else if (loaded.sequential) {
    stream = std::make_unique<TileStream>(comm, workload, loaded.spec, std::move(loaded.reader),
                                          bench.tile, halo, cfg.run.partition);
  } else {
    workload = distribute_image(comm, std::move(loaded.pixels), loaded.spec, bench.tile, halo,
                                cfg.run.partition);
  }
  if (comm.rank() == 0 && !origin.image.empty()) {
    checksum = std::async(
        std::launch::async,
        [path = io::parse_image_input(origin.image, {}).path] { return core::sha256_file(path); });
  }
  if (request.resume) join_checksum();
  workload.source = {};  // rank 0's copy of the whole image is no longer needed
  mine.read_s = read_clock.elapsed_s();
  mine.bytes_read = workload.bytes_read;
  // From here to the summaries of every tile: the working buffers are the pipeline's cost too.
  core::Stopwatch compute_clock;
  report.partial = loaded.partial;
  report.streamed = stream != nullptr;
  report.provenance.image = loaded.description;
  report.tiles = static_cast<std::int64_t>(workload.plan.tiles.size());
  // The recorded tiles by id, checked against this run's tiling.
  std::vector<const core::TileStats*> recorded_by_id(workload.plan.tiles.size(), nullptr);
  if (request.resume) {
    run_phase(comm, "resume-check", [&] {
      if (comm.rank() == 0) {
        check_recorded(
            recorded, cfg.run.output,
            {{"width", std::to_string(workload.image.extent.width)},
             {"height", std::to_string(workload.image.extent.height)},
             {"tile", std::to_string(bench.tile)},
             {"strategy", cfg.run.strategy},
             {report.source_sha256.empty() ? "image" : "source_sha256",
              report.source_sha256.empty() ? loaded.description : report.source_sha256}});
      }
      for (const auto& row : recorded.tiles) {
        const auto id = static_cast<std::size_t>(row.tile_id);
        if (row.tile_id < 0 || id >= recorded_by_id.size() ||
            !(row.rect == workload.plan.tiles[id]) || recorded_by_id[id] != nullptr) {
          throw InputError("--resume: " + cfg.run.output + ": /tiles row for tile " +
                           std::to_string(row.tile_id) + " does not fit this run's " +
                           std::to_string(recorded_by_id.size()) + " tiles (damaged?)");
        }
        recorded_by_id[id] = &row;
      }
    });
  }

  progress.set(++stage, "pipeline " + cfg.run.strategy);
  std::vector<TileWork<float>> work;
  work.reserve(workload.tiles.size());
  std::int64_t resumed = 0;
  run_phase(comm, "prepare", [&] {
    std::optional<io::OutputReader> reader;
    if (!recorded.tiles.empty()) reader.emplace(cfg.run.output);
    for (auto& tile : workload.tiles) {
      // A stop leaves the remaining tiles unprepared; the pipeline then stops at once.
      if (stop && stop()) break;
      std::optional<TileWork<float>> loaded_work;
      if (const auto* row = recorded_by_id[static_cast<std::size_t>(tile.id)]; row != nullptr) {
        loaded_work =
            load_recorded(*reader, workload.plan, recorded_by_id, *row, *strategy, cfg.run.output);
      }
      if (loaded_work) {
        work.push_back(std::move(*loaded_work));
        ++resumed;
      } else {
        // The check's reference needs the pixels after the pipeline: it gets its own copy.
        work.push_back(
            stream ? TileWork<float>::awaiting(tile.rect, workload.image.extent)
                   : TileWork<float>::deferred(cfg.run.check ? tile.padded : std::move(tile.padded),
                                               tile.rect, workload.image.extent));
      }
    }
  });
  report.tiles_resumed = bmpi::all_reduce(comm, resumed, std::plus<>());
  report.resumed_from = recorded.run_id;
  MpiReduce reduce(comm);
  kernels::PipelineResult global;
  std::int64_t asked = 0;  // stage A asks before each tile it computes, and once after them
  std::optional<TileProgress> tile_progress;
  if (request.count_tiles) {
    tile_progress.emplace(comm, report.tiles, report.tiles_resumed,
                          [sink](std::int64_t done, std::int64_t total) {
                            if (sink != nullptr) sink->tiles(done, total);
                          });
  }
  const std::function<bool()> stop_between_tiles = stop || tile_progress
                                                       ? std::function<bool()>([&] {
                                                           const std::int64_t done = asked++;
                                                           if (tile_progress)
                                                             tile_progress->computed(done);
                                                           if (!stop) return false;
                                                           inject_signal(comm.rank(), done);
                                                           return stop();
                                                         })
                                                       : nullptr;
  std::optional<StreamFeed> feed;
  if (stream) feed.emplace(*stream, workload.tiles, work, cfg.run.check);
  run_collective(comm, "pipeline", [&] {
    global =
        kernels::run_pipeline(*strategy, work, reduce, stop_between_tiles, feed ? &*feed : nullptr);
  });
  if (tile_progress) {
    std::int64_t computed = -resumed;
    for (const auto& w : work) computed += w.gradient_ready ? 1 : 0;
    tile_progress->finish(computed);
  }
  if (global.interrupted) {
    join_checksum();
    write_incomplete(comm, request, report, workload, work, loaded.description);
    progress.finish();
    const int signal = bmpi::all_reduce(comm, request.stop_signal(), bmpi::maximum<int>());
    std::int64_t done = 0;
    for (const auto& w : work) done += w.gradient_ready ? 1 : 0;
    done = bmpi::all_reduce(comm, done, std::plus<>());
    throw PhaseFailed("interrupted by " + core::signal_name(signal) + ": " + std::to_string(done) +
                          " of " + std::to_string(report.tiles) + " tiles were complete; " +
                          cfg.run.output + " holds them as an incomplete run (status " +
                          io::kStatusIncomplete +
                          "); continue it with the same command and --resume",
                      ExitCode::interrupted);
  }
  report.threshold = global.threshold;
  report.boundary_magnitude = global.scale > 0 ? (global.threshold + 1) / global.scale : 0.0;

  std::vector<core::TileStats> stats;
  std::int64_t background = 0;
  for (std::size_t t = 0; t < work.size(); ++t) {
    stats.push_back(stats_of(workload.tiles[t], work[t], comm.rank()));
    background += work[t].background;
  }
  background = bmpi::all_reduce(comm, background, std::plus<>());
  const auto pixels = static_cast<double>(workload.image.extent.pixels());
  report.negative_space_fraction = pixels > 0 ? static_cast<double>(background) / pixels : 0.0;
  join_checksum();  // a wait for it, if any, is counted with the pipeline
  mine.pipeline_s = compute_clock.elapsed_s();
  if (stream) {
    // The read ran inside stage A: a rank's read is its time decoding and sending (rank 0) or
    // waiting for tiles (the others), its pipeline the rest. The job's pipeline is then what
    // follows the slowest read to the end of the slowest pipeline, since adding the slowest of
    // each would count rank 0's decode twice (the others wait for it inside their pipeline).
    mine.read_s += stream->busy_s();
    mine.pipeline_s -= stream->busy_s();
  }
  report.read_s = slowest(comm, mine.read_s);
  report.compute_s = stream ? slowest(comm, mine.read_s + mine.pipeline_s) - report.read_s
                            : slowest(comm, mine.pipeline_s);

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
                                                    kernels::pipeline_tolerance(reference[t]));
        stats[t].check = c.status;
        stats[t].differing_pixels = c.differing;
        if (c.status == core::CheckStatus::failed) ++failed;
      }
    });
    report.failed_tiles = bmpi::all_reduce(comm, failed, std::plus<>());
    mine.check_s = check_clock.elapsed_s();
    report.check_s = slowest(comm, mine.check_s);
  }

  progress.set(++stage, "write");
  report.width = workload.image.extent.width;
  report.height = workload.image.extent.height;
  report.check_status =
      std::string(core::to_string(!cfg.run.check             ? core::CheckStatus::not_checked
                                  : report.failed_tiles == 0 ? core::CheckStatus::passed
                                                             : core::CheckStatus::failed));
  core::Stopwatch write_clock;
  if (comm.rank() == 0) report.provenance.end_time = core::utc_timestamp();
  bmpi::broadcast(comm, report.provenance.end_time, 0);
  auto attributes = common_attributes(cfg, report, loaded.description, workload.image.extent);
  const std::vector<std::pair<std::string, core::Provenance::Value>> figures = {
      {"status", std::string(io::kStatusComplete)},
      {"threshold", std::int64_t{global.threshold}},
      {"max_magnitude", global.max_magnitude},
      {"histogram_scale", global.scale},
      {"boundary_magnitude", report.boundary_magnitude},
      {"negative_space_fraction", report.negative_space_fraction},
      {"check_status", report.check_status},
  };
  attributes.insert(attributes.end(), figures.begin(), figures.end());
  if (request.resume) {
    attributes.emplace_back("resumed_from", report.resumed_from);
    attributes.emplace_back("tiles_resumed", report.tiles_resumed);
  }
  const std::int64_t written =
      write_output(comm, cfg, workload, work, stats, attributes, report, /*with_mask=*/true);
  mine.write_s = write_clock.elapsed_s();
  report.write_s = slowest(comm, mine.write_s);
  core::Stopwatch close_clock;
  const std::filesystem::path output = cfg.run.output;
  if (!cfg.run.catalog.empty()) add_to_catalog(comm, cfg, report, stats, output);
  // The stages, write included, go into the output now that it is in place.
  bmpi::gather(comm, mine, report.ranks, 0);
  run_phase(comm, "stages", [&] {
    if (comm.rank() != 0) return;
    io::append_stages(output, report.ranks, report.start_s + since_init.elapsed_s());
  });
  report.written_bytes = bmpi::all_reduce(comm, written, std::plus<>());
  if (comm.rank() == 0) {
    std::error_code ec;
    report.file_bytes = static_cast<std::int64_t>(std::filesystem::file_size(output, ec));
  }
  bmpi::broadcast(comm, report.file_bytes, 0);
  // The tiles' buffers are freed here, inside the close, rather than unseen on return.
  std::vector<TileWork<float>>().swap(work);
  std::vector<LocalTile>().swap(workload.tiles);
  stats = {};
  report.close_s = slowest(comm, close_clock.elapsed_s());
  report.wall_s = report.start_s + since_init.elapsed_s();
  progress.set(++stage, "done");
  progress.finish();
  return report;
}

}  // namespace nsperf::mpi
