// The tiles a simulated job computes and what each costs, from the measured run.
#include <algorithm>
#include <cmath>

#include "nsperf/core/error.hpp"
#include "nsperf/sim/whatif.hpp"

namespace nsperf::sim {

std::vector<std::string> partitioner_names() {
  return {"static-block", "static-cyclic", "dynamic", "guided"};
}

bool is_partitioner(std::string_view name) {
  const auto names = partitioner_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

namespace {

double padded_pixels(const core::Rect& r, std::int64_t halo) {
  return static_cast<double>(r.width + 2 * halo) * static_cast<double>(r.height + 2 * halo);
}

}  // namespace

std::vector<core::TileCost> workload_tiles(const core::MeasuredJob& job, core::Extent image,
                                           std::int64_t tile_size) {
  if (job.tiles.empty()) throw InputError("whatif: the measured run has no tiles");
  if (image == job.image && tile_size == job.tile_size) return job.tiles;
  const core::TilePlan plan = core::make_tile_plan(image, tile_size, job.halo, 1);
  const std::int64_t columns0 = (job.image.width + job.tile_size - 1) / job.tile_size;
  const std::int64_t rows0 = (job.image.height + job.tile_size - 1) / job.tile_size;
  std::vector<core::TileCost> out;
  out.reserve(plan.tiles.size());
  for (const auto& r : plan.tiles) {
    // The new tile's centre, in the measured image's coordinates.
    const double cx = (static_cast<double>(r.x) + 0.5 * static_cast<double>(r.width)) *
                      static_cast<double>(job.image.width) / static_cast<double>(image.width);
    const double cy = (static_cast<double>(r.y) + 0.5 * static_cast<double>(r.height)) *
                      static_cast<double>(job.image.height) / static_cast<double>(image.height);
    const auto column =
        std::clamp<std::int64_t>(static_cast<std::int64_t>(cx) / job.tile_size, 0, columns0 - 1);
    const auto row =
        std::clamp<std::int64_t>(static_cast<std::int64_t>(cy) / job.tile_size, 0, rows0 - 1);
    const core::TileCost& source = job.tiles.at(static_cast<std::size_t>(row * columns0 + column));
    const double scale = padded_pixels(r, job.halo) / padded_pixels(source.rect, job.halo);
    core::TileCost c;
    c.rect = r;
    c.stage_a_s = source.stage_a_s * scale;
    c.histogram_s = source.histogram_s * scale;
    c.stage_b_s = source.stage_b_s * scale;
    c.raw_bytes =
        static_cast<std::int64_t>(std::llround(static_cast<double>(source.raw_bytes) * scale));
    out.push_back(c);
  }
  return out;
}

core::Extent image_for_ranks(const core::MeasuredJob& job, std::int64_t tile_size, int ranks) {
  for (std::int64_t f = 1;; ++f) {
    const core::Extent e{job.image.width * f, job.image.height * f};
    const std::int64_t tiles =
        ((e.width + tile_size - 1) / tile_size) * ((e.height + tile_size - 1) / tile_size);
    if (tiles >= ranks || e.width > core::kMaxImageSide || e.height > core::kMaxImageSide) return e;
  }
}

}  // namespace nsperf::sim
