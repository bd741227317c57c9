#include "nsperf/core/tile_plan.hpp"

#include <cstdio>
#include <string>

#include "nsperf/core/error.hpp"
#include "nsperf/core/tuning.hpp"

namespace nsperf::core {
namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

}  // namespace

std::string_view to_string(Partitioner p) noexcept {
  switch (p) {
    case Partitioner::static_block:
      return "static-block";
  }
  return "?";
}

std::int64_t TilePlan::columns() const noexcept { return ceil_div(image.width, tile_size); }
std::int64_t TilePlan::rows() const noexcept { return ceil_div(image.height, tile_size); }

std::vector<std::int64_t> TilePlan::tiles_of(int rank) const {
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < owner.size(); ++i) {
    if (owner[i] == rank) ids.push_back(static_cast<std::int64_t>(i));
  }
  return ids;
}

namespace {
// "2.6x", "72% more than": what a tile's 5-pixel halo adds to the pixels it reads.
std::string core_ratio(std::int64_t tile) {
  const double t = static_cast<double>(tile);
  const double ratio = (t + 10) * (t + 10) / (t * t);
  char text[32];
  std::snprintf(text, sizeof text, "%.3gx", ratio);
  return text;
}
}  // namespace

void check_tile_side(std::int64_t tile, Extent image, const std::string& what) {
  const std::int64_t side = std::min(image.width, image.height);
  const std::int64_t least = std::min(kMinTile, side);
  const std::string size = std::to_string(image.width) + "x" + std::to_string(image.height);
  if (tile > side) {
    throw InputError(what + " " + std::to_string(tile) + " is larger than the " + size +
                     " image; valid: " + std::to_string(least) + ".." + std::to_string(side));
  }
  if (tile < least) {
    throw InputError(what + " " + std::to_string(tile) + " is too small to be worth its halo: " +
                     "every tile carries 5 pixels of context a side (a tile of " +
                     std::to_string(tile) + " reads " + core_ratio(tile) +
                     " the pixels it computes) and is written as one output "
                     "chunk; valid: " +
                     std::to_string(least) + ".." + std::to_string(side));
  }
}

TilePlan make_tile_plan(Extent image, std::int64_t tile_size, std::int64_t halo, int ranks,
                        Partitioner partitioner) {
  if (image.width < 1 || image.height < 1) throw InputError("the image is empty");
  if (tile_size < 1) {
    throw InputError("tile size " + std::to_string(tile_size) + " is not positive");
  }
  if (tile_size > image.width || tile_size > image.height) {
    throw InputError("tile size " + std::to_string(tile_size) + " is larger than the " +
                     std::to_string(image.width) + "x" + std::to_string(image.height) +
                     " image; valid: 1.." + std::to_string(std::min(image.width, image.height)));
  }
  if (ranks < 1) throw InputError("rank count " + std::to_string(ranks) + " is not positive");
  if (halo < 0) throw InputError("halo " + std::to_string(halo) + " is negative");

  TilePlan plan;
  plan.image = image;
  plan.tile_size = tile_size;
  plan.halo = halo;
  plan.ranks = ranks;
  plan.partitioner = partitioner;
  const std::int64_t cols = plan.columns();
  const std::int64_t rows = plan.rows();
  plan.tiles.reserve(static_cast<std::size_t>(cols * rows));
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) {
      const std::int64_t x = c * tile_size;
      const std::int64_t y = r * tile_size;
      plan.tiles.push_back(
          {x, y, std::min(tile_size, image.width - x), std::min(tile_size, image.height - y)});
    }
  }
  // Static block: each rank owns a contiguous run of ids; the first n % R ranks own one more,
  // so counts differ by at most one, low ranks are never the idle ones, and each rank's tiles
  // are neighbours in the image.
  const auto n = static_cast<std::int64_t>(plan.tiles.size());
  plan.owner.resize(plan.tiles.size());
  std::int64_t next = 0;
  for (int k = 0; k < ranks; ++k) {
    const std::int64_t count = n / ranks + (k < n % ranks ? 1 : 0);
    for (std::int64_t i = 0; i < count; ++i) plan.owner[static_cast<std::size_t>(next++)] = k;
  }
  return plan;
}

}  // namespace nsperf::core

namespace nsperf::core {
namespace {

// The tile side, as `nsperf tune` varies it: powers of two from 128 (below, the halo and the
// per-tile write cost dominate) to 4096 and the image's shorter side.
std::vector<nlohmann::json> tile_values(const TuneWorkload& w, const Settings&) {
  const std::int64_t side = std::min(w.image.width, w.image.height);
  std::vector<nlohmann::json> out;
  for (std::int64_t t = 128; t <= std::min<std::int64_t>(side, 4096); t *= 2) out.emplace_back(t);
  if (side < 4096) out.emplace_back(side);
  return out;
}

std::string tile_impossible(const nlohmann::json& v, const TuneWorkload& w, const Settings&) {
  const auto t = v.get<std::int64_t>();
  const std::int64_t side = std::min(w.image.width, w.image.height);
  if (t > side) return "larger than the image's shorter side (" + std::to_string(side) + ")";
  if (t < std::min(kMinTile, side)) return "below " + std::to_string(kMinTile) + " pixels";
  const std::int64_t tiles = ((w.image.width + t - 1) / t) * ((w.image.height + t - 1) / t);
  if (tiles < w.ranks) {
    return std::to_string(tiles) + (tiles == 1 ? " tile for " : " tiles for ") +
           std::to_string(w.ranks) + " ranks: a rank would have none";
  }
  return "";
}

}  // namespace
}  // namespace nsperf::core

NSPERF_REGISTER_TUNABLE(tile, {"input.tile", 30, &nsperf::core::tile_values,
                               &nsperf::core::tile_impossible});
