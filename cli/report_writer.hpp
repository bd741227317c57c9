#pragma once
// The HTML report: nsperf computes the profiles and recommendations, scripts/report.py (h5py,
// pandas, matplotlib) draws the charts and writes the page. Used by `nsperf report` and by
// `nsperf benchmark --visualize`.

#include <filesystem>
#include <string>
#include <vector>

namespace nsperf::cli {

/// What to report.
struct ReportRequest {
  std::vector<std::filesystem::path> files;  ///< results files and/or nsperf run outputs
  std::filesystem::path output;              ///< the HTML page
  std::string title = "nsperf report";
  std::size_t top = 15;  ///< hotspots per run
};

/// Local, no MPI: checks every file (InputError naming it), writes the page through a
/// temporary file renamed into place (nothing is left under `output` on failure), and returns
/// how many runs it covers. Throws IoError when the report script fails.
std::size_t write_report(const ReportRequest& request);

/// The report script: beside an installed nsperf (../share/nsperf/scripts/report.py), else in
/// the source tree it was built from.
std::filesystem::path report_script();

}  // namespace nsperf::cli
