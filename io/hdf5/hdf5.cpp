#include "nsperf/io/hdf5.hpp"

#include <cstring>

#include <numeric>
#include <utility>
#include <variant>

#include "nsperf/core/checksum.hpp"
#include "nsperf/core/error.hpp"

namespace nsperf::io {
namespace {

constexpr std::string_view kDamaged = "damaged ";

// HDF5 keeps an error stack per thread; the innermost entry says what really went wrong
// ("No space left on device"), the outermost which API call failed.
herr_t collect(unsigned n, const H5E_error2_t* err, void* data) {
  auto* text = static_cast<std::string*>(data);
  // Damage found by nsperf's read driver says all there is to say; the calls above it only
  // repeat that a read failed.
  if (n > 0 && text->rfind(kDamaged, 0) == 0) return 0;
  if (err->desc != nullptr && err->desc[0] != '\0') {
    if (n == 0) {
      *text = err->desc;
    } else if (text->find(err->desc) == std::string::npos) {
      *text += "; " + std::string(err->desc);
    }
  }
  return 0;
}

std::string call_name(std::string_view call) {
  // "H5Dwrite(dset, type, ...)" reads best as "H5Dwrite".
  const auto paren = call.find('(');
  return std::string(paren == std::string_view::npos ? call : call.substr(0, paren));
}

}  // namespace

std::string hdf5_message() {
  std::string text;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect, &text);
  H5Eclear2(H5E_DEFAULT);
  return text.empty() ? "no message from HDF5" : text;
}

Handle::Handle(Handle&& other) noexcept
    : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    if (id_ >= 0 && closer_ != nullptr) closer_(id_);
    id_ = std::exchange(other.id_, H5I_INVALID_HID);
    closer_ = other.closer_;
  }
  return *this;
}

Handle::~Handle() {
  if (id_ >= 0 && closer_ != nullptr) {
    // Quiet by design: this runs while unwinding from an error that is already reported.
    closer_(id_);
  }
}

void Handle::close() {
  if (id_ < 0 || closer_ == nullptr) return;
  const hid_t id = std::exchange(id_, H5I_INVALID_HID);
  check_status(closer_(id), "H5close");
}

hid_t check(hid_t status, std::string_view call) {
  if (status < 0) throw IoError(call_name(call) + ": " + hdf5_message());
  return status;
}

herr_t check_status(herr_t status, std::string_view call) {
  if (status < 0) throw IoError(call_name(call) + ": " + hdf5_message());
  return status;
}

void silence_hdf5_errors() noexcept { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

std::string hdf5_version() {
  unsigned major = 0;
  unsigned minor = 0;
  unsigned release = 0;
  H5get_libversion(&major, &minor, &release);
  std::string v =
      "HDF5 " + std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
#ifdef H5_HAVE_PARALLEL
  v += " (parallel)";
#endif
  return v;
}

Handle string_type(std::size_t size) {
  Handle t(check(H5Tcopy(H5T_C_S1), "H5Tcopy"), H5Tclose);
  NSPERF_H5(H5Tset_size(t.get(), size));
  NSPERF_H5(H5Tset_strpad(t.get(), H5T_STR_NULLTERM));
  return t;
}

Compound::Compound(std::size_t size)
    : type_(check(H5Tcreate(H5T_COMPOUND, size), "H5Tcreate"), H5Tclose) {}

Compound& Compound::add(const char* name, std::size_t offset, hid_t type) {
  NSPERF_H5(H5Tinsert(type_.get(), name, offset, type));
  return *this;
}

Compound& Compound::add_string(const char* name, std::size_t offset, std::size_t size) {
  const Handle s = string_type(size);
  return add(name, offset, s.get());
}

namespace {

void scalar_attribute(hid_t object, const char* name, hid_t file_type, hid_t mem_type,
                      const void* value) {
  const Handle space(check(H5Screate(H5S_SCALAR), "H5Screate"), H5Sclose);
  const Handle attr(
      check(H5Acreate2(object, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
            "H5Acreate2"),
      H5Aclose);
  NSPERF_H5(H5Awrite(attr.get(), mem_type, value));
}

}  // namespace

void write_attribute(hid_t object, const char* name, const core::Provenance::Value& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) {
    scalar_attribute(object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, i);
  } else if (const auto* d = std::get_if<double>(&value)) {
    scalar_attribute(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, d);
  } else {
    const Handle type(check(H5Tcopy(H5T_C_S1), "H5Tcopy"), H5Tclose);
    NSPERF_H5(H5Tset_size(type.get(), H5T_VARIABLE));
    NSPERF_H5(H5Tset_cset(type.get(), H5T_CSET_UTF8));
    const char* ptr = std::get<std::string>(value).c_str();
    scalar_attribute(object, name, type.get(), type.get(), &ptr);
  }
}

namespace {

// Every scalar attribute; an attribute of another shape or class is skipped, but one that
// cannot be read (a damaged global heap under a string) ends the iteration as a failure.
struct Attributes {
  std::vector<std::pair<std::string, core::Provenance::Value>> values;
  std::string error;  // the first attribute that could not be read, and why
};

herr_t collect_attribute(hid_t object, const char* name, const H5A_info_t* /*info*/, void* data) {
  auto& all = *static_cast<Attributes*>(data);
  auto& out = all.values;
  const auto failed = [&] {
    all.error = std::string("attribute '") + name + "' cannot be read (" + hdf5_message() + ")";
    return -1;
  };
  const hid_t attr = H5Aopen(object, name, H5P_DEFAULT);
  if (attr < 0) return failed();
  const Handle a(attr, H5Aclose);
  const Handle space(H5Aget_space(attr), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.get()) != 1) return 0;
  const Handle type(H5Aget_type(attr), H5Tclose);
  switch (H5Tget_class(type.get())) {
    case H5T_INTEGER: {
      std::int64_t v = 0;
      if (H5Aread(attr, H5T_NATIVE_INT64, &v) < 0) return failed();
      out.emplace_back(name, v);
      break;
    }
    case H5T_FLOAT: {
      double v = 0;
      if (H5Aread(attr, H5T_NATIVE_DOUBLE, &v) < 0) return failed();
      out.emplace_back(name, v);
      break;
    }
    case H5T_STRING: {
      if (H5Tis_variable_str(type.get()) > 0) {
        char* text = nullptr;
        const Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(mem.get(), H5T_VARIABLE);
        H5Tset_cset(mem.get(), H5Tget_cset(type.get()));  // no conversion between ASCII and UTF-8
        if (H5Aread(attr, mem.get(), &text) < 0) return failed();
        if (text != nullptr) {
          out.emplace_back(name, std::string(text));
          H5free_memory(text);
        }
      } else {
        // The size is the file's word: larger than what the attribute stores is damage.
        const std::size_t size = H5Tget_size(type.get());
        if (size > H5Aget_storage_size(attr)) break;
        std::string text(size, '\0');
        if (H5Aread(attr, type.get(), text.data()) < 0) return failed();
        text.resize(std::strlen(text.c_str()));
        out.emplace_back(name, text);
      }
      break;
    }
    default:
      break;
  }
  return 0;
}

}  // namespace

