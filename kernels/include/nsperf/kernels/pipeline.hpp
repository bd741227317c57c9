#pragma once
/// \file The negative-space pipeline on tiles:
///
///   Gaussian 5x5 -> Sobel gradient magnitude -> global Otsu threshold (histograms summed over
///   every rank) -> background mask -> morphological open 3x3 (erode, dilate) -> background count
///
/// Every stage treats the image border with reflect-101 *of its own input*, as a whole-image
/// run would (OpenCV's default). A tile carries kPipelineHalo pixels of context; each stage
/// shrinks the window by its kernel's reach, and values a stage computes outside the image are
/// replaced by the reflect-101 copies of values inside it. So a pixel gets exactly the value it
/// gets in a whole-image run, whatever the tiling: tiled == whole, bit for bit.

#include <array>
#include <cmath>
#include <cstdint>
#include <exception>
#include <functional>
#include <span>
#include <utility>

#include "nsperf/core/image.hpp"
#include "nsperf/core/tile_plan.hpp"

namespace nsperf::kernels {

class CpuStrategy;

/// Context a tile needs: Gaussian 2 + Sobel 1 + erode 1 + dilate 1.
inline constexpr std::int64_t kPipelineHalo = 5;
/// Bins of the magnitude histogram Otsu's method works on.
inline constexpr int kHistogramBins = 256;

/// Pixel counts per bin.
using Histogram = std::array<std::uint64_t, kHistogramBins>;

/// The bin of a gradient magnitude v: floor(v * scale) computed in T's precision, clamped to 255;
/// -1 for NaN (never counted, never background).
template <class T>
inline int histogram_bin(T v, T scale) noexcept {
  const T b = v * scale;
  if (b >= T(kHistogramBins - 1)) return kHistogramBins - 1;
  if (b >= T(0)) return static_cast<int>(b);
  return -1;
}

/// The scale that spreads magnitudes [0, max] over the bins (0 when max is 0 or not finite).
template <class T>
inline T histogram_scale(T max_magnitude) noexcept {
  return max_magnitude > T(0) && std::isfinite(max_magnitude) ? T(kHistogramBins) / max_magnitude
                                                              : T(0);
}

/// Otsu's threshold of a histogram: the bin t that maximizes the between-class variance of
/// bins <= t and bins > t; the first such bin; 0 for an empty histogram. The same algorithm as
/// OpenCV's THRESH_OTSU, so thresholds compare directly. Background is bin <= t.
int otsu_threshold(const Histogram& histogram) noexcept;

/// The reductions across ranks the pipeline needs between its stages. nsperf::mpi implements
/// them over MPI; LocalReduce is the single-process identity. Every rank makes the same calls
/// in the same order: the driver checks `any` before each reduction, so a rank whose stage
/// failed still takes part and every rank stops at the same point.
class Reduce {
 public:
  virtual ~Reduce() = default;
  /// True on every rank if `local` is true on any.
  virtual bool any(bool local) = 0;
  /// Largest of every rank's `local`.
  virtual double max(double local) = 0;
  /// Replaces `local` by the sum over every rank.
  virtual void sum(Histogram& local) = 0;
};

/// No other ranks.
class LocalReduce final : public Reduce {
 public:
  bool any(bool local) override { return local; }
  double max(double local) override { return local; }
  void sum(Histogram& /*local*/) override {}
};

/// One tile's buffers through the pipeline in working type T (float for CPU strategies, double
/// for the reference). Windows are the tile grown by the context the next stages need.
template <class T>
struct TileWork {
  core::Rect rect;       ///< the tile, image coordinates
  core::Extent image;    ///< the whole image
  core::Plane<T> input;  ///< rect grown by 5 (reflect-101 beyond the image)
  /// A deferred tile's pixels as read (rect grown by 5, any pixel type): the driver makes
  /// `input` from them just before the tile's stage A and releases both after it, so that one
  /// tile's working copy exists at a time rather than every tile's.
  core::Image source;
  core::Plane<T> blurred;            ///< rect grown by 3
  core::Plane<T> magnitude;          ///< rect grown by 2
  core::Plane<std::uint8_t> mask;    ///< rect grown by 2, 1 = background
  core::Plane<std::uint8_t> eroded;  ///< rect grown by 1
  core::Plane<std::uint8_t> opened;  ///< rect
  double compute_s = 0;              ///< the last run's stage time on this tile
  T max_magnitude = 0;               ///< over the tile's own pixels
  /// magnitude and max_magnitude were recorded by an interrupted run: stage A skips the tile.
  bool recorded = false;
  /// magnitude and max_magnitude hold stage A's result (recorded, or stage A's last run).
  bool gradient_ready = false;
  Histogram histogram{};        ///< of the tile's own pixels
  std::int64_t background = 0;  ///< background pixels of the opened mask

