#pragma once
/// \file The tiles each rank works on: rank 0 makes the image and the tile plan and sends every
/// rank its tiles, with halos.

#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <vector>

#include "nsperf/core/image.hpp"
#include "nsperf/core/tile_plan.hpp"

namespace nsperf::mpi {

namespace bmpi = boost::mpi;

/// A tile this rank owns, with its pixels.
struct LocalTile {
  std::int64_t id = 0;
  core::Rect rect;
  core::Image padded;     ///< rect grown by the plan's halo, reflect-101 beyond the image
  double transfer_s = 0;  ///< waiting for and receiving the pixels (0 for rank 0's own tiles)
  double io_s = 0;        ///< rank 0 cutting the tile out of the image
};

/// What every optimizer works on.
struct Workload {
  core::ImageSpec image;
  core::TilePlan plan;
  std::vector<LocalTile> tiles;  ///< this rank's, in id order
  core::Image source;            ///< rank 0: the whole image (optimizers re-send tiles from it)
};

/// Collective over `comm`: rank 0 renders the synthetic image `spec` from `seed` (with
/// `skew_percent` of it empty, see kernels/synthetic.hpp), cuts it into
/// `tile` x `tile` tiles (static block partition) and sends each rank its own tiles with `halo`
/// pixels of context. Plan and image problems are agreed (every rank throws PhaseFailed);
/// a failure while tiles are in flight ends the job through main's MPI_Abort.
Workload distribute_synthetic(const bmpi::communicator& comm, const core::ImageSpec& spec,
                              std::uint64_t seed, std::int64_t tile, std::int64_t halo,
                              int skew_percent = 0);

}  // namespace nsperf::mpi
