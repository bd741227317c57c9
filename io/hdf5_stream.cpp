#include "hdf5_stream.hpp"

#include <cstring>
#include <vector>

#include "posix_file.hpp"

namespace nsperf::io::detail {
namespace {

// A rectangle of the image made of some of this rank's tiles, and their place in it.
struct Block {
  core::Rect rect;
  std::vector<const StreamTile*> tiles;
};

// This rank's tiles merged into as few rectangles as row-major tile order allows: runs of
// adjacent tiles in one tile row make strips, and strips with the same columns stacked
// directly below each other make blocks. A static-block rank's tiles become at most three
// blocks, which HDF5 writes as a few large pieces instead of a tile's many short rows.
std::vector<Block> blocks_of(const TileStream& s) {
  std::vector<Block> strips;
  for (const auto& t : s.tiles) {
    if (!strips.empty()) {
      auto& last = strips.back().rect;
      if (last.y == t.rect.y && last.height == t.rect.height && last.x + last.width == t.rect.x) {
        last.width += t.rect.width;
        strips.back().tiles.push_back(&t);
        continue;
      }
    }
    strips.push_back({t.rect, {&t}});
  }
  std::vector<Block> blocks;
  for (auto& strip : strips) {
    if (!blocks.empty()) {
      auto& last = blocks.back();
      if (last.rect.x == strip.rect.x && last.rect.width == strip.rect.width &&
          last.rect.y + last.rect.height == strip.rect.y) {
        last.rect.height += strip.rect.height;
        last.tiles.insert(last.tiles.end(), strip.tiles.begin(), strip.tiles.end());
        continue;
      }
    }
    blocks.push_back(std::move(strip));
  }
  return blocks;
}

// Copies each tile's rows between the stream (tiles back to back) and `block` (row-major).
template <class Copy>
void for_each_tile_row(const Block& block, Copy&& copy) {
  for (const StreamTile* t : block.tiles) {
    const auto row = static_cast<std::size_t>(t->rect.width) * kStreamPixelBytes;
    for (std::int64_t y = 0; y < t->rect.height; ++y) {
      const auto at_block =
          static_cast<std::size_t>((t->rect.y - block.rect.y + y) * block.rect.width +
                                   (t->rect.x - block.rect.x)) *
          kStreamPixelBytes;
      copy(t->offset + static_cast<std::size_t>(y) * row, at_block, row);
    }
  }
}

// Calls fn(block or null, its staging offset) the same number of times on every rank: once
// per block in independent mode; in collective mode as many rounds as the rank with the most
// blocks has, with null once a rank's own are done (collective calls need every rank).
template <class Fn>
void for_each_round(const TileStream& s, const std::vector<Block>& blocks, bool collective,
                    Fn&& fn) {
  auto mine = static_cast<int>(blocks.size());
  int rounds = mine;
  if (collective) MPI_Allreduce(&mine, &rounds, 1, MPI_INT, MPI_MAX, s.comm);
  std::size_t offset = 0;
  for (int i = 0; i < rounds; ++i) {
    const auto at = static_cast<std::size_t>(i);
    const Block* b = at < blocks.size() ? &blocks[at] : nullptr;
    fn(b, offset);
    if (b != nullptr) offset += static_cast<std::size_t>(b->rect.pixels()) * kStreamPixelBytes;
  }
}

}  // namespace

void hdf5_stream_write(const TileStream& s, std::span<const std::byte> data,
                       const std::filesystem::path& path, const Hdf5StreamMode& mode,
                       std::vector<std::byte>& staging) {
  {
    const Handle fapl = mpio_access(s.comm);
    Handle file(check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), "H5Fcreate"),
                H5Fclose);
    Handle dataset =
        create_image_dataset(file.get(), "stream", H5T_IEEE_F32LE,
                             {s.image, mode.chunked ? s.tile : 0, mode.compression, 0});
    // The blocks' pixels row-major, one after the other (the copy is part of the timing).
    const auto blocks = blocks_of(s);
    staging.resize(s.bytes);
    std::size_t at = 0;
    for (const auto& b : blocks) {
      for_each_tile_row(b, [&](std::size_t from, std::size_t to, std::size_t n) {
        std::memcpy(staging.data() + at + to, data.data() + from, n);
      });
      at += static_cast<std::size_t>(b.rect.pixels()) * kStreamPixelBytes;
    }
    for_each_round(s, blocks, mode.collective, [&](const Block* b, std::size_t offset) {
      write_rect(dataset.get(), H5T_NATIVE_FLOAT, b != nullptr ? &b->rect : nullptr,
                 staging.data() + offset, b != nullptr ? b->rect.width : 0, mode.collective);
    });
    dataset.close();
    file.close();
  }
  // HDF5 does not fsync on close; every rank makes what it wrote durable.
  fsync_path(path);
}

void hdf5_stream_read(const TileStream& s, std::span<std::byte> into,
                      const std::filesystem::path& path, const Hdf5StreamMode& mode,
                      std::vector<std::byte>& staging) {
  const Handle fapl = mpio_access(s.comm);
  Handle file(check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), "H5Fopen"), H5Fclose);
  Handle dataset(check(H5Dopen2(file.get(), "stream", H5P_DEFAULT), "H5Dopen2"), H5Dclose);
  const auto blocks = blocks_of(s);
  staging.resize(s.bytes);
  for_each_round(s, blocks, mode.collective, [&](const Block* b, std::size_t offset) {
    read_rect(dataset.get(), H5T_NATIVE_FLOAT, b != nullptr ? &b->rect : nullptr,
              staging.data() + offset, b != nullptr ? b->rect.width : 0, mode.collective);
    if (b == nullptr) return;
    for_each_tile_row(*b, [&](std::size_t to, std::size_t from, std::size_t n) {
      std::memcpy(into.data() + to, staging.data() + offset + from, n);
    });
  });
  dataset.close();
  file.close();
}

}  // namespace nsperf::io::detail
