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
#include "serialization.hpp"

namespace nsperf::mpi {
namespace {

constexpr int kTagHeader = 101;
constexpr int kTagPixels = 102;
// Messages are split so that no count exceeds what an int can hold.
constexpr std::size_t kChunkBytes = std::size_t{1} << 30;

// What precedes a tile's pixels: enough for the receiver to check it got what it expects.
struct TileHeader {
  std::int64_t id;
  std::int64_t width;   // padded
  std::int64_t height;  // padded
  std::int64_t dtype;
  double io_s;
};

void check_mpi(int rc, const char* call) {
  if (rc != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, text, &len);
    throw MpiError(std::string(call) + ": " + std::string(text, static_cast<std::size_t>(len)));
  }
}

void send_bytes(MPI_Comm comm, int dest, std::span<const std::byte> bytes) {
  for (std::size_t done = 0; done < bytes.size(); done += kChunkBytes) {
    const auto n = static_cast<int>(std::min(kChunkBytes, bytes.size() - done));
    check_mpi(MPI_Send(bytes.data() + done, n, MPI_BYTE, dest, kTagPixels, comm), "MPI_Send");
  }
}

void recv_bytes(MPI_Comm comm, int source, std::span<std::byte> bytes) {
  for (std::size_t done = 0; done < bytes.size(); done += kChunkBytes) {
    const auto n = static_cast<int>(std::min(kChunkBytes, bytes.size() - done));
    check_mpi(
        MPI_Recv(bytes.data() + done, n, MPI_BYTE, source, kTagPixels, comm, MPI_STATUS_IGNORE),
        "MPI_Recv");
  }
}

}  // namespace

Workload distribute_synthetic(const bmpi::communicator& comm, const core::ImageSpec& spec,
                              std::uint64_t seed, std::int64_t tile, std::int64_t halo) {
  Workload w;
  w.image = spec;
  run_phase(comm, "plan", [&] {
    if (comm.rank() == 0) w.plan = core::make_tile_plan(spec.extent, tile, halo, comm.size());
  });
  bmpi::broadcast(comm, w.plan, 0);

  core::Image image;
  run_phase(comm, "image", [&] {
    if (comm.rank() == 0) image = kernels::make_synthetic(spec, seed);
  });

  // Point to point from here on: a rank that fails cannot be waited for by the others, so a
  // failure ends the job (see phase.hpp).
  inject_fault(comm.rank(), "distribute");
  const MPI_Comm raw = comm;
  const auto mine = w.plan.tiles_of(comm.rank());
  if (comm.rank() == 0) {
    for (std::size_t id = 0; id < w.plan.tiles.size(); ++id) {
      const core::Rect& r = w.plan.tiles[id];
      core::Stopwatch clock;
      core::Image padded = core::extract_padded(image, r.x, r.y, r.width, r.height, halo);
      const double io_s = clock.elapsed_s();
      const int owner = w.plan.owner[id];
      if (owner == 0) {
        w.tiles.push_back({static_cast<std::int64_t>(id), r, std::move(padded), 0.0, io_s});
        continue;
      }
      const TileHeader header{static_cast<std::int64_t>(id), padded.extent().width,
                              padded.extent().height, static_cast<std::int64_t>(padded.dtype()),
                              io_s};
      check_mpi(MPI_Send(&header, sizeof header, MPI_BYTE, owner, kTagHeader, raw), "MPI_Send");
      send_bytes(raw, owner, padded.bytes());
    }
  } else {
    for (std::int64_t id : mine) {
      const core::Rect& r = w.plan.tiles[static_cast<std::size_t>(id)];
      core::Stopwatch clock;
      TileHeader header{};
      check_mpi(MPI_Recv(&header, sizeof header, MPI_BYTE, 0, kTagHeader, raw, MPI_STATUS_IGNORE),
                "MPI_Recv");
      const core::Extent expected{r.width + 2 * halo, r.height + 2 * halo};
      if (header.id != id || header.width != expected.width || header.height != expected.height ||
          header.dtype != static_cast<std::int64_t>(spec.dtype)) {
        throw MpiError("tile " + std::to_string(id) + ": rank 0 sent tile " +
                       std::to_string(header.id) + " of " + std::to_string(header.width) + "x" +
                       std::to_string(header.height) + " (plans disagree)");
      }
      core::Image padded(expected, spec.dtype);
      recv_bytes(raw, 0, padded.bytes());
      w.tiles.push_back({id, r, std::move(padded), clock.elapsed_s(), header.io_s});
    }
  }
  return w;
}

}  // namespace nsperf::mpi
