#include "nsperf/io/image_index.hpp"

#include "nsperf/core/timer.hpp"
#include "nsperf/core/version.hpp"
#include "nsperf/io/hdf5.hpp"
#include "table_schema.hpp"

namespace nsperf::io {
namespace {

// /images, as stored (docs/output-layout.md).
const detail::TableSchema<ImageIndexRow>& image_table() {
  using R = ImageIndexRow;
  static const auto table =
      detail::TableSchema<R>()
          .text<512>("image", &R::image)
          .text<256>("output", &R::output)
          .text<16>("status", &R::status)
          .text<512>("error", &R::error)
          .column<std::int64_t>("rank", &R::rank)
          .column<std::int64_t>("ranks", &R::ranks)
          .column<std::int64_t>("width", &R::width)
          .column<std::int64_t>("height", &R::height)
          .column<std::int64_t>("tiles", &R::tiles)
          .column<std::int64_t>("threshold", &R::threshold)
          .column<double>("negative_space_fraction", &R::negative_space_fraction)
          .column<double>("setup_s", &R::setup_s)
          .column<double>("read_s", &R::read_s)
          .column<double>("pipeline_s", &R::pipeline_s)
          .column<double>("check_s", &R::check_s)
          .column<double>("write_s", &R::write_s)
          .column<double>("close_s", &R::close_s)
          .column<double>("wall_s", &R::wall_s);
  return table;
}

}  // namespace

void write_image_index(
    const std::filesystem::path& path, const std::vector<ImageIndexRow>& rows,
    const std::vector<std::pair<std::string, core::Provenance::Value>>& attributes) {
  // Parallel HDF5 over this process alone, as the outputs' own tables are appended.
  const Handle fapl = mpio_access(MPI_COMM_SELF);
  const Handle file(
      check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), "H5Fcreate"),
      H5Fclose);
  write_attribute(file.get(), "index_version", std::int64_t{1});
  write_attribute(file.get(), "nsperf_version", std::string(core::version()));
  write_attribute(file.get(), "created", core::utc_timestamp());
  for (const auto& [name, value] : attributes) write_attribute(file.get(), name.c_str(), value);
  image_table().write(file.get(), "images", rows, MPI_COMM_SELF);
}

}  // namespace nsperf::io