std::vector<std::pair<std::string, core::Provenance::Value>> read_attributes(
    hid_t object, const std::string& what) {
  Attributes all;
  hsize_t index = 0;
  if (H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, collect_attribute, &all) < 0) {
    const std::string why =
        all.error.empty() ? "attributes cannot be read (" + hdf5_message() + ")" : all.error;
    H5Eclear2(H5E_DEFAULT);
    throw InputError(what + ": " + why);
  }
  return std::move(all.values);
}

bool link_exists(hid_t loc, const std::string& path) {
  if (path.empty()) return false;
  for (std::size_t next = path.find('/', 1);; next = path.find('/', next + 1)) {
    const std::string prefix = path.substr(0, next);
    if (prefix != "/" && H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
    if (next == std::string::npos) return true;
  }
}

Handle open_for_reading(const std::filesystem::path& path, bool check) {
  if (std::filesystem::is_directory(path))
    throw InputError(path.string() + ": is a folder, not a file");
  if (!std::filesystem::is_regular_file(path)) throw InputError(path.string() + ": no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError(path.string() + ": not an HDF5 file");
  }
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, read_access().get());
  if (id < 0) {
    throw InputError(path.string() + ": cannot be opened as an HDF5 file (" + hdf5_message() + ")");
  }
  Handle file(id, H5Fclose);
  if (check) check_structure(file.get(), path);
  return file;
}

