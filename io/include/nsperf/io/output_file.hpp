#pragma once
/// \file The output of `nsperf run`: one parallel HDF5 file, layout version 1, documented in
/// docs/output-layout.md.
///
///   /              attrs: output_version, nsperf_version, created, the run's figures
///   /mask          u8  [height][width]  1 = negative space (opened background mask)
///   /gradient      f32 [height][width]  Sobel magnitude of the Gaussian-smoothed image
///   /tiles         compound table, one row per tile (core::TileStats)
///   /provenance    group; attrs: the provenance (as a results file's run)
///   /profile/regions  every rank's profiled regions of the run (core/regions.hpp)
///
/// The images are chunked by tile (one chunk per tile, so every rank writes whole chunks) and
/// optionally compressed; every write is collective.

#include <mpi.h>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "nsperf/core/compression.hpp"
#include "nsperf/core/image.hpp"
#include "nsperf/core/provenance.hpp"
#include "nsperf/core/records.hpp"
#include "nsperf/core/regions.hpp"
#include "nsperf/core/tile_plan.hpp"
#include "nsperf/io/fsync.hpp"
#include "nsperf/io/hdf5.hpp"

namespace nsperf::io {

/// The output layout this build writes.
inline constexpr int kOutputVersion = 1;

/// Root attribute `status`: "complete", or "incomplete" for a run a stop signal ended early.
/// An incomplete output holds the complete tiles only: their /gradient and /tiles rows (mask
/// columns 0), no /mask values and no threshold, since Otsu's threshold needs every tile.
/// `nsperf run --resume` continues it. Older outputs have no status and are
/// complete.
inline constexpr const char* kStatusComplete = "complete";
inline constexpr const char* kStatusIncomplete = "incomplete";

/// How the image datasets are stored.
struct OutputLayout {
  core::Extent image;
  std::int64_t tile = 0;  ///< chunk side (clipped to the image)
  core::Compression compression = core::Compression::none;
  int compression_level = 0;  ///< 0: the library's default (deflate 6, zstd 3)
};

/// One tile's output, as a rank holds it.
struct OutputTile {
  core::Rect rect;                      ///< image coordinates
  core::View<const std::uint8_t> mask;  ///< rect.width x rect.height
  core::View<const float> gradient;     ///< rect.width x rect.height (any stride)
};

/// An open output file, for writing collectively.
class OutputFile {
 public:
  /// Collective over `comm`: creates `path` (replacing any file) with /mask and /gradient laid
  /// out as `layout` says. With `early_writeback`, every rank has the kernel start writing the
  /// tiles to disk while they are still being written (EarlyWriteback, every
  /// kWritebackEveryBytes it hands to HDF5). Throws IoError (on every rank) if HDF5 refuses.
  static OutputFile create(const std::filesystem::path& path, MPI_Comm comm,
                           const OutputLayout& layout, bool early_writeback = false);

  /// How often (in bytes a rank hands to HDF5) write_tiles starts the writeback: often enough
  /// that the disk never waits for long, seldom enough that the requests cost nothing
  /// (docs/benchmarks.md, "nsperf run: writing the output").
  static constexpr std::int64_t kWritebackEveryBytes = std::int64_t{4} << 20;

  /// Collective: writes this rank's tiles into /mask and /gradient (only /gradient when
  /// `with_mask` is false, on every rank alike); ranks may hold different numbers of tiles (none
  /// too). Returns the bytes this rank handed to HDF5.
  std::int64_t write_tiles(std::span<const OutputTile> tiles, bool with_mask = true);

  /// Collective: writes /tiles from every rank's rows.
  void write_stats(std::span<const core::TileStats> rows);

  /// Collective: root attributes (the same on every rank), and /provenance.
  void write_attributes(std::span<const std::pair<std::string, core::Provenance::Value>> attrs,
                        const core::Provenance& provenance);

  /// Collective: flushes and closes; throws IoError if the data could not be written.
  void close();

  /// Leaves the file without closing it, after a failed write (Handle::abandon).
  void abandon() noexcept;

 private:
  OutputFile(Handle file, Handle mask, Handle gradient, MPI_Comm comm, EarlyWriteback writeback)
      : file_(std::move(file)),
        mask_(std::move(mask)),
        gradient_(std::move(gradient)),
        comm_(comm),
        writeback_(std::move(writeback)) {}
  Handle file_;
  Handle mask_;
  Handle gradient_;
  MPI_Comm comm_;
  EarlyWriteback writeback_;
};

/// Local: adds /profile/regions (every rank's `regions`) to the output file at `path`, which
/// must be closed everywhere. Called on one rank, after the collective write, so that the
/// profile covers the write too.
void append_profile(const std::filesystem::path& path, std::span<const core::RankRegion> regions);

/// One rank's share of the job as the user waits for it (docs/output-layout.md, /ranks).
struct RankStages {
  std::int64_t rank = 0;
  double start_s = 0;           ///< the launcher's start (or this process's) to the end of MPI_Init
  double read_s = 0;            ///< reading, decoding or rendering its tiles (or receiving them)
  double pipeline_s = 0;        ///< working buffers and the pipeline's stages (rank 0: and any
                                ///< wait for the input's SHA-256, hashed beside the read and
                                ///< the pipeline)
  double check_s = 0;           ///< the float64 reference and the comparison (0 without --check)
  double write_s = 0;           ///< the output: collective write, close, flush to disk, rename
  std::int64_t bytes_read = 0;  ///< from the image file (0: rendered, or sent to it)
};

/// Local: adds /ranks (one row per rank) and the root attribute `wall_s` (the launcher's start
/// to the end of the write, on rank 0) to the output at `path`, closed everywhere. Called on one
/// rank after the output is renamed into place, since the write's own time is among them.
void append_stages(const std::filesystem::path& path, std::span<const RankStages> ranks,
                   double wall_s);

/// Without MPI: /ranks of an output file (empty for an output without it: incomplete, or
/// written before /ranks existed). Throws InputError naming the file if it is not an output.
std::vector<RankStages> read_output_stages(const std::filesystem::path& path);

/// Without MPI: an output of nsperf run open for reading its tiles back, as `nsperf run
/// --resume` reads an incomplete one.
class OutputReader {
 public:
  /// Throws InputError naming the file if it is not an output of nsperf run.
  explicit OutputReader(const std::filesystem::path& path);
  /// The rows of /tiles.
  [[nodiscard]] std::vector<core::TileStats> tiles() const;
  /// `area` (inside the image) of /gradient.
  [[nodiscard]] core::Plane<float> gradient(const core::Rect& area) const;

 private:
  std::filesystem::path path_;
  Handle file_;
};

/// Without MPI: whether `path` is an output of nsperf run (an HDF5 file with output_version).
bool is_output_file(const std::filesystem::path& path);

/// Without MPI: /profile/regions of an output file (empty if it has none). Throws InputError
/// naming the file if it is not an output file.
std::vector<core::RankRegion> read_output_regions(const std::filesystem::path& path);

/// Without MPI: the root attributes and the /provenance attributes of an output file, by name
/// (root first). Throws InputError naming the file if it is not an output file.
std::vector<std::pair<std::string, core::Provenance::Value>> read_output_attributes(
    const std::filesystem::path& path);

}  // namespace nsperf::io
