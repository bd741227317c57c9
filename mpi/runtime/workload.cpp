#include "nsperf/mpi/workload.hpp"

#include <mpi.h>

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <climits>
#include <memory>
#include <optional>
#include <string>

#include "nsperf/core/error.hpp"
#include "nsperf/core/profiler.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/kernels/synthetic.hpp"
#include "nsperf/mpi/phase.hpp"
#include "p2p.hpp"
#include "serialization.hpp"
#include "tiles.hpp"

namespace nsperf::mpi {
namespace tiles {

Workload planned(const bmpi::communicator& comm, core::Image image, const core::ImageSpec& spec,
                 std::int64_t tile, std::int64_t halo, core::Partition partition, bool rank0_last) {
  Workload w;
  w.image = spec;
  run_phase(comm, "plan", [&] {
    if (comm.rank() != 0) return;
    w.plan = core::make_tile_plan(spec.extent, tile, halo, comm.size(), partition);
    if (rank0_last)
      for (int& owner : w.plan.owner) owner = comm.size() - 1 - owner;
  });
  bmpi::broadcast(comm, w.plan, 0);
  w.source = std::move(image);
  return w;
}

core::Rect read_area(const core::Rect& r, std::int64_t halo, core::Extent image) {
  const std::int64_t x0 = std::max<std::int64_t>(0, r.x - halo);
  const std::int64_t y0 = std::max<std::int64_t>(0, r.y - halo);
  const std::int64_t x1 = std::min(image.width, r.x + r.width + halo);
  const std::int64_t y1 = std::min(image.height, r.y + r.height + halo);
  return {x0, y0, x1 - x0, y1 - y0};
}

core::Image pad(core::Image pixels, const core::Rect& area, const core::Rect& r,
                std::int64_t halo) {
  if (area.width == r.width + 2 * halo && area.height == r.height + 2 * halo) return pixels;
  return core::extract_padded(pixels, r.x - area.x, r.y - area.y, r.width, r.height, halo);
}

}  // namespace tiles

namespace {

// What precedes a tile's pixels: enough for the receiver to check it got what it expects.
struct TileHeader {
  std::int64_t id;
  std::int64_t width;   // padded
  std::int64_t height;  // padded
  std::int64_t dtype;
  double io_s;
};

}  // namespace

LoadedImage load_image(const bmpi::communicator& comm, const ImageOrigin& origin,
                       bool whole_if_partial, bool keep_sequential) {
  LoadedImage loaded;
  run_phase(comm, "image", [&] {
    if (comm.rank() != 0) return;
    if (origin.image.empty()) {
      // Any rectangle of the synthetic image renders alone, so every rank can render its own.
      loaded.partial = true;
      if (whole_if_partial)
        loaded.pixels = kernels::make_synthetic(origin.synthetic, origin.seed, origin.skew_percent);
      loaded.description =
          "synthetic " + core::to_string(origin.synthetic) + " seed " +
          std::to_string(origin.seed) +
          (origin.skew_percent > 0 ? " skew " + std::to_string(origin.skew_percent) + "%"
                                   : std::string());
      return;
    }
    std::optional<io::RawLayout> raw;
    if (!origin.raw.empty()) raw = io::parse_raw_layout(origin.raw, "--raw");
    auto reader = io::open_image(io::parse_image_input(origin.image, raw));
    loaded.partial = reader->info().partial_reads;
    loaded.sequential = reader->info().sequential;
    loaded.spec = {reader->info().extent, reader->info().dtype};
    const bool header_only =
        (loaded.partial && !whole_if_partial) || (loaded.sequential && keep_sequential);
    if (!header_only) {
      loaded.pixels = reader->read_all();
      loaded.spec = {loaded.pixels.extent(), loaded.pixels.dtype()};
    }
    loaded.description = reader->info().describe(origin.image);
    loaded.bytes_read = reader->bytes_read();
    if (loaded.sequential && keep_sequential) loaded.reader = std::move(reader);
  });
  if (comm.rank() == 0 && origin.image.empty()) loaded.spec = origin.synthetic;
  std::int64_t header[5] = {loaded.spec.extent.width, loaded.spec.extent.height,
                            static_cast<std::int64_t>(loaded.spec.dtype), loaded.partial ? 1 : 0,
                            loaded.sequential ? 1 : 0};
  bmpi::broadcast(comm, header, 5, 0);
  loaded.spec = {{header[0], header[1]}, static_cast<core::DType>(header[2])};
  loaded.partial = header[3] != 0;
  loaded.sequential = header[4] != 0;
  bmpi::broadcast(comm, loaded.description, 0);
  return loaded;
}

Workload distribute_synthetic(const bmpi::communicator& comm, const core::ImageSpec& spec,
                              std::uint64_t seed, std::int64_t tile, std::int64_t halo,
                              int skew_percent) {
  ImageOrigin origin;
  origin.synthetic = spec;
  origin.seed = seed;
  origin.skew_percent = skew_percent;
  LoadedImage loaded = load_image(comm, origin);
  return distribute_image(comm, std::move(loaded.pixels), loaded.spec, tile, halo);
}

Workload distribute_image(const bmpi::communicator& comm, core::Image image,
                          const core::ImageSpec& spec, std::int64_t tile, std::int64_t halo,
                          core::Partition partition) {
  Workload w = tiles::planned(comm, std::move(image), spec, tile, halo, partition);
  NSPERF_REGION("distribute");

  // Point to point from here on: a rank that fails cannot be waited for by the others, so a
  // failure ends the job (see phase.hpp).
  inject_fault(comm.rank(), "distribute");
  const MPI_Comm raw = comm;
  const auto mine = w.plan.tiles_of(comm.rank());
  if (comm.rank() == 0) {
    for (std::size_t id = 0; id < w.plan.tiles.size(); ++id) {
      const core::Rect& r = w.plan.tiles[id];
      core::Stopwatch clock;
      core::Image padded = core::extract_padded(w.source, r.x, r.y, r.width, r.height, halo);
      const double io_s = clock.elapsed_s();
      const int owner = w.plan.owner[id];
      if (owner == 0) {
        w.tiles.push_back({static_cast<std::int64_t>(id), r, std::move(padded), 0.0, io_s});
        continue;
      }
      const TileHeader header{static_cast<std::int64_t>(id), padded.extent().width,
                              padded.extent().height, static_cast<std::int64_t>(padded.dtype()),
                              io_s};
      NSPERF_MPI_REGION("MPI_Send");
      p2p::check(MPI_Send(&header, sizeof header, MPI_BYTE, owner, p2p::kTileHeader, raw),
                 "MPI_Send");
      p2p::send_bytes(raw, owner, p2p::kTilePixels, padded.bytes());
    }
  } else {
    for (std::int64_t id : mine) {
      const core::Rect& r = w.plan.tiles[static_cast<std::size_t>(id)];
      core::Stopwatch clock;
      TileHeader header{};
      NSPERF_MPI_REGION("MPI_Recv");
      p2p::check(
          MPI_Recv(&header, sizeof header, MPI_BYTE, 0, p2p::kTileHeader, raw, MPI_STATUS_IGNORE),
          "MPI_Recv");
      const core::Extent expected{r.width + 2 * halo, r.height + 2 * halo};
      if (header.id != id || header.width != expected.width || header.height != expected.height ||
          header.dtype != static_cast<std::int64_t>(spec.dtype)) {
        throw MpiError("tile " + std::to_string(id) + ": rank 0 sent tile " +
                       std::to_string(header.id) + " of " + std::to_string(header.width) + "x" +
                       std::to_string(header.height) + " (plans disagree)");
      }
      core::Image padded(expected, spec.dtype);
      p2p::recv_bytes(raw, 0, p2p::kTilePixels, padded.bytes());
      w.tiles.push_back({id, r, std::move(padded), clock.elapsed_s(), header.io_s});
    }
  }
  return w;
}

Workload read_own_tiles(const bmpi::communicator& comm, core::Image image,
                        const core::ImageSpec& spec, const ImageOrigin& origin, std::int64_t tile,
                        std::int64_t halo, core::Partition partition) {
  Workload w = tiles::planned(comm, std::move(image), spec, tile, halo, partition);
  run_phase(comm, "read", [&] {
    // Rank 0 cuts its tiles from the whole image when it holds it, else reads them too.
    const bool from_origin = w.source.extent().pixels() == 0;
    std::unique_ptr<io::ImageReader> reader;
    std::optional<kernels::SyntheticImage> synthetic;
    if (from_origin && origin.image.empty()) {
      synthetic.emplace(origin.synthetic, origin.seed, origin.skew_percent);
    } else if (from_origin) {
      std::optional<io::RawLayout> raw;
      if (!origin.raw.empty()) raw = io::parse_raw_layout(origin.raw, "--raw");
      reader = io::open_image(io::parse_image_input(origin.image, raw));
      const auto& info = reader->info();
      if (info.extent != spec.extent || info.dtype != spec.dtype) {
        throw InputError("--image '" + origin.image + "' reads as " +
                         std::to_string(info.extent.width) + "x" +
                         std::to_string(info.extent.height) + " here but as " +
                         core::to_string(spec) + " on rank 0 (a different file on this node?)");
      }
    }
    const auto mine = w.plan.tiles_of(comm.rank());
    if (reader) {
      std::vector<core::Rect> areas;
      for (std::int64_t id : mine)
        areas.push_back(
            tiles::read_area(w.plan.tiles[static_cast<std::size_t>(id)], halo, spec.extent));
      reader->plan_reads(areas);
    }
    for (std::int64_t id : mine) {
      const core::Rect& r = w.plan.tiles[static_cast<std::size_t>(id)];
      core::Stopwatch clock;
      core::Image padded;
      if (!from_origin) {
        padded = core::extract_padded(w.source, r.x, r.y, r.width, r.height, halo);
      } else {
        const core::Rect area = tiles::read_area(r, halo, spec.extent);
        padded =
            tiles::pad(synthetic ? synthetic->render(area) : reader->read(area), area, r, halo);
      }
      w.tiles.push_back({id, r, std::move(padded), 0.0, clock.elapsed_s()});
    }
    if (reader) w.bytes_read = reader->bytes_read();
  });
  return w;
}

}  // namespace nsperf::mpi
