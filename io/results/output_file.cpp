#include "nsperf/io/output_file.hpp"

#include <algorithm>
#include <cstring>

#include "hdf5_image.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/core/version.hpp"
#include "region_table.hpp"
#include "table_schema.hpp"

namespace nsperf::io {
namespace {

// /tiles, as stored (docs/output-file.md).
const detail::TableSchema<core::TileStats>& output_tile_table() {
  using T = core::TileStats;
  static const auto table =
      detail::TableSchema<T>()
          .with(detail::placement_columns<T>)
          .column<double>("negative_space_fraction", &T::negative_space_fraction)
          .column<double>("gradient_mean", &T::gradient_mean)
          .column<double>("gradient_max", &T::gradient_max)
          .column<double>("read_s", &T::read_s)
          .column<double>("transfer_s", &T::transfer_s)
          .column<double>("compute_s", &T::compute_s)
          .column<std::uint64_t>("mask_checksum", &T::mask_checksum)
          .column<std::uint64_t>("gradient_checksum", &T::gradient_checksum)
          .text<12>("check_status", &T::check)
          .column<std::int64_t>("differing_pixels", &T::differing_pixels);
  return table;
}

// /ranks, as stored (docs/output-layout.md).
const detail::TableSchema<RankStages>& rank_stage_table() {
  using R = RankStages;
  static const auto table = detail::TableSchema<R>()
                                .column<std::int64_t>("rank", &R::rank)
                                .column<double>("start_s", &R::start_s)
                                .column<double>("read_s", &R::read_s)
                                .column<double>("pipeline_s", &R::pipeline_s)
                                .column<double>("check_s", &R::check_s)
                                .column<double>("write_s", &R::write_s)
                                .column<std::int64_t>("bytes_read", &R::bytes_read);
  return table;
}

}  // namespace

OutputFile OutputFile::create(const std::filesystem::path& path, MPI_Comm comm,
                              const OutputLayout& layout, bool early_writeback) {
  const Handle fapl = mpio_access(comm);
  Handle file(check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), "H5Fcreate"),
              H5Fclose);
  write_attribute(file.get(), "output_version", std::int64_t{kOutputVersion});
  write_attribute(file.get(), "nsperf_version", std::string(core::version()));
  write_attribute(file.get(), "created", core::utc_timestamp());
  const detail::ImageDatasetLayout images{layout.image, layout.tile, layout.compression,
                                          layout.compression_level};
  Handle mask = detail::create_image_dataset(file.get(), "mask", H5T_STD_U8LE, images);
  Handle gradient = detail::create_image_dataset(file.get(), "gradient", H5T_IEEE_F32LE, images);
  EarlyWriteback writeback;
  if (early_writeback) writeback = EarlyWriteback(path, kWritebackEveryBytes);
  return {std::move(file), std::move(mask), std::move(gradient), comm, std::move(writeback)};
}

std::int64_t OutputFile::write_tiles(std::span<const OutputTile> tiles, bool with_mask) {
  // A tile at a time: each write is one whole chunk, which HDF5 writes straight from the
  // tile's rows. (Merging a rank's tiles into rectangles, as the io optimizer's HDF5 strategies
  // do, made this write 2x slower for uncompressed chunks: HDF5 then gathers every chunk from
  // strided rows.) Every rank makes the same number of collective writes: as many as the
  // busiest rank has tiles, with an empty selection once its own are written.
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
    // Collective: parallel HDF5 writes compressed chunks only so.
    const core::Rect* rect = t != nullptr ? &t->rect : nullptr;
    if (with_mask) {
      detail::write_rect(mask_.get(), H5T_NATIVE_UINT8, rect, t != nullptr ? t->mask.data : nullptr,
                         t != nullptr ? t->mask.stride : 0,
                         /*collective=*/true);
    }
    detail::write_rect(gradient_.get(), H5T_NATIVE_FLOAT, rect,
                       t != nullptr ? t->gradient.data : nullptr,
                       t != nullptr ? t->gradient.stride : 0, /*collective=*/true);
    if (t != nullptr) {
      const auto tile_bytes =
          t->rect.pixels() * static_cast<std::int64_t>((with_mask ? 1 : 0) + sizeof(float));
      bytes += tile_bytes;
      writeback_.written(tile_bytes);
    }
  }
  writeback_.finish();
  return bytes;
}

