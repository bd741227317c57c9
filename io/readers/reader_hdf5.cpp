// An HDF5 dataset (`file.h5:/path/to/data`) of any integer or float type, 2-D, or N-D with the
// leading indices selected (`file.h5:/cube[3]` is the plane cube[3, :, :]). Regions are read as
// hyperslabs, so a rank reads only its tiles' rows (whole chunks, for chunked datasets), and
// HDF5 converts the stored type to the pipeline's.
#include <array>
#include <filesystem>
#include <vector>

#include "nsperf/core/error.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/io/hdf5.hpp"
#include "nsperf/io/image_reader.hpp"

namespace nsperf::io {
namespace {

constexpr int kMaxRank = 32;

class Hdf5Reader final : public ImageReader {
 public:
  explicit Hdf5Reader(const ImageInput& input) : input_(input) {
    silence_hdf5_errors();
    register_zstd_filter();
    file_ = Handle(H5Fopen(input.path.c_str(), H5F_ACC_RDONLY, read_access().get()), H5Fclose);
    if (file_.get() < 0) fail("cannot open as HDF5: " + hdf5_message());
    if (input.selection.empty()) {
      throw InputError(where() + ": name a dataset as file.h5:/path" + dataset_list());
    }
    // H5Dopen2 on a missing path fails; check each link first to say which.
    if (!path_exists(input.selection)) {
      throw InputError(where() + ": no dataset '" + input.selection + "'" + dataset_list());
    }
    dataset_ = Handle(H5Dopen2(file_.get(), input.selection.c_str(), H5P_DEFAULT), H5Dclose);
    if (dataset_.get() < 0) {
      throw InputError(where() + ": '" + input.selection + "' is not a dataset" + dataset_list());
    }
    const Handle type(H5Dget_type(dataset_.get()), H5Tclose);
    const Handle space(H5Dget_space(dataset_.get()), H5Sclose);
    if (type.get() < 0 || space.get() < 0) fail("cannot read the header: " + hdf5_message());
    source_type(type.get());

    rank_ = H5Sget_simple_extent_ndims(space.get());
    if (rank_ < 0 || rank_ > kMaxRank) fail("cannot read the dataspace: " + hdf5_message());
    H5Sget_simple_extent_dims(space.get(), dims_.data(), nullptr);
    const auto leading = static_cast<std::size_t>(rank_ < 2 ? 0 : rank_ - 2);
    if (rank_ < 2) {
      throw InputError(where() + ": " + std::to_string(rank_) +
                       "-D dataset; an image is 2-D (or N-D with a selection)");
    }
    if (input.indices.size() != leading) {
      std::string dims;
      for (std::size_t i = 0; i < static_cast<std::size_t>(rank_); ++i)
        dims += (i ? "x" : "") + std::to_string(dims_[i]);
      throw InputError(
          where() + ": a " + std::to_string(rank_) + "-D dataset (" + dims + ") needs " +
          std::to_string(leading) + " leading indices in the selection (2-D: none; 3-D: " +
          "file.h5:/cube[i]; 4-D: [i,j]), got " + std::to_string(input.indices.size()));
    }
    for (std::size_t i = 0; i < leading; ++i) {
      if (static_cast<hsize_t>(input.indices[i]) >= dims_[i]) {
        throw InputError(where() + ": index " + std::to_string(input.indices[i]) +
                         " is outside dimension " + std::to_string(i) + " of size " +
                         std::to_string(dims_[i]));
      }
    }
    const auto height = static_cast<std::int64_t>(std::min<hsize_t>(dims_[leading], INT64_MAX));
    const auto width = static_cast<std::int64_t>(std::min<hsize_t>(dims_[leading + 1], INT64_MAX));
    info_.format = "hdf5";
    detail::check_extent(where(), width, height, info_.dtype);
    info_.extent = {width, height};
    info_.partial_reads = true;
    std::error_code ec;
    info_.file_bytes = static_cast<std::int64_t>(std::filesystem::file_size(input.path, ec));
  }

