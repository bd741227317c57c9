#pragma once
// The profiled-regions table (core/regions.hpp) as stored in results files
// (runs/<id>/profile/regions) and in nsperf run's output (/profile/regions).

#include <hdf5.h>
#include <mpi.h>

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "nsperf/core/regions.hpp"

namespace nsperf::io {

/// Collective over `comm`: creates dataset "regions" in `group` with every rank's `regions`
/// (its own rows), rank 0's first.
void write_region_table(hid_t group, std::span<const core::RankRegion> regions, MPI_Comm comm);

/// Reads the region table `name` of `file`; `path` names the file in errors (InputError).
std::vector<core::RankRegion> read_region_table(hid_t file, const std::string& name,
                                                const std::filesystem::path& path);

}  // namespace nsperf::io
