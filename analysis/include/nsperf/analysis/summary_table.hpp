#pragma once
// The one-screen summary of a benchmark, printed by rank 0. Reads records only.

#include <ostream>
#include <span>
#include <string>

#include "nsperf/core/provenance.hpp"
#include "nsperf/core/records.hpp"

namespace nsperf::analysis {

/// Writes the summary table: strategy, median time, CI, speedup, Mpixel/s, check.
void print_summary(std::ostream& out, const core::Provenance& provenance,
                   std::span<const core::SummaryRow> rows, std::int64_t tile_size);

/// "12.3 ms", "845 µs", "1.20 s".
std::string format_seconds(double s);

}  // namespace nsperf::analysis
