#pragma once
// The one-screen summary of a benchmark, printed by rank 0. Reads records only.

#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "nsperf/core/provenance.hpp"
#include "nsperf/core/records.hpp"

namespace nsperf::analysis {

/// Writes the summary: per optimizer, one table per kind of operation (kernel) in the
/// optimizer's own units (Mpixel/s and GB/s against the triad ceiling for computing in memory,
/// rows/s for the database, effective GB/s against plain MPI for transfers, MiB/s against plain
/// POSIX for files), each with the median, its interval, the speedup over the kernel's baseline
/// (`baselines`), outliers and the check.
void print_summary(std::ostream& out, const core::Provenance& provenance,
                   std::span<const core::SummaryRow> rows,
                   std::span<const core::Baseline> baselines, std::int64_t tile_size);

/// The network optimizer's message-size sweep as OSU prints it, one line per size (the tile's
/// marked); nothing when `rows` is empty.
void print_message_sizes(std::ostream& out, std::span<const core::MessageSize> rows);

/// Rows of cells, each column as wide as its widest cell plus two spaces, indented two spaces.
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows);

/// "12.3 ms", "845 µs", "1.20 s"; "0 s" for 0.
std::string format_seconds(double s);

/// An interval of times in one unit, the one its upper end reads best in: "[0.26, 12.6] ms".
std::string format_interval(double low, double high);

}  // namespace nsperf::analysis