  /// Buffers for `rect` of `image`; `padded` is the tile grown by kPipelineHalo in any pixel
  /// type (core::extract_padded), converted to T.
  TileWork(const core::Image& padded, core::Rect rect, core::Extent image);
  /// As the first constructor, but `input` is made from `padded` only when stage A runs (see
  /// `source`): for a driver that runs stage A once per tile (the production job).
  static TileWork deferred(core::Image padded, core::Rect rect, core::Extent image);
  /// A deferred tile whose pixels are not here yet: a TileFeed puts them into `source` just
  /// before its stage A. Its buffers (magnitude, opened) are made then too, so that a rank
  /// allocates them while the stream is still on its way rather than before it starts.
  static TileWork awaiting(core::Rect rect, core::Extent image);
  /// A tile whose stage A is already done: `magnitude` covers rect grown by 2 (reflect-101
  /// beyond the image), `max_magnitude` is over the tile's own pixels. It has no input.
  TileWork(core::Plane<T> magnitude, T max_magnitude, core::Rect rect, core::Extent image);

 private:
  /// The buffers every tile has (magnitude, opened; made by stage A when not `allocate`), no
  /// input.
  TileWork(core::Rect rect, core::Extent image, bool allocate = true);

 public:
  /// The area of `image` a window grown by `grow` covers.
  [[nodiscard]] core::Rect window(std::int64_t grow) const noexcept {
    return {rect.x - grow, rect.y - grow, rect.width + 2 * grow, rect.height + 2 * grow};
  }
};

/// What a pipeline run found, the same on every rank.
struct PipelineResult {
  /// Stage A stopped early on some rank because `stop` said so: nothing after stage A ran, and
  /// the tiles with gradient_ready are the complete ones.
  bool interrupted = false;
  double max_magnitude = 0;
  double scale = 0;  ///< bins per unit of magnitude
  int threshold = 0;
  Histogram histogram{};
};

/// Holds the first exception a rank's stage throws until the next check, where every rank learns
/// through `reduce` whether any rank failed, and all stop at the same point.
class FailureCheckpoint {
 public:
  explicit FailureCheckpoint(Reduce& reduce) noexcept : reduce_(reduce) {}
  /// Runs `fn` unless a stage failed already; an exception it throws is held.
  template <class Fn>
  void run(Fn&& fn) noexcept {
    if (error_) return;
    try {
      std::forward<Fn>(fn)();
    } catch (...) {
      error_ = std::current_exception();
    }
  }
  /// Collective: throws on every rank if a stage failed on any (this rank's own exception, or
  /// KernelError "the pipeline failed on another rank").
  void check();

