#include "nsperf/mpi/workload.hpp"

#include <mpi.h>

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <climits>
#include <optional>
#include <string>

#include "nsperf/core/error.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/kernels/synthetic.hpp"
#include "nsperf/mpi/phase.hpp"
#include "p2p.hpp"
#include "serialization.hpp"

namespace nsperf::mpi {
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

core::Image load_image(const bmpi::communicator& comm, const ImageOrigin& origin,
                       core::ImageSpec& spec, std::string& description) {
  core::Image image;
  run_phase(comm, "image", [&] {
    if (comm.rank() != 0) return;
    if (origin.image.empty()) {
      image = kernels::make_synthetic(origin.synthetic, origin.seed, origin.skew_percent);
      description = "synthetic " + core::to_string(origin.synthetic) + " seed " +
                    std::to_string(origin.seed) +
                    (origin.skew_percent > 0 ? " skew " + std::to_string(origin.skew_percent) + "%"
                                             : std::string());
      return;
    }
    std::optional<io::RawLayout> raw;
    if (!origin.raw.empty()) raw = io::parse_raw_layout(origin.raw, "--raw");
    const auto reader = io::open_image(io::parse_image_input(origin.image, raw));
    image = reader->read_all();
    description = reader->info().describe(origin.image);
  });
  std::int64_t header[3] = {image.extent().width, image.extent().height,
                            static_cast<std::int64_t>(image.dtype())};
  bmpi::broadcast(comm, header, 3, 0);
  spec = {{header[0], header[1]}, static_cast<core::DType>(header[2])};
  bmpi::broadcast(comm, description, 0);
  return image;
}

Workload distribute_synthetic(const bmpi::communicator& comm, const core::ImageSpec& spec,
                              std::uint64_t seed, std::int64_t tile, std::int64_t halo,
                              int skew_percent) {
  ImageOrigin origin;
  origin.synthetic = spec;
  origin.seed = seed;
  origin.skew_percent = skew_percent;
  core::ImageSpec made;
  std::string description;
  core::Image image = load_image(comm, origin, made, description);
  Workload w = distribute_image(comm, std::move(image), made, tile, halo);
  w.description = std::move(description);
  return w;
}

Workload distribute_image(const bmpi::communicator& comm, core::Image image,
                          const core::ImageSpec& spec, std::int64_t tile, std::int64_t halo) {
  Workload w;
  w.image = spec;
  run_phase(comm, "plan", [&] {
    if (comm.rank() == 0) w.plan = core::make_tile_plan(spec.extent, tile, halo, comm.size());
  });
  bmpi::broadcast(comm, w.plan, 0);
  w.source = std::move(image);

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
      p2p::check(MPI_Send(&header, sizeof header, MPI_BYTE, owner, p2p::kTileHeader, raw),
                 "MPI_Send");
      p2p::send_bytes(raw, owner, p2p::kTilePixels, padded.bytes());
    }
  } else {
    for (std::int64_t id : mine) {
      const core::Rect& r = w.plan.tiles[static_cast<std::size_t>(id)];
      core::Stopwatch clock;
      TileHeader header{};
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

}  // namespace nsperf::mpi
