#pragma once
/// \file RAII over HDF5 identifiers, and a checker that turns a failed HDF5 call into an IoError
/// naming the call and HDF5's own message.

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nsperf/core/provenance.hpp"

namespace nsperf::io {

/// Owns one HDF5 identifier and closes it with the matching H5*close. Move-only. The destructor
/// closes quietly; close() reports failure.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() noexcept = default;
  Handle(hid_t id, Closer closer) noexcept : id_(id), closer_(closer) {}
  Handle(Handle&& other) noexcept;
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle();

  [[nodiscard]] hid_t get() const noexcept { return id_; }
  /// Closes now; throws IoError if HDF5 reports failure (e.g. flushing a full disk).
  void close();
  /// Forgets the object without closing it. For a parallel file whose collective write failed
  /// part-way: closing it makes collective calls the ranks may no longer make in step (a hang),
  /// so the job is aborted instead (mpi::write_through_temporary).
  void abandon() noexcept { id_ = H5I_INVALID_HID; }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

/// HDF5's error stack of this thread as one line (innermost cause first), then clears it.
std::string hdf5_message();

/// Throws IoError("<call>: <HDF5's message>") if `status` is negative; returns it otherwise.
hid_t check(hid_t status, std::string_view call);
/// As above for herr_t results.
herr_t check_status(herr_t status, std::string_view call);

/// Stops HDF5 from printing its error stack to stderr: nsperf reports errors itself, once.
/// Call once per process before using HDF5.
void silence_hdf5_errors() noexcept;

/// HDF5's registered id of the zstd filter (a zstd frame per chunk, level in cd_values[0]).
inline constexpr int kZstdFilterId = 32015;

/// Makes the zstd filter available in this process (io/hdf5/h5z_zstd.cpp), unless a plugin with
/// the same id is already loaded. Idempotent. Throws IoError if HDF5 refuses.
void register_zstd_filter();

/// A fixed-size, NUL-terminated string type of `size` bytes.
Handle string_type(std::size_t size);

/// Builds a compound type member by member; the memory layout is the C++ struct's.
class Compound {
 public:
  explicit Compound(std::size_t size);
  Compound& add(const char* name, std::size_t offset, hid_t type);
  Compound& add_string(const char* name, std::size_t offset, std::size_t size);
  Handle take() { return std::move(type_); }

 private:
  Handle type_;
};

/// Writes a scalar attribute: int64, double, or a variable-length UTF-8 string (which h5py
/// returns as str).
void write_attribute(hid_t object, const char* name, const core::Provenance::Value& value);

/// Every scalar attribute of `object` that is an integer, a float or a string, by name, in
/// name order (others are skipped). Strings may be fixed or variable length. Throws InputError
/// "<what>: attributes cannot be read (<HDF5's message>)" if one cannot be read (damage).
std::vector<std::pair<std::string, core::Provenance::Value>> read_attributes(
    hid_t object, const std::string& what);

/// Whether every link on the way to `path` (relative to `loc`, or absolute) exists: H5Lexists
/// must be asked level by level, since a missing group on the way is an error, not "no".
bool link_exists(hid_t loc, const std::string& path);

/// File access for reading a file a user gives: POSIX reads (as HDF5's default driver), and
/// each global heap collection checked before HDF5 decodes it, since HDF5 1.10 loops forever
/// or reads out of bounds on a damaged one (io/hdf5/hdf5_read_driver.cpp). A damaged collection
/// fails the read with HDF5 error "damaged global heap collection at byte N: ...". Read-only.
Handle read_access();

/// What a walk of a file's groups found (walk_groups).
struct GroupWalk {
  std::vector<std::string> datasets;  ///< the first dataset paths, in name order ("/a/b")
  bool complete = true;  ///< false when a bound or an unreadable group stopped part of the walk
  std::string damage;    ///< set when the links contradict the objects' own link counts
};

/// Walks the groups of an open file along hard links, in name order, and always ends: unlike
/// H5Lvisit it remembers every object (by address), so each is visited once, and it is bounded
/// in depth (64), links examined (100,000) and time (2 s). An object reached by more links than
/// its header counts is damage (a group that contains itself in a damaged file); the walk stops
/// there and says where. `list_datasets` > 0: keeps that many dataset paths and stops at the
/// next (for a message); 0: walks the whole file (for a check).
GroupWalk walk_groups(hid_t file, std::size_t list_datasets);

/// Throws InputError("<path>: damaged HDF5 file: ...") if walk_groups finds damage in `file`.
/// Walks a file once per process (until it changes).
void check_structure(hid_t file, const std::filesystem::path& path);

/// Without MPI: opens an existing HDF5 file read-only and, unless told not to, checks its
/// structure (check_structure). Throws InputError naming it when it is missing ("no such
/// file"), not HDF5, cannot be opened, or damaged.
Handle open_for_reading(const std::filesystem::path& path, bool check = true);

/// File access through MPI-IO over `comm`, with collective metadata reads and writes.
Handle mpio_access(MPI_Comm comm);

/// Collective over `comm`: creates the 1-D dataset `name` in `group` of every rank's `count`
/// rows of compound `mem_type` (stored packed), rank 0's rows first; each rank writes its own.
/// The dataset's attribute `rows_checksum` (uint64) is table_checksum of the rows as stored, so
/// that `nsperf verify` can tell a damaged table.
void write_rows(hid_t group, const char* name, hid_t mem_type, const void* rows, std::size_t count,
                MPI_Comm comm);

/// The same for a vector of rows.
template <class Row>
void write_rows(hid_t group, const char* name, hid_t mem_type, const std::vector<Row>& rows,
                MPI_Comm comm) {
  write_rows(group, name, mem_type, rows.data(), rows.size(), comm);
}

/// The checksum of table rows as stored (`row_size` packed bytes each, the first being row
/// `first_row` of the table): the sum, modulo 2^64, of each row's core::checksum seeded with
/// its row number. A sum, so that every rank can add its own rows' part.
std::uint64_t table_checksum(std::span<const std::byte> packed, std::size_t row_size,
                             std::uint64_t first_row) noexcept;

/// Without MPI: the rows of the 1-D table `dataset`. Throws InputError naming `what` if it is
/// not 1-D, or if its rows as stored would take more bytes than the whole file holds (nsperf
/// stores tables uncompressed), so that a damaged dataspace never makes a reader allocate.
std::size_t table_rows(hid_t dataset, const std::string& what);

/// A stored table checked against its `rows_checksum`.
struct TableCheck {
  bool has_checksum = false;  ///< false for tables written before nsperf 0.2
  std::uint64_t stored = 0;
  std::uint64_t computed = 0;
  std::uint64_t rows = 0;
};

/// Without MPI: reads the 1-D compound dataset `dataset` as stored and recomputes its checksum.
TableCheck check_table(hid_t dataset);

/// "HDF5 1.10.8 (parallel)".
std::string hdf5_version();

/// Wraps a call: `NSPERF_H5(H5Dwrite(...))` checks it and names it in the error.
#define NSPERF_H5(call) ::nsperf::io::check_status((call), #call)

}  // namespace nsperf::io
