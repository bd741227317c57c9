#include "nsperf/core/tile_plan.hpp"

#include <cstdio>
#include <string>

#include "nsperf/core/error.hpp"
#include "nsperf/core/tuning.hpp"

namespace nsperf::core {
namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// Every partitioner, in declaration order.
constexpr Partitioner kPartitioners[] = {Partitioner::static_block, Partitioner::static_cyclic};

// How many tiles of side `t` cut `image` (edge tiles counted whole).
std::int64_t tile_count(Extent image, std::int64_t t) {
  return ceil_div(image.width, t) * ceil_div(image.height, t);
}

}  // namespace

std::string_view to_string(Partitioner p) noexcept {
  switch (p) {
    case Partitioner::static_block:
      return "static-block";
    case Partitioner::static_cyclic:
      return "static-cyclic";
  }
  return "?";
}

std::optional<Partitioner> parse_partitioner(std::string_view text) noexcept {
  for (auto p : kPartitioners)
    if (to_string(p) == text) return p;
  return std::nullopt;
}

std::vector<std::string> partitioner_names() {
  std::vector<std::string> names;
  for (auto p : kPartitioners) names.emplace_back(to_string(p));
  return names;
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
                        Partition partition) {
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
  if (partition.chunk < 1)
    throw InputError("partition chunk " + std::to_string(partition.chunk) + " is not positive");

  TilePlan plan;
  plan.image = image;
  plan.tile_size = tile_size;
  plan.halo = halo;
  plan.ranks = ranks;
  plan.partitioner = partition.partitioner;
  plan.chunk = partition.partitioner == Partitioner::static_cyclic ? partition.chunk : 1;
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
  const auto n = static_cast<std::int64_t>(plan.tiles.size());
  plan.owner.resize(plan.tiles.size());
  if (plan.partitioner == Partitioner::static_cyclic) {
    // Runs of `chunk` ids in turn: every rank gets tiles from every part of the image, so cost
    // clustered in one part (an empty sky, a skewed image) evens out without messages at run
    // time; a longer run keeps more of a rank's tiles neighbours (fewer rows to read).
    for (std::int64_t i = 0; i < n; ++i)
      plan.owner[static_cast<std::size_t>(i)] = static_cast<int>((i / plan.chunk) % ranks);
    return plan;
  }
  // Static block: each rank owns a contiguous run of ids; the first n % R ranks own one more,
  // so counts differ by at most one, low ranks are never the idle ones, and each rank's tiles
  // are neighbours in the image.
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
  const std::int64_t tiles = tile_count(w.image, t);
  if (tiles < w.ranks) {
    return std::to_string(tiles) + (tiles == 1 ? " tile for " : " tiles for ") +
           std::to_string(w.ranks) + " ranks: a rank would have none";
  }
  return "";
}

// The partitioner and its chunk, as `nsperf tune` varies them: both partitioners where there is
// more than one rank; for static-cyclic, runs of 1, 4 and 16 tiles while every rank gets a run.
std::vector<nlohmann::json> partitioner_values(const TuneWorkload&, const Settings&) {
  std::vector<nlohmann::json> out;
  for (const auto& name : partitioner_names()) out.emplace_back(name);
  return out;
}

std::string partitioner_impossible(const nlohmann::json& v, const TuneWorkload& w,
                                   const Settings&) {
  if (!v.is_string() || !parse_partitioner(v.get<std::string>())) return "not a partitioner";
  if (w.ranks == 1 && *parse_partitioner(v.get<std::string>()) != Partitioner::static_block)
    return "one rank: there is nothing to share out";
  return "";
}

bool cyclic_in(const Settings& s) {
  const auto it = s.find("run.partitioner");
  return it != s.end() && it->is_string() &&
         parse_partitioner(it->get<std::string>()) == Partitioner::static_cyclic;
}

std::vector<nlohmann::json> chunk_values(const TuneWorkload&, const Settings& s) {
  if (!cyclic_in(s)) return {1};
  return {1, 4, 16};
}

std::string chunk_impossible(const nlohmann::json& v, const TuneWorkload& w, const Settings& s) {
  const auto chunk = v.get<std::int64_t>();
  if (!cyclic_in(s)) return chunk == 1 ? "" : "run.partition_chunk applies to static-cyclic only";
  const auto it = s.find("input.tile");
  if (chunk == 1 || it == s.end() || !it->is_number_integer()) return "";
  const auto t = it->get<std::int64_t>();
  const std::int64_t tiles = tile_count(w.image, t);
  if (chunk * w.ranks > tiles) {
    return std::to_string(tiles) + " tiles: runs of " + std::to_string(chunk) +
           " would not reach " + std::to_string(w.ranks) + " ranks";
  }
  return "";
}

}  // namespace
}  // namespace nsperf::core

NSPERF_REGISTER_TUNABLE(partitioner, {"run.partitioner", 32, &nsperf::core::partitioner_values,
                                      &nsperf::core::partitioner_impossible, false});
NSPERF_REGISTER_TUNABLE(partition_chunk, {"run.partition_chunk", 34, &nsperf::core::chunk_values,
                                          &nsperf::core::chunk_impossible, false});
NSPERF_REGISTER_TUNABLE(tile, {"input.tile", 30, &nsperf::core::tile_values,
                               &nsperf::core::tile_impossible});
