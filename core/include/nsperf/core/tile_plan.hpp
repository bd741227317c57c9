#pragma once
/// \file Tile geometry and the partition of an image's tiles across ranks (pure, deterministic).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nsperf/core/image.hpp"

namespace nsperf::core {

/// A rectangle of pixels in image coordinates.
struct Rect {
  std::int64_t x = 0;
  std::int64_t y = 0;
  std::int64_t width = 0;
  std::int64_t height = 0;
  [[nodiscard]] std::int64_t pixels() const noexcept { return width * height; }
  friend bool operator==(const Rect&, const Rect&) = default;
};

/// How tiles are assigned to ranks, fixed before the run (run.partitioner).
enum class Partitioner : std::uint8_t {
  static_block,   ///< rank r gets a contiguous run of tile ids, sizes differ by at most one
  static_cyclic,  ///< runs of `chunk` consecutive ids dealt to the ranks in turn
};

/// "static-block", "static-cyclic": the names used in configs and results.
std::string_view to_string(Partitioner p) noexcept;
std::optional<Partitioner> parse_partitioner(std::string_view text) noexcept;
/// Every name parse_partitioner takes, in declaration order.
std::vector<std::string> partitioner_names();

/// A partitioner and its chunk (tiles per run dealt out; static-cyclic only, else 1).
struct Partition {
  Partitioner partitioner = Partitioner::static_block;
  std::int64_t chunk = 1;
};

/// Every tile of an image and the rank that owns it. Tiles are numbered row-major; edge tiles
/// are smaller when the tile size does not divide the image. Each tile is processed with
/// `halo` pixels of context on every side (reflect-101 beyond the image border).
struct TilePlan {
  Extent image;
  std::int64_t tile_size = 0;
  std::int64_t halo = 0;
  int ranks = 0;
  Partitioner partitioner = Partitioner::static_block;
  std::int64_t chunk = 1;   ///< static-cyclic's run of consecutive ids
  std::vector<Rect> tiles;  ///< indexed by tile id
  std::vector<int> owner;   ///< owner[tile id] = rank

  /// Tile ids owned by `rank`, ascending.
  [[nodiscard]] std::vector<std::int64_t> tiles_of(int rank) const;
  /// Number of tiles across and down.
  [[nodiscard]] std::int64_t columns() const noexcept;
  [[nodiscard]] std::int64_t rows() const noexcept;
};

/// The smallest tile a user may ask for (input.tile): the smallest power of two whose halo is
/// fewer pixels than the tile itself. With the pipeline's 5 pixels a side, a 32-pixel tile reads
/// and sends 72% more pixels than it computes, a 16-pixel one 2.6x and a 1-pixel one 121x; and
/// each tile is one output chunk, written in one collective call, so tinier tiles also mean
/// chunks and writes too small to run at speed.
inline constexpr std::int64_t kMinTile = 32;

void check_tile_side(std::int64_t tile, Extent image, const std::string& what);

/// Builds the plan for `image` cut into tile_size x tile_size tiles over `ranks` ranks.
/// Throws InputError if tile_size < 1, tile_size exceeds a side of the image, ranks < 1 or
/// the chunk < 1.
TilePlan make_tile_plan(Extent image, std::int64_t tile_size, std::int64_t halo, int ranks,
                        Partition partition = {});

}  // namespace nsperf::core
