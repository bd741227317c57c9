#pragma once
/// \file The tiles each rank works on: every rank reads its own tiles where the format allows;
/// otherwise rank 0 reads the image and sends every rank its tiles, with halos, either after
/// reading it all (distribute_image) or as it decodes it top to bottom (TileStream).

#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <memory>
#include <vector>

#include "nsperf/core/image.hpp"
#include "nsperf/core/tile_plan.hpp"
#include "nsperf/io/image_reader.hpp"

namespace nsperf::mpi {

namespace bmpi = boost::mpi;

/// A tile this rank owns, with its pixels.
struct LocalTile {
  std::int64_t id = 0;
  core::Rect rect;
  core::Image padded;     ///< rect grown by the plan's halo, reflect-101 beyond the image
  double transfer_s = 0;  ///< waiting for and receiving the pixels (0 for rank 0's own tiles)
  double io_s = 0;        ///< rank 0 cutting the tile out of the image
};

/// What every optimizer works on.
struct Workload {
  core::ImageSpec image;
  core::TilePlan plan;
  std::vector<LocalTile> tiles;  ///< this rank's, in id order
  core::Image source;            ///< rank 0: the whole image (optimizers re-send tiles from it)
  std::int64_t bytes_read = 0;   ///< bytes this rank read from the image file (0: sent to it)
};

/// Where a workload's image comes from: a file (`image` non-empty, as --image names it, with
/// `raw` the --raw layout or empty) or the built-in synthetic image.
struct ImageOrigin {
  std::string image;
  std::string raw;
  core::ImageSpec synthetic;
  std::uint64_t seed = 1;
  int skew_percent = 0;
};

/// An image as rank 0 loaded it. Every rank knows all but `pixels`.
struct LoadedImage {
  core::Image pixels;       ///< rank 0: the whole image; empty elsewhere
  core::ImageSpec spec;     ///< size and pipeline type
  std::string description;  ///< "flower.png: png 2268x1512 u8 RGB -> u8 luminance"
  /// A rank can read (or render) only a region: HDF5, FITS, raw and the synthetic image.
  bool partial = false;
  /// Decoded top to bottom in one pass (PNG, JPEG): with load_image's `keep_sequential`, rank
  /// 0 keeps the open `reader` (having read only the header) for a TileStream.
  bool sequential = false;
  std::unique_ptr<io::ImageReader> reader;  ///< rank 0, sequential and kept: the open file
  std::int64_t bytes_read = 0;  ///< rank 0: bytes taken from the file for the whole image
};

/// Collective over `comm`: rank 0 reads the file (or renders the synthetic image) and every
/// rank learns what it is; a missing or damaged file is agreed (every rank throws PhaseFailed,
/// exit 2). With `whole_if_partial` false, rank 0 reads only the header of a format with partial
/// reads (its `pixels` stay empty: read_own_tiles then reads rank 0's tiles too); with
/// `keep_sequential`, only the header of a sequential one (kept open in `reader`).
LoadedImage load_image(const bmpi::communicator& comm, const ImageOrigin& origin,
                       bool whole_if_partial = true, bool keep_sequential = false);

/// Collective over `comm`: as distribute_image, but every rank other than 0 reads its own tiles,
/// with halos, from `origin`'s file itself (only their rows: a format with partial reads), or
/// renders them (the synthetic image, bit-identical to the whole image's pixels there);
/// rank 0 keeps `image` and cuts its own tiles from it, or reads them too if `image` is empty. A
/// rank that cannot read the file (not visible on its node, damaged) is agreed: every rank throws
/// PhaseFailed naming it. `partition` says which rank owns which tile.
Workload read_own_tiles(const bmpi::communicator& comm, core::Image image,
                        const core::ImageSpec& spec, const ImageOrigin& origin, std::int64_t tile,
                        std::int64_t halo, core::Partition partition = {});

/// Collective over `comm`: cuts rank 0's `image` (of `spec`, which every rank knows) into
/// `tile` x `tile` tiles (shared out by `partition`) and sends each rank its own tiles with
/// `halo` pixels of context. Plan problems are agreed; a failure while tiles are in flight ends
/// the job through main's MPI_Abort.
Workload distribute_image(const bmpi::communicator& comm, core::Image image,
                          const core::ImageSpec& spec, std::int64_t tile, std::int64_t halo,
                          core::Partition partition = {});

/// Collective over `comm`: rank 0 renders the synthetic image `spec` from `seed` (with
/// `skew_percent` of it empty, see kernels/synthetic.hpp), cuts it into
/// `tile` x `tile` tiles (static block partition) and sends each rank its own tiles with `halo`
/// pixels of context. Plan and image problems are agreed (every rank throws PhaseFailed);
/// a failure while tiles are in flight ends the job through main's MPI_Abort.
Workload distribute_synthetic(const bmpi::communicator& comm, const core::ImageSpec& spec,
                              std::uint64_t seed, std::int64_t tile, std::int64_t halo,
                              int skew_percent = 0);

/// A sequential image (PNG, JPEG) streamed to the ranks: rank 0 decodes it top to bottom, one
/// row of tiles at a time, and sends each tile to its rank as soon as its rows (with the halo)
/// are decoded, so that the other ranks compute their first tiles while rank 0 still decodes.
/// The ranks own their tiles (as `partition` shares them out) in reverse rank order, rank 0
/// the last rank's: with static blocks, the others' tiles are
/// decoded first and computed while rank 0 decodes on; rank 0 computes its own at the end (at
/// one rank, it decodes a row of tiles, computes it, and goes on). Giving rank 0 no tiles at
/// all was measured slower where the decode is quick (a 13.7 MP JPEG: the others' compute became
/// the longest part), and never faster by more than noise where it is slow (PNG).
///
/// Collective to make (every rank posts its receives) and to finish; wait() and finish() are
/// what a kernels::TileFeed calls (mpi::run_production adapts it), so that a damaged file found
/// halfway is every rank's failure at the pipeline's next checkpoint: rank 0 throws the
/// reader's error, and a rank whose tiles will not come throws too rather than wait for them.
class TileStream {
 public:
  /// Collective over `comm`: plans `spec` into `tile`-sized tiles with `halo`, fills
  /// `workload` (the plan; this rank's tiles with their pixel buffers, filled as they arrive)
  /// and posts this rank's receives. `reader` is rank 0's open image (null elsewhere).
  TileStream(const bmpi::communicator& comm, Workload& workload, const core::ImageSpec& spec,
             std::unique_ptr<io::ImageReader> reader, std::int64_t tile, std::int64_t halo,
             core::Partition partition = {});
  /// Unfinished (a failure before the pipeline): cancels what it can and waits for the rest.
  ~TileStream();
  TileStream(const TileStream&) = delete;
  TileStream& operator=(const TileStream&) = delete;

  /// Returns once workload.tiles[k] holds its pixels (rank 0: decoding on as far as that tile
  /// needs, sending the other ranks' tiles on the way). Throws InputError (rank 0: the file is
  /// damaged) or MpiError (elsewhere: rank 0 stopped sending).
  void wait(std::size_t k);
  /// Completes the stream: every tile decoded and sent (rank 0) or received. Throws as wait()
  /// does, once: after a failure already thrown it returns.
  void finish();
  /// Seconds spent in wait() and finish(): decoding and sending (rank 0), waiting (others).
  [[nodiscard]] double busy_s() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace nsperf::mpi
