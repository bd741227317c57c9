#pragma once
/// \file `nsperf export`: a stored table as CSV or JSON for tools that do not read HDF5, every
/// column as the file holds it (io::read_stored_table) plus run_id.

#include <filesystem>
#include <string>

#include "nsperf/analysis/format.hpp"
#include "nsperf/io/results_file.hpp"

namespace nsperf::analysis {

/// One table of one run, as read.
struct ExportedTable {
  std::string run_id;
  io::StoredTable table;
};

/// Prometheus's text exposition of the runs in `path` (docs/monitoring.md), the metrics a run
/// publishes with --metrics-push: every run of a results file (or only `run_id`), or an output
/// of nsperf run. What a file does not store (progress, the exit code) is left out. Throws
/// InputError naming the file.
std::string prometheus_exposition(const std::filesystem::path& path, const std::string& run_id);

/// csv (the default: RFC 4180 quoting, numbers round-trip with %.17g, nan/inf spelt out) and
/// json (a list of objects; NaN and infinities, which JSON lacks, as null).
const Reporters<ExportedTable>& table_reporters();

}  // namespace nsperf::analysis
