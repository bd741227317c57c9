// The tiled pipeline: the driver shared by every strategy and by the reference, the default
// stages (kernels chained, windows reflected at the image border), and Otsu's method.
#include "nsperf/kernels/pipeline.hpp"

#include <algorithm>
#include <cfloat>
#include <exception>

#include "nsperf/core/error.hpp"
#include "nsperf/core/profiler.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/kernels/reference.hpp"

namespace nsperf::kernels {
namespace {

core::Extent extent_of(const core::Rect& r) { return {r.width, r.height}; }

// Buffers a stage needs only when it is not fused away are made on first use (in a warm-up
// run, so their first touch is not timed).
template <class T>
void ensure(core::Plane<T>& plane, core::Extent extent) {
  if (plane.extent() != extent) plane = core::Plane<T>(extent);
}

template <class T>
core::View<T> interior(core::Plane<T>& plane, std::int64_t grow) {
  const auto e = plane.extent();
  return plane.view().sub(grow, grow, e.width - 2 * grow, e.height - 2 * grow);
}

}  // namespace

int otsu_threshold(const Histogram& histogram) noexcept {
  // OpenCV's getThreshVal_Otsu_8u, step for step (including its treatment of empty classes),
  // so that thresholds can be compared with cv::threshold(..., THRESH_OTSU).
  double total = 0;
  for (auto c : histogram) total += static_cast<double>(c);
  if (total == 0) return 0;
  const double scale = 1.0 / total;
  double mu = 0;
  for (int i = 0; i < kHistogramBins; ++i)
    mu += i * static_cast<double>(histogram[static_cast<std::size_t>(i)]);
  mu *= scale;
  double mu1 = 0;
  double q1 = 0;
  double max_sigma = 0;
  int best = 0;
  for (int i = 0; i < kHistogramBins; ++i) {
    const double p_i = static_cast<double>(histogram[static_cast<std::size_t>(i)]) * scale;
    mu1 *= q1;
    q1 += p_i;
    const double q2 = 1.0 - q1;
    if (std::min(q1, q2) < FLT_EPSILON || std::max(q1, q2) > 1.0 - FLT_EPSILON) continue;
    mu1 = (mu1 + i * p_i) / q1;
    const double mu2 = (mu - q1 * mu1) / q2;
    const double sigma = q1 * q2 * (mu1 - mu2) * (mu1 - mu2);
    if (sigma > max_sigma) {
      max_sigma = sigma;
      best = i;
    }
  }
  return best;
}

void FailureCheckpoint::check() {
  if (reduce_.any(error_ != nullptr)) {
    if (error_) std::rethrow_exception(error_);
    throw KernelError("the pipeline failed on another rank");
  }
}

OpenedComparison compare_opened(core::View<const std::uint8_t> got,
                                core::View<const std::uint8_t> want,
                                core::View<const float> distance, double tolerance) noexcept {
  OpenedComparison c;
  for (std::int64_t y = 0; y < got.height; ++y) {
    for (std::int64_t x = 0; x < got.width; ++x) {
      if (got(x, y) == want(x, y)) continue;
      ++c.differing;
      // Opened pixel (x, y) is mask pixel (x + 2, y + 2).
      bool near = false;
      for (std::int64_t j = 0; j <= 4 && !near; ++j)
        for (std::int64_t i = 0; i <= 4 && !near; ++i) near = distance(x + i, y + j) <= tolerance;
      c.unexplained += near ? 0 : 1;
    }
  }
  return c;
}

template <class T>
void reflect_outside(core::View<T> window, const core::Rect& area, core::Extent image) noexcept {
  auto copy = [&](std::int64_t x, std::int64_t y) {
    const std::int64_t sx = core::reflect101(area.x + x, image.width) - area.x;
    const std::int64_t sy = core::reflect101(area.y + y, image.height) - area.y;
    window(x, y) = window(sx, sy);
  };
  // Columns [inside_x0, inside_x1) and rows [inside_y0, inside_y1) of the window are in the image.
  const std::int64_t inside_x0 = std::clamp<std::int64_t>(-area.x, 0, window.width);
  const std::int64_t inside_x1 = std::clamp<std::int64_t>(image.width - area.x, 0, window.width);
  const std::int64_t inside_y0 = std::clamp<std::int64_t>(-area.y, 0, window.height);
  const std::int64_t inside_y1 = std::clamp<std::int64_t>(image.height - area.y, 0, window.height);
  // In-image rows first (their outside columns), then whole rows outside, which copy rows
  // that are complete by then.
  for (std::int64_t y = inside_y0; y < inside_y1; ++y) {
    for (std::int64_t x = 0; x < inside_x0; ++x) copy(x, y);
    for (std::int64_t x = inside_x1; x < window.width; ++x) copy(x, y);
  }
  for (std::int64_t y = 0; y < window.height; ++y) {
    if (y >= inside_y0 && y < inside_y1) continue;
    for (std::int64_t x = 0; x < window.width; ++x) copy(x, y);
  }
}

template void reflect_outside<float>(core::View<float>, const core::Rect&, core::Extent) noexcept;
template void reflect_outside<double>(core::View<double>, const core::Rect&, core::Extent) noexcept;
template void reflect_outside<std::uint8_t>(core::View<std::uint8_t>, const core::Rect&,
                                            core::Extent) noexcept;
template void reflect_outside<std::uint16_t>(core::View<std::uint16_t>, const core::Rect&,
                                             core::Extent) noexcept;

namespace {

// A tile's pixels as read must carry the pipeline's halo.
void check_halo(const core::Image& padded, core::Rect r) {
  if (padded.extent() != core::Extent{r.width + 2 * kPipelineHalo, r.height + 2 * kPipelineHalo}) {
    throw KernelError("tile " + std::to_string(r.width) + "x" + std::to_string(r.height) +
                      ": input must carry " + std::to_string(kPipelineHalo) + " pixels of halo");
  }
}

}  // namespace

template <class T>
TileWork<T>::TileWork(core::Rect r, core::Extent img, bool allocate) : rect(r), image(img) {
  if (!allocate) return;
  magnitude = core::Plane<T>(extent_of(window(2)));
  opened = core::Plane<std::uint8_t>(extent_of(r));
}

template <class T>
TileWork<T>::TileWork(const core::Image& padded, core::Rect r, core::Extent img)
    : TileWork(r, img) {
  check_halo(padded, r);
  input = core::to_plane<T>(padded);
}

template <class T>
TileWork<T> TileWork<T>::deferred(core::Image padded, core::Rect r, core::Extent img) {
  check_halo(padded, r);
  TileWork<T> t(r, img);
  t.source = std::move(padded);
  return t;
}

template <class T>
TileWork<T> TileWork<T>::awaiting(core::Rect r, core::Extent img) {
  return TileWork<T>(r, img, /*allocate=*/false);
}

template <class T>
TileWork<T>::TileWork(core::Plane<T> m, T max, core::Rect r, core::Extent img)
    : rect(r),
      image(img),
      magnitude(std::move(m)),
      opened(extent_of(r)),
      max_magnitude(max),
      recorded(true),
      gradient_ready(true) {
  if (magnitude.extent() != extent_of(window(2))) {
    throw KernelError("tile " + std::to_string(r.width) + "x" + std::to_string(r.height) +
                      ": a recorded magnitude must cover the tile grown by 2");
  }
}

template struct TileWork<float>;
template struct TileWork<double>;

void CpuStrategy::stage_a(TileWork<float>& t) {
  ensure(t.blurred, extent_of(t.window(3)));
  gaussian5x5(t.input.view(), t.blurred.view());
  reflect_outside(t.blurred.view(), t.window(3), t.image);
  sobel_magnitude(t.blurred.view(), t.magnitude.view());
  reflect_outside(t.magnitude.view(), t.window(2), t.image);
  t.max_magnitude = maximum(interior(t.magnitude, 2));
}

void CpuStrategy::stage_histogram(TileWork<float>& t, float scale) {
  t.histogram.fill(0);
  histogram(interior(t.magnitude, 2), scale, t.histogram);
}

void CpuStrategy::stage_b(TileWork<float>& t, float scale, int threshold) {
  ensure(t.mask, extent_of(t.window(2)));
  ensure(t.eroded, extent_of(t.window(1)));
  background_mask(t.magnitude.view(), scale, threshold, t.mask.view());
  erode3x3(t.mask.view(), t.eroded.view());
  reflect_outside(t.eroded.view(), t.window(1), t.image);
  dilate3x3(t.eroded.view(), t.opened.view());
  t.background = count_nonzero(t.opened.view());
}

namespace {

// Runs the pipeline's stages with a failure checkpoint before every reduction: a stage's
// exception is held, every rank learns of it at the next checkpoint, and all stop there.
template <class T, class Stages>
PipelineResult drive(std::span<TileWork<T>> tiles, Reduce& reduce, Stages& stages,
                     const std::function<bool()>& stop, TileFeed* feed) {
  FailureCheckpoint checkpoint(reduce);
  // `arrive(t)` runs before a tile's clock starts: waiting for its pixels is not its compute.
  auto each_tile = [&](auto&& stage, auto&& arrive) {
    checkpoint.run([&] {
      for (auto& t : tiles) {
        if (!arrive(t)) continue;
        core::Stopwatch clock;
        stage(t);
        t.compute_s += clock.elapsed_s();
      }
    });
  };
  const auto every = [](TileWork<T>& /*t*/) { return true; };
  double local_max = 0;
  bool stopped = false;
  {
    NSPERF_REGION("stage_a");
    each_tile(
        [&](TileWork<T>& t) {
          if (!t.recorded) {
            ensure(t.magnitude, extent_of(t.window(2)));  // an awaiting tile's are made here
            ensure(t.opened, extent_of(t.rect));
            const bool deferred = t.source.extent().pixels() > 0;
            if (deferred) t.input = core::to_plane<T>(t.source);
            stages.a(t);
            if (deferred) {
              t.input = {};
              t.source = {};
            }
            t.gradient_ready = true;
          }
          local_max = std::max(local_max, static_cast<double>(t.max_magnitude));
        },
        [&](TileWork<T>& t) {
          if (t.recorded) return true;
          t.gradient_ready = false;
          stopped = stopped || (stop && stop());
          if (stopped) return false;
          t.compute_s = 0;
          if (feed != nullptr) feed->before(static_cast<std::size_t>(&t - tiles.data()));
          return true;
        });
  }
  if (feed != nullptr) {
    // Always, even after a failure: transfers must not outlive the buffers they fill.
    std::exception_ptr failed;
    try {
      feed->finish();
    } catch (...) {
      failed = std::current_exception();
    }
    if (failed) checkpoint.run([&] { std::rethrow_exception(failed); });
  }
  // Asked once more: the caller may have stopped before handing over all of its tiles.
  stopped = stopped || (stop && stop());
  checkpoint.check();
  if (stop && reduce.any(stopped)) {
    PipelineResult r;
    r.interrupted = true;
    return r;
  }
  return global_stage<T>(
      reduce, local_max,
      [&](T scale, Histogram& histogram) {
        NSPERF_REGION("histogram");
        each_tile(
            [&](TileWork<T>& t) {
              stages.histogram(t, scale);
              for (std::size_t b = 0; b < histogram.size(); ++b) histogram[b] += t.histogram[b];
            },
            every);
      },
      [&](T scale, int threshold) {
        NSPERF_REGION("stage_b");
        each_tile([&](TileWork<T>& t) { stages.b(t, scale, threshold); }, every);
      },
      &checkpoint);
}

struct StrategyStages {
  CpuStrategy& s;
  void a(TileWork<float>& t) { s.stage_a(t); }
  void histogram(TileWork<float>& t, float scale) { s.stage_histogram(t, scale); }
  void b(TileWork<float>& t, float scale, int threshold) { s.stage_b(t, scale, threshold); }
};

struct ReferenceStages {
  void a(TileWork<double>& t) {
    ensure(t.blurred, extent_of(t.window(3)));
    gaussian5x5_reference(t.input.view(), t.blurred.view());
    reflect_outside(t.blurred.view(), t.window(3), t.image);
    sobel_magnitude_reference(t.blurred.view(), t.magnitude.view());
    reflect_outside(t.magnitude.view(), t.window(2), t.image);
    t.max_magnitude = maximum_reference<double>(interior(t.magnitude, 2));
  }
  void histogram(TileWork<double>& t, double scale) {
    t.histogram.fill(0);
    histogram_reference<double>(interior(t.magnitude, 2), scale, t.histogram);
  }
  void b(TileWork<double>& t, double scale, int threshold) {
    ensure(t.mask, extent_of(t.window(2)));
    ensure(t.eroded, extent_of(t.window(1)));
    background_mask_reference<double>(t.magnitude.view(), scale, threshold, t.mask.view());
    erode3x3_reference(t.mask.view(), t.eroded.view());
    reflect_outside(t.eroded.view(), t.window(1), t.image);
    dilate3x3_reference(t.eroded.view(), t.opened.view());
    t.background = count_nonzero_reference(t.opened.view());
  }
};

}  // namespace

PipelineResult run_pipeline(CpuStrategy& strategy, std::span<TileWork<float>> tiles, Reduce& reduce,
                            const std::function<bool()>& stop, TileFeed* feed) {
  StrategyStages stages{strategy};
  return drive(tiles, reduce, stages, stop, feed);
}

PipelineResult run_reference_pipeline(std::span<TileWork<double>> tiles, Reduce& reduce) {
  ReferenceStages stages;
  return drive(tiles, reduce, stages, {}, nullptr);
}

}  // namespace nsperf::kernels
