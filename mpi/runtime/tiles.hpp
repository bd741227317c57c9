#pragma once
// Cutting tiles with halos out of what a rank read, shared by the tile paths (internal to
// nsperf::mpi).

#include <boost/mpi/communicator.hpp>
#include <cstdint>

#include "nsperf/core/image.hpp"
#include "nsperf/core/tile_plan.hpp"
#include "nsperf/mpi/workload.hpp"

namespace nsperf::mpi::tiles {

// Collective over `comm`: the workload before its tiles: rank 0 makes the plan (problems agreed),
// every rank gets it. With `rank0_last`, the ranks own their tiles in reverse order, rank 0
// those of the last rank: for a stream, whose last tiles are ready last.
Workload planned(const bmpi::communicator& comm, core::Image image, const core::ImageSpec& spec,
                 std::int64_t tile, std::int64_t halo, core::Partition partition,
                 bool rank0_last = false);

// The part of tile `r` grown by `halo` that lies inside `image`: what a rank reads for it.
core::Rect read_area(const core::Rect& r, std::int64_t halo, core::Extent image);

// Tile `r` grown by `halo` (reflect-101 beyond the image) from `pixels`, the read_area() as
// read: moved when the halo lies inside the image, copied once otherwise. Reflecting within
// the area reflects about the image's own edges, since the area reaches them.
core::Image pad(core::Image pixels, const core::Rect& area, const core::Rect& r, std::int64_t halo);

}  // namespace nsperf::mpi::tiles
