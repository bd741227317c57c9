#pragma once
/// \file The results file: parallel HDF5, schema version 1, documented field by field in
/// docs/results-schema.md.
///
///   /                      attrs: schema_version, nsperf_version, created
///   /runs/<run_id>/        attrs: provenance (core::Provenance::attributes())
///       samples, tiles, repetitions, summary   compound tables, one row per record
///
/// Tables are written collectively: every rank passes its own rows and they land, in rank
/// order, in one dataset.

#include <mpi.h>

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "nsperf/core/provenance.hpp"
#include "nsperf/core/records.hpp"
#include "nsperf/io/hdf5.hpp"

namespace nsperf::io {

/// The results layout this build writes, and the newest it reads.
inline constexpr int kResultsSchemaVersion = 3;

/// One run's rows as this rank holds them (repetitions and summary usually on rank 0 only).
struct RunRows {
  std::span<const core::Sample> samples;
  std::span<const core::TileResult> tiles;
  std::span<const core::Repetition> repetitions;
  std::span<const core::SummaryRow> summary;
};

/// An open results file, for writing runs in parallel.
class ResultsFile {
 public:
  /// Collective over `comm`: creates `path`, replacing any file there, with the root attributes.
  static ResultsFile create(const std::filesystem::path& path, MPI_Comm comm);
  /// Collective over `comm`: opens an existing results file to add runs. Throws InputError if it
  /// is not an nsperf results file this build can extend.
  static ResultsFile open_for_append(const std::filesystem::path& path, MPI_Comm comm);

  /// Collective: writes run `provenance.run_id` (same provenance on every rank) with each rank's
  /// own rows.
  void write_run(const core::Provenance& provenance, const RunRows& rows);

  /// Collective: flushes and closes; throws IoError if the data could not be written.
  void close();

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

}  // namespace nsperf::io
