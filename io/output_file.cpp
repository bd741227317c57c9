#include "nsperf/io/output_file.hpp"

#include <algorithm>
#include <cstring>

#include "nsperf/core/error.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/core/version.hpp"

namespace nsperf::io {
namespace {

// A row of /tiles as stored.
struct TileRow {
  std::int64_t tile_id;
  std::int32_t rank;
  std::int64_t x;
  std::int64_t y;
  std::int64_t width;
  std::int64_t height;
  double negative_space_fraction;
  double gradient_mean;
  double gradient_max;
  double read_s;
  double transfer_s;
  double compute_s;
  std::uint64_t mask_checksum;
  char check_status[12];
  std::int64_t differing_pixels;
};

Handle tile_type() {
  using T = TileRow;
  Compound c(sizeof(T));
#define NSPERF_MEMBER(m, h5) c.add(#m, offsetof(T, m), h5)
  NSPERF_MEMBER(tile_id, H5T_NATIVE_INT64);
  NSPERF_MEMBER(rank, H5T_NATIVE_INT32);
  NSPERF_MEMBER(x, H5T_NATIVE_INT64);
  NSPERF_MEMBER(y, H5T_NATIVE_INT64);
  NSPERF_MEMBER(width, H5T_NATIVE_INT64);
  NSPERF_MEMBER(height, H5T_NATIVE_INT64);
  NSPERF_MEMBER(negative_space_fraction, H5T_NATIVE_DOUBLE);
  NSPERF_MEMBER(gradient_mean, H5T_NATIVE_DOUBLE);
  NSPERF_MEMBER(gradient_max, H5T_NATIVE_DOUBLE);
  NSPERF_MEMBER(read_s, H5T_NATIVE_DOUBLE);
  NSPERF_MEMBER(transfer_s, H5T_NATIVE_DOUBLE);
  NSPERF_MEMBER(compute_s, H5T_NATIVE_DOUBLE);
  NSPERF_MEMBER(mask_checksum, H5T_NATIVE_UINT64);
  c.add_string("check_status", offsetof(T, check_status), sizeof(T::check_status));
  NSPERF_MEMBER(differing_pixels, H5T_NATIVE_INT64);
#undef NSPERF_MEMBER
  return c.take();
}

Handle image_dataset(hid_t file, const char* name, hid_t file_type, const OutputLayout& layout) {
  const hsize_t dims[2] = {static_cast<hsize_t>(layout.image.height),
                           static_cast<hsize_t>(layout.image.width)};
  const Handle space(check(H5Screate_simple(2, dims, nullptr), "H5Screate_simple"), H5Sclose);
  const Handle dcpl(check(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate"), H5Pclose);
  // One chunk per tile: a rank writes whole chunks, and no two ranks share one.
  const hsize_t chunk[2] = {std::min(dims[0], static_cast<hsize_t>(layout.tile)),
                            std::min(dims[1], static_cast<hsize_t>(layout.tile))};
  NSPERF_H5(H5Pset_chunk(dcpl.get(), 2, chunk));
  // Every pixel is written: filling chunks first would write the file twice.
  NSPERF_H5(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER));
  if (layout.compression == "deflate") {
    NSPERF_H5(H5Pset_deflate(dcpl.get(), layout.compression_level > 0
                                             ? static_cast<unsigned>(layout.compression_level)
                                             : 6U));
  } else if (layout.compression == "zstd") {
    register_zstd_filter();
    const unsigned level =
        layout.compression_level > 0 ? static_cast<unsigned>(layout.compression_level) : 3U;
    NSPERF_H5(H5Pset_filter(dcpl.get(), kZstdFilterId, H5Z_FLAG_MANDATORY, 1, &level));
  } else if (layout.compression != "none") {
    throw UsageError("compression '" + layout.compression + "': valid: none, deflate, zstd");
  }
  return {
      check(H5Dcreate2(file, name, file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
            "H5Dcreate2"),
      H5Dclose};
}

// Selects `rect` of a [height][width] file space.
void select_rect(hid_t space, const core::Rect& rect) {
  const hsize_t start[2] = {static_cast<hsize_t>(rect.y), static_cast<hsize_t>(rect.x)};
  const hsize_t count[2] = {static_cast<hsize_t>(rect.height), static_cast<hsize_t>(rect.width)};
  NSPERF_H5(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr));
}

// Collective: one H5Dwrite of `data` (a view of `rect`'s pixels), or of nothing.
template <class T>
void write_view(hid_t dataset, hid_t mem_type, const core::Rect* rect, core::View<const T> data) {
  const Handle file_space(check(H5Dget_space(dataset), "H5Dget_space"), H5Sclose);
  Handle mem_space;
  if (rect != nullptr) {
    select_rect(file_space.get(), *rect);
    // The view's rows lie `stride` apart in memory: select its width of each.
    const hsize_t dims[2] = {static_cast<hsize_t>(data.height), static_cast<hsize_t>(data.stride)};
    mem_space = Handle(check(H5Screate_simple(2, dims, nullptr), "H5Screate_simple"), H5Sclose);
    select_rect(mem_space.get(), {0, 0, data.width, data.height});
  } else {
    NSPERF_H5(H5Sselect_none(file_space.get()));
    const hsize_t dims[2] = {1, 1};
    mem_space = Handle(check(H5Screate_simple(2, dims, nullptr), "H5Screate_simple"), H5Sclose);
    NSPERF_H5(H5Sselect_none(mem_space.get()));
  }
  const Handle xfer(check(H5Pcreate(H5P_DATASET_XFER), "H5Pcreate"), H5Pclose);
  // Collective: parallel HDF5 writes compressed chunks only so.
  NSPERF_H5(H5Pset_dxpl_mpio(xfer.get(), H5FD_MPIO_COLLECTIVE));
  static const T none{};
  NSPERF_H5(H5Dwrite(dataset, mem_type, mem_space.get(), file_space.get(), xfer.get(),
                     rect != nullptr ? data.data : &none));
}

}  // namespace

OutputFile OutputFile::create(const std::filesystem::path& path, MPI_Comm comm,
                              const OutputLayout& layout) {
  const Handle fapl = mpio_access(comm);
  Handle file(check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), "H5Fcreate"),
              H5Fclose);
  write_attribute(file.get(), "output_version", std::int64_t{kOutputVersion});
  write_attribute(file.get(), "nsperf_version", std::string(core::version()));
  write_attribute(file.get(), "created", core::utc_timestamp());
  Handle mask = image_dataset(file.get(), "mask", H5T_STD_U8LE, layout);
  Handle gradient = image_dataset(file.get(), "gradient", H5T_IEEE_F32LE, layout);
  return {std::move(file), std::move(mask), std::move(gradient), comm};
}

