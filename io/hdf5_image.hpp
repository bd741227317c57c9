#pragma once
// 2-D image datasets in parallel HDF5, shared by nsperf run's output file and the HDF5 I/O
// strategies: creation (contiguous, or chunked and optionally compressed) and tile-sized
// writes and reads, independent or collective.

#include <hdf5.h>

#include <cstdint>
#include <string>

#include "nsperf/core/image.hpp"
#include "nsperf/core/tile_plan.hpp"
#include "nsperf/io/hdf5.hpp"

namespace nsperf::io::detail {

/// How an image dataset is stored.
struct ImageDatasetLayout {
  core::Extent image;
  std::int64_t chunk = 0;   ///< chunk side (clipped to the image); 0 = contiguous
  std::string compression;  ///< none, deflate or zstd (chunked only)
  int level = 0;            ///< 0: the library's default (deflate 6, zstd 3)
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

}  // namespace nsperf::io::detail