Handle mpio_access(MPI_Comm comm) {
  Handle fapl(check(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate"), H5Pclose);
  NSPERF_H5(H5Pset_fapl_mpio(fapl.get(), comm, MPI_INFO_NULL));
  // Metadata reads and writes are collective: one rank touches the disk, the others listen.
  NSPERF_H5(H5Pset_all_coll_metadata_ops(fapl.get(), true));
  NSPERF_H5(H5Pset_coll_metadata_write(fapl.get(), true));
  return fapl;
}

void write_rows(hid_t group, const char* name, hid_t mem_type, const void* rows, std::size_t count,
                MPI_Comm comm) {
  // MPI_COMM_NULL: one process writing a file opened without MPI-IO (nsperf whatif -o).
  const bool local = comm == MPI_COMM_NULL;
  int size = 1;
  int rank = 0;
  if (!local) {
    MPI_Comm_size(comm, &size);
    MPI_Comm_rank(comm, &rank);
  }
  const auto mine = static_cast<unsigned long long>(count);
  std::vector<unsigned long long> counts(static_cast<std::size_t>(size), mine);
  if (!local)
    MPI_Allgather(&mine, 1, MPI_UNSIGNED_LONG_LONG, counts.data(), 1, MPI_UNSIGNED_LONG_LONG, comm);
  const hsize_t total = std::accumulate(counts.begin(), counts.end(), 0ULL);
  const hsize_t offset = std::accumulate(counts.begin(), counts.begin() + rank, 0ULL);

  // The file type is the memory type packed: no padding bytes on disk.
  const Handle file_type(check(H5Tcopy(mem_type), "H5Tcopy"), H5Tclose);
  NSPERF_H5(H5Tpack(file_type.get()));
  const hsize_t dims[1] = {total};
  const Handle file_space(check(H5Screate_simple(1, dims, nullptr), "H5Screate_simple"), H5Sclose);
  const Handle dataset(check(H5Dcreate2(group, name, file_type.get(), file_space.get(), H5P_DEFAULT,
                                        H5P_DEFAULT, H5P_DEFAULT),
                             "H5Dcreate2"),
                       H5Dclose);
  const hsize_t extent[1] = {mine};
  const Handle mem_space(check(H5Screate_simple(1, extent, nullptr), "H5Screate_simple"), H5Sclose);
  if (mine > 0) {
    const hsize_t start[1] = {offset};
    NSPERF_H5(
        H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, extent, nullptr));
  } else {
    NSPERF_H5(H5Sselect_none(file_space.get()));
    NSPERF_H5(H5Sselect_none(mem_space.get()));
  }
  const Handle xfer(check(H5Pcreate(H5P_DATASET_XFER), "H5Pcreate"), H5Pclose);
  if (!local) NSPERF_H5(H5Pset_dxpl_mpio(xfer.get(), H5FD_MPIO_COLLECTIVE));
  if (total > 0) {
    NSPERF_H5(H5Dwrite(dataset.get(), mem_type, mem_space.get(), file_space.get(), xfer.get(),
                       count > 0 ? rows : nullptr));
  }
  // Each rank hashes its rows as they are stored (converted to the packed file type here, as
  // HDF5 does on the way to the file); the parts add up to the table's checksum.
  const std::size_t mem_size = H5Tget_size(mem_type);
  const std::size_t file_size = H5Tget_size(file_type.get());
  std::vector<std::byte> packed(std::max(mem_size, file_size) * std::max<std::size_t>(count, 1));
  if (count > 0) {
    std::memcpy(packed.data(), rows, mem_size * count);
    // Compound conversions need a background buffer of the destination type.
    std::vector<std::byte> background(file_size * count);
    NSPERF_H5(H5Tconvert(mem_type, file_type.get(), count, packed.data(), background.data(),
                         H5P_DEFAULT));
  }
  const std::uint64_t mine_sum =
      table_checksum(std::span(packed.data(), file_size * count), file_size, offset);
  std::uint64_t sum = mine_sum;
  if (!local) MPI_Allreduce(&mine_sum, &sum, 1, MPI_UINT64_T, MPI_SUM, comm);
  scalar_attribute(dataset.get(), "rows_checksum", H5T_STD_U64LE, H5T_NATIVE_UINT64, &sum);
}

std::uint64_t table_checksum(std::span<const std::byte> packed, std::size_t row_size,
                             std::uint64_t first_row) noexcept {
  std::uint64_t sum = 0;
  if (row_size == 0) return sum;
  for (std::size_t i = 0; i * row_size < packed.size(); ++i)
    sum += core::checksum(packed.subspan(i * row_size, row_size), first_row + i);
  return sum;
}

std::size_t table_rows(hid_t dataset, const std::string& what) {
  const Handle type(check(H5Dget_type(dataset), "H5Dget_type"), H5Tclose);
  const Handle space(check(H5Dget_space(dataset), "H5Dget_space"), H5Sclose);
  const hssize_t rows = H5Sget_simple_extent_npoints(space.get());
  const std::size_t row_size = H5Tget_size(type.get());
  if (rows < 0 || row_size == 0 || H5Sget_simple_extent_ndims(space.get()) > 1)
    throw InputError(what + " is not a table");
  const Handle file(check(H5Iget_file_id(dataset), "H5Iget_file_id"), H5Fclose);
  hsize_t file_bytes = 0;
  NSPERF_H5(H5Fget_filesize(file.get(), &file_bytes));
  // Division, not rows * row_size, which a damaged dataspace can overflow.
  if (static_cast<hsize_t>(rows) > file_bytes / row_size) {
    throw InputError(what + " claims " + std::to_string(rows) + " rows of " +
                     std::to_string(row_size) + " bytes, more than the file's " +
                     std::to_string(file_bytes) + " bytes (damaged)");
  }
  return static_cast<std::size_t>(rows);
}

TableCheck check_table(hid_t dataset) {
  TableCheck c;
  const Handle type(check(H5Dget_type(dataset), "H5Dget_type"), H5Tclose);
  c.rows = table_rows(dataset, "the dataset");
  const std::size_t row_size = H5Tget_size(type.get());
  std::vector<std::byte> bytes(row_size * c.rows);
  // Read with the stored type itself: the bytes as they are in the file, no conversion.
  if (c.rows > 0) {
    NSPERF_H5(H5Dread(dataset, type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()));
  }
  c.computed = table_checksum(bytes, row_size, 0);
  if (H5Aexists(dataset, "rows_checksum") > 0) {
    const Handle attr(check(H5Aopen(dataset, "rows_checksum", H5P_DEFAULT), "H5Aopen"), H5Aclose);
    NSPERF_H5(H5Aread(attr.get(), H5T_NATIVE_UINT64, &c.stored));
    c.has_checksum = true;
  }
  return c;
}

}  // namespace nsperf::io