std::int64_t OutputFile::write_tiles(std::span<const OutputTile> tiles) {
  // Every rank makes the same number of collective writes: as many as the busiest rank has
  // tiles, with an empty selection once its own are written.
  auto mine = static_cast<long long>(tiles.size());
  long long rounds = 0;
  MPI_Allreduce(&mine, &rounds, 1, MPI_LONG_LONG, MPI_MAX, comm_);
  std::int64_t bytes = 0;
  for (long long i = 0; i < rounds; ++i) {
    const OutputTile* t = i < mine ? &tiles[static_cast<std::size_t>(i)] : nullptr;
    if (t != nullptr &&
        (t->mask.width != t->rect.width || t->mask.height != t->rect.height ||
         t->gradient.width != t->rect.width || t->gradient.height != t->rect.height)) {
      throw Error("output tile " + std::to_string(i) + ": planes do not match its size");
    }
    write_view<std::uint8_t>(mask_.get(), H5T_NATIVE_UINT8, t != nullptr ? &t->rect : nullptr,
                             t != nullptr ? t->mask : core::View<const std::uint8_t>{});
    write_view<float>(gradient_.get(), H5T_NATIVE_FLOAT, t != nullptr ? &t->rect : nullptr,
                      t != nullptr ? t->gradient : core::View<const float>{});
    if (t != nullptr) bytes += t->rect.pixels() * static_cast<std::int64_t>(1 + sizeof(float));
  }
  return bytes;
}

void OutputFile::write_stats(std::span<const TileStats> rows) {
  std::vector<TileRow> stored;
  for (const auto& s : rows) {
    TileRow r{};
    r.tile_id = s.tile_id;
    r.rank = s.rank;
    r.x = s.rect.x;
    r.y = s.rect.y;
    r.width = s.rect.width;
    r.height = s.rect.height;
    r.negative_space_fraction = s.negative_space_fraction;
    r.gradient_mean = s.gradient_mean;
    r.gradient_max = s.gradient_max;
    r.read_s = s.read_s;
    r.transfer_s = s.transfer_s;
    r.compute_s = s.compute_s;
    r.mask_checksum = s.mask_checksum;
    const auto status = core::to_string(s.check);
    std::memcpy(r.check_status, status.data(), std::min(status.size(), sizeof r.check_status - 1));
    r.differing_pixels = s.differing_pixels;
    stored.push_back(r);
  }
  write_rows(file_.get(), "tiles", tile_type().get(), stored, comm_);
}

void OutputFile::write_attributes(
    std::span<const std::pair<std::string, core::Provenance::Value>> attrs,
    const core::Provenance& provenance) {
  for (const auto& [name, value] : attrs) write_attribute(file_.get(), name.c_str(), value);
  const Handle group(
      check(H5Gcreate2(file_.get(), "provenance", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
            "H5Gcreate2"),
      H5Gclose);
  for (const auto& [name, value] : provenance.attributes())
    write_attribute(group.get(), name.c_str(), value);
}

void OutputFile::close() {
  mask_.close();
  gradient_.close();
  file_.close();
}

}  // namespace nsperf::io
