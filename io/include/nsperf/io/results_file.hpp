#pragma once
/// \file The results file: parallel HDF5, schema version 5, documented field by field in
/// docs/results-schema.md.
///
///   /                      attrs: schema_version, nsperf_version, created
///   /runs/<run_id>/        attrs: provenance (core::Provenance::attributes())
///       samples, tiles, repetitions, summary   compound tables, one row per record
///       profile/regions    every rank's profiled regions (core/profiler.hpp)
///
/// Tables are written collectively: every rank passes its own rows and they land, in rank
/// order, in one dataset.

#include <mpi.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "nsperf/core/provenance.hpp"
#include "nsperf/core/records.hpp"
#include "nsperf/core/regions.hpp"
#include "nsperf/io/hdf5.hpp"

namespace nsperf::io {

/// The results layout this build writes, and the newest it reads.
inline constexpr int kResultsSchemaVersion = 5;

/// One run's rows as this rank holds them (repetitions and summary usually on rank 0 only).
struct RunRows {
  std::span<const core::Sample> samples;
  std::span<const core::TileResult> tiles;
  std::span<const core::Repetition> repetitions;
  std::span<const core::SummaryRow> summary;
  std::span<const core::RankRegion> regions;         ///< this rank's profiled regions
  std::span<const core::MessageSize> message_sizes;  ///< the network sweep, if any (rank 0)
  std::span<const core::TuneTrial> tune;             ///< nsperf tune's job runs (rank 0)
  std::span<const core::WhatifRow> whatif;           ///< nsperf whatif's predictions
};

/// An open results file, for writing runs in parallel.
class ResultsFile {
 public:
  /// Collective over `comm`: creates `path`, replacing any file there, with the root attributes.
  static ResultsFile create(const std::filesystem::path& path, MPI_Comm comm);
  /// Without MPI: creates `path` for this process alone (nsperf whatif -o), replacing any file
  /// there; write_run then writes every row it is given.
  static ResultsFile create_local(const std::filesystem::path& path);
  /// Collective over `comm`: opens an existing results file to add runs. Throws InputError if it
  /// is not an nsperf results file this build can extend.
  static ResultsFile open_for_append(const std::filesystem::path& path, MPI_Comm comm);

  /// Collective: writes run `provenance.run_id` (same provenance on every rank) with each rank's
  /// own rows.
  void write_run(const core::Provenance& provenance, const RunRows& rows);

  /// Collective: flushes and closes; throws IoError if the data could not be written.
  void close();

  /// Leaves the file without closing it, after a failed write (Handle::abandon).
  void abandon() noexcept { file_.abandon(); }

 private:
  ResultsFile(Handle file, MPI_Comm comm, std::filesystem::path path)
      : file_(std::move(file)), comm_(comm), path_(std::move(path)) {}
  Handle file_;
  MPI_Comm comm_;
  std::filesystem::path path_;
};

/// Without MPI: the run ids in an nsperf results file. Throws InputError naming `path` if it is
/// not one (not HDF5, no schema_version, or a newer schema than this build reads).
std::vector<std::string> list_runs(const std::filesystem::path& path);

/// Without MPI: the `repetitions` table of run `run_id` of an nsperf results file. Throws
/// InputError naming the file and the run if either is missing or not readable.
std::vector<core::Repetition> read_repetitions(const std::filesystem::path& path,
                                               const std::string& run_id);

/// Without MPI: copies every run of `inputs` (results files this build reads), intact with
/// their provenance, into a new results file at `path` (replacing any file there). Throws
/// InputError naming the file for an unreadable input or a run id found twice. Returns the
/// runs copied.
std::size_t merge_results(std::span<const std::filesystem::path> inputs,
                          const std::filesystem::path& path);

/// Without MPI: the `summary` table of run `run_id`. Throws InputError as read_repetitions.
std::vector<core::SummaryRow> read_summary(const std::filesystem::path& path,
                                           const std::string& run_id);

/// Without MPI: every rank's profiled regions of run `run_id` (`profile/regions`); empty for a
/// run stored without them (schema 3 and older). Throws InputError as read_repetitions.
std::vector<core::RankRegion> read_regions(const std::filesystem::path& path,
                                           const std::string& run_id);

/// The tables every run holds, in the order they are written.
inline constexpr std::array<std::string_view, 4> kRunTables = {"samples", "tiles", "repetitions",
                                                               "summary"};

/// Tables a run holds only when it measured them: message_sizes (benchmark --network --sizes),
/// tune (nsperf tune), whatif (nsperf whatif -o).
inline constexpr std::array<std::string_view, 3> kOptionalRunTables = {"message_sizes", "tune",
                                                                       "whatif"};

/// Without MPI: the `message_sizes` table of run `run_id`; empty for a run without a sweep.
/// Throws InputError as read_repetitions.
std::vector<core::MessageSize> read_message_sizes(const std::filesystem::path& path,
                                                  const std::string& run_id);

/// Without MPI: the `tune` table of run `run_id`; empty for a run that is not nsperf tune's.
/// Throws InputError as read_repetitions.
std::vector<core::TuneTrial> read_tune(const std::filesystem::path& path,
                                       const std::string& run_id);

/// Without MPI: the `whatif` table of run `run_id`; empty for a run that is not nsperf whatif's.
/// Throws InputError as read_repetitions.
std::vector<core::WhatifRow> read_whatif(const std::filesystem::path& path,
                                         const std::string& run_id);

/// A stored table as its file has it: every column the file's compound type holds, by name,
/// whatever schema wrote it (for export, which passes on columns this build does not know).
struct StoredTable {
  using Value = std::variant<std::int64_t, std::uint64_t, double, std::string>;
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
};

/// Without MPI: table `table` of run `run_id`, decoded member by member from the file's own
/// type. Throws InputError as read_repetitions, or when the dataset is not a table.
StoredTable read_stored_table(const std::filesystem::path& path, const std::string& run_id,
                              const std::string& table);

/// Turns the values that mean "not measured" into NaN, whichever schema stored them: -1 in the
/// integer columns that use it (memory counts, wire bytes), -1 or NaN in the time split,
/// imbalance and negative-space fraction, 0 or NaN in speedups and bandwidth fractions
/// (docs/results-schema.md). For readers that pass the values on (export).
void not_measured_as_nan(StoredTable& table);

/// Without MPI: the attributes of run `run_id` (its provenance), by name. Throws InputError as
/// read_repetitions.
std::vector<std::pair<std::string, core::Provenance::Value>> read_run_attributes(
    const std::filesystem::path& path, const std::string& run_id);

}  // namespace nsperf::io
