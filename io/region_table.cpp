#include "region_table.hpp"

#include <cstddef>
#include <cstring>

#include "fixed_text.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/io/hdf5.hpp"

namespace nsperf::io {
namespace {

// Region paths are longer than registry names; longer ones are cut at 255 bytes, names at 63.
struct RegionRow {
  char path[256];
  char name[64];
  std::int32_t depth;
  char kind[8];
  std::int32_t rank;
  std::int64_t calls;
  double inclusive_s;
  double exclusive_s;
};

using detail::copy_text;
using detail::text_of;

Handle region_type() {
  using T = RegionRow;
  return Compound(sizeof(T))
      .add_string("path", offsetof(T, path), sizeof(T::path))
      .add_string("name", offsetof(T, name), sizeof(T::name))
      .add("depth", offsetof(T, depth), H5T_NATIVE_INT32)
      .add_string("kind", offsetof(T, kind), sizeof(T::kind))
      .add("rank", offsetof(T, rank), H5T_NATIVE_INT32)
      .add("calls", offsetof(T, calls), H5T_NATIVE_INT64)
      .add("inclusive_s", offsetof(T, inclusive_s), H5T_NATIVE_DOUBLE)
      .add("exclusive_s", offsetof(T, exclusive_s), H5T_NATIVE_DOUBLE)
      .take();
}

}  // namespace

void write_region_table(hid_t group, std::span<const core::RankRegion> regions, MPI_Comm comm) {
  std::vector<RegionRow> rows;
  for (const auto& rr : regions) {
    RegionRow r{};
    copy_text(r.path, rr.region.path);
    copy_text(r.name, rr.region.name);
    r.depth = rr.region.depth;
    copy_text(r.kind, core::to_string(rr.region.kind));
    r.rank = rr.rank;
    r.calls = rr.region.calls;
    r.inclusive_s = rr.region.inclusive_s;
    r.exclusive_s = rr.region.exclusive_s;
    rows.push_back(r);
  }
  write_rows(group, "regions", region_type().get(), rows, comm);
}

std::vector<core::RankRegion> read_region_table(hid_t file, const std::string& name,
                                                const std::filesystem::path& path) {
  const Handle dataset(check(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "H5Dopen2"), H5Dclose);
  const std::size_t count = table_rows(dataset.get(), path.string() + ": " + name);
  std::vector<RegionRow> rows(count);
  // By member name: a table with fewer or reordered members still reads.
  if (count > 0 &&
      H5Dread(dataset.get(), region_type().get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()) < 0) {
    throw InputError(path.string() + ": " + name + " cannot be read (" + hdf5_message() + ")");
  }
  std::vector<core::RankRegion> out;
  for (const auto& r : rows) {
    core::RankRegion rr;
    rr.rank = r.rank;
    rr.region.path = text_of(r.path);
    rr.region.name = text_of(r.name);
    rr.region.depth = r.depth;
    rr.region.kind = text_of(r.kind) == "mpi" ? core::RegionKind::mpi : core::RegionKind::code;
    rr.region.calls = r.calls;
    rr.region.inclusive_s = r.inclusive_s;
    rr.region.exclusive_s = r.exclusive_s;
    out.push_back(std::move(rr));
  }
  return out;
}

}  // namespace nsperf::io
