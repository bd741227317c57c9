#pragma once
// 2-D image datasets in parallel HDF5, shared by nsperf run's output file and the HDF5 I/O
// strategies: creation (contiguous, or chunked and optionally compressed) and tile-sized
// writes and reads, independent or collective.

#include <hdf5.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "nsperf/core/compression.hpp"
#include "nsperf/core/image.hpp"
#include "nsperf/core/tile_plan.hpp"
#include "nsperf/io/hdf5.hpp"

namespace nsperf::io::detail {

/// How an image dataset is stored.
struct ImageDatasetLayout {
  core::Extent image;
  std::int64_t chunk = 0;  ///< chunk side (clipped to the image); 0 = contiguous
  core::Compression compression = core::Compression::none;  ///< chunked only
  int level = 0;  ///< 0: the library's default (deflate 6, zstd 3)
};

/// Creates dataset `name` of `file_type` [height][width]. Collective in parallel HDF5.
Handle create_image_dataset(hid_t file, const char* name, hid_t file_type,
                            const ImageDatasetLayout& layout);

/// Writes `data` (rect.width x rect.height values of `mem_type`, rows `stride` apart) into
/// `rect` of `dataset`, or nothing when `rect` is null (a rank taking part in a collective call
/// without data). `collective` selects H5FD_MPIO_COLLECTIVE (required for compressed chunks).
void write_rect(hid_t dataset, hid_t mem_type, const core::Rect* rect, const void* data,
                std::int64_t stride, bool collective);

/// Reads `rect` of `dataset` into `data` (rows `stride` apart), or nothing when `rect` is null.
void read_rect(hid_t dataset, hid_t mem_type, const core::Rect* rect, void* data,
               std::int64_t stride, bool collective);

/// A rectangle of the image made of some of a rank's tiles: `members` index the tiles.
struct RectBlock {
  core::Rect rect;
  std::vector<std::size_t> members;
};

/// `tiles` (in row-major tile order) merged into as few rectangles as that order allows: runs of
/// adjacent tiles in one tile row make strips, and strips with the same columns stacked
/// directly below each other make blocks. A static-block rank's tiles become at most three
/// blocks, which HDF5 writes as a few large pieces instead of each tile's many short rows.
std::vector<RectBlock> merge_tiles(std::span<const core::Rect> tiles);

/// Copies `tile` (the pixels of `tile_rect`) into its place in `block` (row-major, the pixels
/// of `block_rect`), or back when `to_block` is false.
template <class T>
void copy_block_rows(core::View<T> tile, const core::Rect& tile_rect, const core::Rect& block_rect,
                     T* block, bool to_block) {
  for (std::int64_t y = 0; y < tile_rect.height; ++y) {
    T* in_block =
        block + (tile_rect.y - block_rect.y + y) * block_rect.width + (tile_rect.x - block_rect.x);
    T* in_tile = tile.row(y);
    const auto n = static_cast<std::size_t>(tile_rect.width) * sizeof(T);
    if (to_block) {
      std::memcpy(in_block, in_tile, n);
    } else {
      std::memcpy(in_tile, in_block, n);
    }
  }
}

/// How many transfers every rank makes for `mine` blocks: `mine` in independent mode, the most
/// any rank of `comm` has in collective mode (collective calls need every rank).
int transfer_rounds(MPI_Comm comm, std::size_t mine, bool collective);

}  // namespace nsperf::io::detail