void OutputFile::write_stats(std::span<const core::TileStats> rows) {
  output_tile_table().write(file_.get(), "tiles", rows, comm_);
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

void OutputFile::abandon() noexcept {
  mask_.abandon();
  gradient_.abandon();
  file_.abandon();
}

namespace {

Handle open_output(const std::filesystem::path& path) {
  Handle file = open_for_reading(path);
  if (H5Aexists(file.get(), "output_version") <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError(path.string() + ": an HDF5 file, but not an output of nsperf run");
  }
  return file;
}

}  // namespace

void append_profile(const std::filesystem::path& path, std::span<const core::RankRegion> regions) {
  // Parallel HDF5 over this process alone: the file was written through MPI-IO and is closed.
  const Handle fapl = mpio_access(MPI_COMM_SELF);
  const Handle file(check(H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.get()), "H5Fopen"), H5Fclose);
  const Handle group(
      check(H5Gcreate2(file.get(), "profile", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "H5Gcreate2"),
      H5Gclose);
  write_region_table(group.get(), regions, MPI_COMM_SELF);
}

void append_stages(const std::filesystem::path& path, std::span<const RankStages> ranks,
                   double wall_s) {
  // As append_profile: parallel HDF5 over this process alone, the file closed everywhere.
  const Handle fapl = mpio_access(MPI_COMM_SELF);
  const Handle file(check(H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.get()), "H5Fopen"), H5Fclose);
  rank_stage_table().write(file.get(), "ranks", ranks, MPI_COMM_SELF);
  write_attribute(file.get(), "wall_s", wall_s);
}

OutputReader::OutputReader(const std::filesystem::path& path)
    : path_(path), file_(open_output(path)) {}

std::vector<core::TileStats> OutputReader::tiles() const {
  try {
    const Handle dataset(check(H5Dopen2(file_.get(), "tiles", H5P_DEFAULT), "H5Dopen2"), H5Dclose);
    return output_tile_table().read(dataset.get(), path_.string() + ": /tiles");
  } catch (const InputError&) {
    H5Eclear2(H5E_DEFAULT);
    throw;
  } catch (const Error& e) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError(path_.string() + ": /tiles cannot be read (" + e.what() + ")");
  }
}

core::Plane<float> OutputReader::gradient(const core::Rect& area) const {
  core::Plane<float> plane({area.width, area.height});
  try {
    const Handle dataset(check(H5Dopen2(file_.get(), "gradient", H5P_DEFAULT), "H5Dopen2"),
                         H5Dclose);
    const Handle space(check(H5Dget_space(dataset.get()), "H5Dget_space"), H5Sclose);
    const hsize_t start[2] = {static_cast<hsize_t>(area.y), static_cast<hsize_t>(area.x)};
    const hsize_t count[2] = {static_cast<hsize_t>(area.height), static_cast<hsize_t>(area.width)};
    NSPERF_H5(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr));
    const Handle memory(check(H5Screate_simple(2, count, nullptr), "H5Screate_simple"), H5Sclose);
    NSPERF_H5(H5Dread(dataset.get(), H5T_NATIVE_FLOAT, memory.get(), space.get(), H5P_DEFAULT,
                      plane.view().data));
  } catch (const Error& e) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError(path_.string() + ": /gradient cannot be read (" + e.what() + ")");
  }
  return plane;
}

bool is_output_file(const std::filesystem::path& path) {
  try {
    open_output(path);
    return true;
  } catch (const InputError&) {
    return false;
  }
}

std::vector<RankStages> read_output_stages(const std::filesystem::path& path) {
  const Handle file = open_output(path);
  if (!link_exists(file.get(), "ranks")) return {};
  try {
    const Handle dataset(check(H5Dopen2(file.get(), "ranks", H5P_DEFAULT), "H5Dopen2"), H5Dclose);
    return rank_stage_table().read(dataset.get(), path.string() + ": /ranks");
  } catch (const InputError&) {
    H5Eclear2(H5E_DEFAULT);
    throw;
  } catch (const Error& e) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError(path.string() + ": /ranks cannot be read (" + e.what() + ")");
  }
}

std::vector<core::RankRegion> read_output_regions(const std::filesystem::path& path) {
  const Handle file = open_output(path);
  if (!link_exists(file.get(), "profile/regions")) return {};
  return read_region_table(file.get(), "profile/regions", path);
}

std::vector<std::pair<std::string, core::Provenance::Value>> read_output_attributes(
    const std::filesystem::path& path) {
  const Handle file = open_output(path);
  auto out = read_attributes(file.get(), path.string());
  if (H5Lexists(file.get(), "provenance", H5P_DEFAULT) > 0) {
    const Handle group(check(H5Gopen2(file.get(), "provenance", H5P_DEFAULT), "H5Gopen2"),
                       H5Gclose);
    for (auto& a : read_attributes(group.get(), path.string() + ": /provenance"))
      out.push_back(std::move(a));
  }
  return out;
}

}  // namespace nsperf::io
