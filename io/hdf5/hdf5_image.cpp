#include "hdf5_image.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "nsperf/core/error.hpp"

namespace nsperf::io::detail {
namespace {

void select_rect(hid_t space, const core::Rect& rect) {
  const hsize_t start[2] = {static_cast<hsize_t>(rect.y), static_cast<hsize_t>(rect.x)};
  const hsize_t count[2] = {static_cast<hsize_t>(rect.height), static_cast<hsize_t>(rect.width)};
  NSPERF_H5(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr));
}

// The file and memory selections of one transfer: `rect` of the dataset, and the first
// rect.width of each of rect.height rows `stride` apart in memory; both empty without a rect.
struct Selection {
  Handle file;
  Handle memory;
};

Selection select(hid_t dataset, const core::Rect* rect, std::int64_t stride) {
  Selection s;
  s.file = Handle(check(H5Dget_space(dataset), "H5Dget_space"), H5Sclose);
  if (rect != nullptr) {
    select_rect(s.file.get(), *rect);
    const hsize_t dims[2] = {static_cast<hsize_t>(rect->height), static_cast<hsize_t>(stride)};
    s.memory = Handle(check(H5Screate_simple(2, dims, nullptr), "H5Screate_simple"), H5Sclose);
    select_rect(s.memory.get(), {0, 0, rect->width, rect->height});
  } else {
    NSPERF_H5(H5Sselect_none(s.file.get()));
    const hsize_t dims[2] = {1, 1};
    s.memory = Handle(check(H5Screate_simple(2, dims, nullptr), "H5Screate_simple"), H5Sclose);
    NSPERF_H5(H5Sselect_none(s.memory.get()));
  }
  return s;
}

Handle transfer(bool collective) {
  Handle xfer(check(H5Pcreate(H5P_DATASET_XFER), "H5Pcreate"), H5Pclose);
  NSPERF_H5(
      H5Pset_dxpl_mpio(xfer.get(), collective ? H5FD_MPIO_COLLECTIVE : H5FD_MPIO_INDEPENDENT));
  return xfer;
}

}  // namespace

Handle create_image_dataset(hid_t file, const char* name, hid_t file_type,
                            const ImageDatasetLayout& layout) {
  const hsize_t dims[2] = {static_cast<hsize_t>(layout.image.height),
                           static_cast<hsize_t>(layout.image.width)};
  const Handle space(check(H5Screate_simple(2, dims, nullptr), "H5Screate_simple"), H5Sclose);
  const Handle dcpl(check(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate"), H5Pclose);
  // Every pixel is written: filling the dataset first would write it twice.
  NSPERF_H5(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER));
  if (layout.chunk > 0) {
    // One chunk per tile: a rank writes whole chunks, and no two ranks share one.
    const hsize_t chunk[2] = {std::min(dims[0], static_cast<hsize_t>(layout.chunk)),
                              std::min(dims[1], static_cast<hsize_t>(layout.chunk))};
    NSPERF_H5(H5Pset_chunk(dcpl.get(), 2, chunk));
    switch (layout.compression) {
      case core::Compression::none:
        break;
      case core::Compression::deflate:
        NSPERF_H5(H5Pset_deflate(dcpl.get(),
                                 layout.level > 0 ? static_cast<unsigned>(layout.level) : 6U));
        break;
      case core::Compression::zstd: {
        register_zstd_filter();
        const unsigned level = layout.level > 0 ? static_cast<unsigned>(layout.level) : 3U;
        NSPERF_H5(H5Pset_filter(dcpl.get(), kZstdFilterId, H5Z_FLAG_MANDATORY, 1, &level));
        break;
      }
    }
  } else if (layout.compression != core::Compression::none) {
    throw std::logic_error("compression needs a chunked dataset");
  }
  return {
      check(H5Dcreate2(file, name, file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
            "H5Dcreate2"),
      H5Dclose};
}

void write_rect(hid_t dataset, hid_t mem_type, const core::Rect* rect, const void* data,
                std::int64_t stride, bool collective) {
  const Selection s = select(dataset, rect, stride);
  const Handle xfer = transfer(collective);
  static const double none = 0;
  NSPERF_H5(H5Dwrite(dataset, mem_type, s.memory.get(), s.file.get(), xfer.get(),
                     rect != nullptr ? data : &none));
}

void read_rect(hid_t dataset, hid_t mem_type, const core::Rect* rect, void* data,
               std::int64_t stride, bool collective) {
  const Selection s = select(dataset, rect, stride);
  const Handle xfer = transfer(collective);
  double none = 0;
  NSPERF_H5(H5Dread(dataset, mem_type, s.memory.get(), s.file.get(), xfer.get(),
                    rect != nullptr ? data : &none));
}

std::vector<RectBlock> merge_tiles(std::span<const core::Rect> tiles) {
  std::vector<RectBlock> strips;
  for (std::size_t i = 0; i < tiles.size(); ++i) {
    const auto& t = tiles[i];
    if (!strips.empty()) {
      auto& last = strips.back().rect;
      if (last.y == t.y && last.height == t.height && last.x + last.width == t.x) {
        last.width += t.width;
        strips.back().members.push_back(i);
        continue;
      }
    }
    strips.push_back({t, {i}});
  }
  std::vector<RectBlock> blocks;
  for (auto& strip : strips) {
    if (!blocks.empty()) {
      auto& last = blocks.back();
      if (last.rect.x == strip.rect.x && last.rect.width == strip.rect.width &&
          last.rect.y + last.rect.height == strip.rect.y) {
        last.rect.height += strip.rect.height;
        last.members.insert(last.members.end(), strip.members.begin(), strip.members.end());
        continue;
      }
    }
    blocks.push_back(std::move(strip));
  }
  return blocks;
}

int transfer_rounds(MPI_Comm comm, std::size_t mine, bool collective) {
  int local = static_cast<int>(mine);
  int rounds = local;
  if (collective) MPI_Allreduce(&local, &rounds, 1, MPI_INT, MPI_MAX, comm);
  return rounds;
}

}  // namespace nsperf::io::detail
