#pragma once
/// \file What `nsperf whatif` takes from a results file: the distributed benchmark's per-tile
/// costs, the point-to-point and write figures measured beside them, and every distributed run's
/// makespans for --validate.

#include <filesystem>
#include <string>

#include "nsperf/core/measured_job.hpp"

namespace nsperf::analysis {

/// Default point-to-point figures when the file has no `benchmark --network --sizes` sweep:
/// shared memory between two cores of one node, about what Open MPI's vader moves here.
inline constexpr double kDefaultLatencyS = 1e-6;
inline constexpr double kDefaultBandwidthBytesPerS = 10e9;

/// Without MPI: run `run_id` of `path` (empty: the newest run with distributed tile costs) as
/// whatif replays it. Figures the run lacks come from other runs of the file (named in their
/// `source`) or are defaults that say so. Throws InputError naming the file, the run and the
/// command that records what is missing.
core::MeasuredJob read_measured_job(const std::filesystem::path& path, const std::string& run_id);

}  // namespace nsperf::analysis