 private:
  Reduce& reduce_;
  std::exception_ptr error_;
};

/// The pipeline's global stage, the one step that needs every rank, written once for every
/// driver: the largest magnitude over every rank gives the histogram's scale (in T, the driver's
/// working type); every rank's histogram is summed; Otsu's method picks the threshold; stage B
/// runs with it. `local_histogram(scale, histogram)` adds this rank's tiles into `histogram`,
/// `stage_b(scale, threshold)` runs stage B on them. With a checkpoint both run through it and
/// every rank checks before the sum and at the end; without one their exceptions propagate.
template <class T, class LocalHistogram, class StageB>
PipelineResult global_stage(Reduce& reduce, double local_max, LocalHistogram&& local_histogram,
                            StageB&& stage_b, FailureCheckpoint* checkpoint = nullptr) {
  auto guarded = [&](auto&& fn) {
    if (checkpoint != nullptr) {
      checkpoint->run(fn);
    } else {
      fn();
    }
  };
  PipelineResult r;
  r.max_magnitude = reduce.max(local_max);
  const T scale = histogram_scale(static_cast<T>(r.max_magnitude));
  r.scale = static_cast<double>(scale);
  guarded([&] { local_histogram(scale, r.histogram); });
  if (checkpoint != nullptr) checkpoint->check();
  reduce.sum(r.histogram);
  r.threshold = otsu_threshold(r.histogram);
  guarded([&] { stage_b(scale, r.threshold); });
  if (checkpoint != nullptr) checkpoint->check();
  return r;
}

/// Where a rank's tile pixels come from when they arrive while the pipeline runs: a streamed
/// input, which rank 0 decodes top to bottom and sends out tile by tile, so that a rank runs
/// stage A on its first tiles while later ones are still being decoded.
class TileFeed {
 public:
  virtual ~TileFeed() = default;
  /// Called before stage A of tiles[index] (not for recorded tiles): returns once the tile's
  /// pixels are in its `source`. Throws if they never will be.
  virtual void before(std::size_t index) = 0;
  /// Called once after stage A, whatever happened in it (a stage that threw, a stop): completes
  /// the stream, so that no transfer is left in flight. Throws if the stream failed.
  virtual void finish() = 0;
};

/// Runs the pipeline over this rank's tiles with `strategy`: stage A on every tile, the global
/// maximum, every tile's histogram, their global sum, Otsu, stage B. Collective through `reduce`.
/// If a stage throws on any rank, every rank throws (this rank's own error, or KernelError
/// "failed on another rank") after the same sequence of reductions. Recorded tiles skip
/// stage A. When `stop` is given (on every rank alike), it is asked before
/// each tile's stage A; once it says true, this rank leaves its remaining tiles, and if any rank
/// did, every rank returns after stage A with `interrupted` set. With a `feed`, the tiles' pixels
/// arrive through it; its failures are every rank's failure like a stage's.
PipelineResult run_pipeline(CpuStrategy& strategy, std::span<TileWork<float>> tiles, Reduce& reduce,
                            const std::function<bool()>& stop = {}, TileFeed* feed = nullptr);

/// The same with the double-precision reference kernels: the oracle.
PipelineResult run_reference_pipeline(std::span<TileWork<double>> tiles, Reduce& reduce);

/// A strategy's opened mask against the reference's.
struct OpenedComparison {
  std::int64_t differing = 0;    ///< pixels that differ
  std::int64_t unexplained = 0;  ///< of those, the ones no rounding can account for
};

/// Compares opened masks of one tile (`got`, `want`: the tile). A difference is explained when
/// it lies within 2 pixels (the opening's reach) of a mask pixel whose reference magnitude is
/// within `tolerance` of the threshold's boundary: `distance` holds |magnitude - boundary| over
/// the mask window (the tile grown by 2).
OpenedComparison compare_opened(core::View<const std::uint8_t> got,
                                core::View<const std::uint8_t> want,
                                core::View<const float> distance, double tolerance) noexcept;

/// For every pixel of `window` (which covers `area` in image coordinates) outside `image`, copies
/// the pixel reflect-101 maps it to (which lies inside both the image and the window).
template <class T>
void reflect_outside(core::View<T> window, const core::Rect& area, core::Extent image) noexcept;

}  // namespace nsperf::kernels
