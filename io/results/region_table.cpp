#include "region_table.hpp"

#include <cstddef>
#include <cstring>

#include "nsperf/core/error.hpp"
#include "nsperf/io/hdf5.hpp"
#include "table_schema.hpp"

namespace nsperf::io {
namespace {

// Region paths are longer than registry names; longer ones are cut at 255 bytes, names at 63.
const detail::TableSchema<core::RankRegion>& region_table() {
  using R = core::RankRegion;
  using core::RegionRecord;
  static const auto table =
      detail::TableSchema<R>()
          .text<256>("path", &R::region, &RegionRecord::path)
          .text<64>("name", &R::region, &RegionRecord::name)
          .column<std::int32_t>("depth", &R::region, &RegionRecord::depth)
          .text<8>("kind", &R::region, &RegionRecord::kind)
          .column<std::int32_t>("rank", &R::rank)
          .column<std::int64_t>("calls", &R::region, &RegionRecord::calls)
          .column<double>("inclusive_s", &R::region, &RegionRecord::inclusive_s)
          .column<double>("exclusive_s", &R::region, &RegionRecord::exclusive_s);
  return table;
}

}  // namespace

void write_region_table(hid_t group, std::span<const core::RankRegion> regions, MPI_Comm comm) {
  region_table().write(group, "regions", regions, comm);
}

std::vector<core::RankRegion> read_region_table(hid_t file, const std::string& name,
                                                const std::filesystem::path& path) {
  const Handle dataset(check(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "H5Dopen2"), H5Dclose);
  return region_table().read(dataset.get(), path.string() + ": " + name);
}

}  // namespace nsperf::io