  core::Image read(const core::Rect& r) override {
    detail::check_region(where(), r, info_.extent);
    core::Image out({r.width, r.height}, info_.dtype);
    std::array<hsize_t, kMaxRank> start{};
    std::array<hsize_t, kMaxRank> count{};
    const auto leading = static_cast<std::size_t>(rank_ - 2);
    for (std::size_t i = 0; i < leading; ++i) {
      start[i] = static_cast<hsize_t>(input_.indices[i]);
      count[i] = 1;
    }
    start[leading] = static_cast<hsize_t>(r.y);
    start[leading + 1] = static_cast<hsize_t>(r.x);
    count[leading] = static_cast<hsize_t>(r.height);
    count[leading + 1] = static_cast<hsize_t>(r.width);
    const Handle file_space(H5Dget_space(dataset_.get()), H5Sclose);
    const hsize_t mem_dims[2] = {count[leading], count[leading + 1]};
    const Handle mem_space(H5Screate_simple(2, mem_dims, nullptr), H5Sclose);
    const hid_t mem_type = info_.dtype == core::DType::u8    ? H5T_NATIVE_UINT8
                           : info_.dtype == core::DType::u16 ? H5T_NATIVE_UINT16
                                                             : H5T_NATIVE_FLOAT;
    if (file_space.get() < 0 || mem_space.get() < 0 ||
        H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                            nullptr) < 0 ||
        H5Dread(dataset_.get(), mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT,
                out.bytes().data()) < 0) {
      // A missing filter (a zstd dataset without the plugin) or a truncated file ends here.
      throw InputError(where() + ": cannot read the pixels: " + hdf5_message());
    }
    bytes_read_ += r.pixels() * static_cast<std::int64_t>(stored_size_);
    info_.replaced += detail::replace_non_finite(out);
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw InputError(where() + ": " + what); }

  [[nodiscard]] std::string where() const {
    return "--image '" + input_.path + (input_.selection.empty() ? "" : ":" + input_.selection) +
           "'";
  }

  // An absolute path whose every link exists.
  bool path_exists(const std::string& path) const {
    return !path.empty() && path[0] == '/' && link_exists(file_.get(), path);
  }

  void source_type(hid_t type) {
    const H5T_class_t cls = H5Tget_class(type);
    const std::size_t size = H5Tget_size(type);
    stored_size_ = size;
    if (cls == H5T_INTEGER) {
      const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
      if (size != 1 && size != 2 && size != 4 && size != 8) {
        fail(std::to_string(size * 8) + "-bit integers are not supported");
      }
      info_.source_type = (is_signed ? "i" : "u") + std::to_string(size * 8);
      info_.dtype = !is_signed && size == 1   ? core::DType::u8
                    : !is_signed && size == 2 ? core::DType::u16
                                              : core::DType::f32;
      return;
    }
    if (cls == H5T_FLOAT) {
      info_.source_type = "f" + std::to_string(size * 8);
      info_.dtype = core::DType::f32;
      return;
    }
    const char* names[] = {"integer",
                           "float",
                           "time",
                           "string",
                           "bitfield",
                           "opaque",
                           "compound (e.g. complex)",
                           "reference",
                           "enum",
                           "variable-length",
                           "array"};
    const std::string what =
        cls >= 0 && cls <= H5T_ARRAY ? names[cls] : "unknown class " + std::to_string(cls);
    fail("element type " + what + " is not supported; integer or float datasets are read");
  }

  // The file's first datasets, for a message; or what is damaged, if the walk finds it.
  [[nodiscard]] std::string dataset_list() const {
    constexpr std::size_t kListed = 8;
    const auto walk = walk_groups(file_.get(), kListed);
    if (!walk.damage.empty()) return "; the file is damaged: " + walk.damage;
    if (walk.datasets.empty())
      return walk.complete ? "; the file has no datasets" : "; no datasets found in the file";
    return "; datasets in the file: " + core::join(walk.datasets) + (walk.complete ? "" : ", ...");
  }

  ImageInput input_;
  Handle file_;
  Handle dataset_;
  int rank_ = 0;
  std::array<hsize_t, kMaxRank> dims_{};
  std::size_t stored_size_ = 1;
};

}  // namespace
}  // namespace nsperf::io

NSPERF_REGISTER_READER(
    hdf5, "hdf5", "an HDF5 dataset, file.h5:/path (any integer or float type)",
    [](std::string_view h) { return h.substr(0, 8) == std::string_view("\x89HDF\r\n\x1a\n", 8); },
    [](const nsperf::io::ImageInput& in) -> std::unique_ptr<nsperf::io::ImageReader> {
      return std::make_unique<nsperf::io::Hdf5Reader>(in);
    })
