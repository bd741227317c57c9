#pragma once
/// \file `nsperf run`: the negative-space pipeline over a whole image with the configured
/// strategy, its output written collectively into one HDF5 file (io/output_file.hpp).

#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "nsperf/core/config.hpp"
#include "nsperf/core/provenance.hpp"
#include "nsperf/core/regions.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/io/output_file.hpp"
#include "nsperf/mpi/optimizer.hpp"

namespace nsperf::mpi {

namespace bmpi = boost::mpi;

/// What to run.
struct ProductionRequest {
  /// Identical on every rank; input, tile and run.* are used. With config.tile_is_default the
  /// tile shrinks to an image's shorter side when that is smaller (core::fit_default_tile), once
  /// the image is read.
  core::Config config;
  std::string command_line;
  /// Continue the incomplete run recorded in run.output (a stop signal ended it): its tiles'
  /// gradients are read back instead of computed, and the output equals an uninterrupted run's.
  bool resume = false;
  /// The stop signal received so far (core::stop_signal), 0 for none; asked between tiles.
  /// Empty: the job does not stop early.
  std::function<int()> stop_signal;
  /// This rank's launch: seconds from the launcher's start to the end of MPI_Init, and the
  /// launcher ("" when none was recognized: then from this process's start).
  double start_s = 0;
  std::string launcher;
  /// Running since MPI_Init ended (null: the job's own start stands for it).
  const core::Stopwatch* since_init = nullptr;
  /// Called on rank 0 once the run has its id and provenance, before any tile is read.
  std::function<void(const core::Provenance&)> on_start;
  /// Identical on every rank: rank 0 learns every rank's tiles as they are computed and passes
  /// them to the progress sink's tiles() (a small message per tile; for --metrics-*).
  bool count_tiles = false;
};

/// What a production run did; identical on every rank.
struct ProductionReport {
  core::Provenance provenance;
  std::string source_sha256;  ///< of the input file; empty for the synthetic image
  std::int64_t tiles = 0;
  int threshold = 0;              ///< Otsu's bin; background is bin <= threshold
  double boundary_magnitude = 0;  ///< magnitudes below this are background
  double negative_space_fraction = 0;
  // The job as the user waits for it, stage by stage (slowest rank; collectives separate them).
  double start_s = 0;    ///< the launcher's start to the end of MPI_Init
  std::string launcher;  ///< rank 0's launcher ("mpirun", "slurmstepd"; "" for none)
  double setup_s = 0;    ///< MPI_Init's end to the start of reading: options, checks, provenance
  double read_s = 0;     ///< slowest rank: reading or receiving its tiles
  double compute_s = 0;  ///< slowest rank: working buffers and the pipeline
  double check_s = 0;    ///< slowest rank: the reference and the comparison (0: not checked)
  double write_s = 0;    ///< every rank: the collective write, temporary file, flush and rename
  double close_s = 0;    ///< after the write: the catalog, /ranks, the output's size
  double wall_s = 0;     ///< rank 0: the launcher's start to the end of the job (before
                         ///< MPI_Finalize)
  std::vector<io::RankStages> ranks;  ///< rank 0: every rank's stages, as stored in /ranks
  std::int64_t written_bytes = 0;     ///< uncompressed bytes of /mask and /gradient
  std::int64_t file_bytes = 0;        ///< the output file's size
  std::int64_t failed_tiles = 0;      ///< tiles whose check failed (0 when not checked)
  bool partial = false;               ///< ranks read their own tiles from the file
  /// A sequential image (PNG, JPEG) streamed by rank 0 as it decoded it (mpi::TileStream).
  bool streamed = false;
  std::int64_t width = 0;
  std::int64_t height = 0;
  std::string check_status;               ///< passed, failed or not-checked (without --check)
  std::vector<core::RankRegion> regions;  ///< rank 0: every rank's profiled regions, as stored
  std::int64_t tiles_resumed = 0;         ///< tiles whose gradient came from the interrupted run
  std::string resumed_from;               ///< that run's id (empty when not resumed)
  std::int64_t tile = 0;                  ///< the tile side used (the default fitted)
  std::vector<std::string> notes;         ///< what the run changed that was not asked for
};

/// Collective over `comm`: reads the input (each rank its own tiles where the format allows),
/// runs the pipeline with `run.strategy`, optionally checks it against the reference, and writes
/// `run.output` through a temporary file renamed into place, then adds the run to the catalog
/// `run.catalog` if one is set (rank 0 writes it, with every rank's tile rows). Throws PhaseFailed
/// on every rank if any rank fails; nothing is then left under the output name. If a stop signal
/// arrives before every tile's gradient is computed, the complete tiles are written to
/// `run.output` as an incomplete run (io::kStatusIncomplete) and PhaseFailed with
/// ExitCode::interrupted is thrown on every rank. `progress` is used on rank 0 only and may be
/// null.
ProductionReport run_production(const bmpi::communicator& comm, const ProductionRequest& request,
                                ProgressSink* progress);

}  // namespace nsperf::mpi
