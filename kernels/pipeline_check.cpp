#include "nsperf/kernels/pipeline_check.hpp"

#include <algorithm>
#include <cmath>

namespace nsperf::kernels {

double pipeline_tolerance(const TileWork<float>& tile) noexcept {
  double largest = 1;
  for (float v : tile.input.values()) largest = std::max(largest, std::abs(static_cast<double>(v)));
  return kPipelineRelativeTolerance * largest;
}

double pipeline_tolerance(const TileWork<double>& reference) noexcept {
  double largest = 1;
  for (double v : reference.input.values()) largest = std::max(largest, std::abs(v));
  return kPipelineRelativeTolerance * largest;
}

KernelCheck check_pipeline_tile(const TileWork<float>& got, const PipelineResult& got_global,
                                const TileWork<double>& ref, const PipelineResult& ref_global,
                                double tolerance) {
  KernelCheck c{core::CheckStatus::passed, 0.0, 0, tolerance};
  const auto gm = got.magnitude.view();
  const auto rm = ref.magnitude.view();
  // The tile's own pixels only: halo values are other tiles' (or reflections of them).
  for (std::int64_t y = 2; y < gm.height - 2; ++y) {
    for (std::int64_t x = 2; x < gm.width - 2; ++x) {
      const double e = std::abs(static_cast<double>(gm(x, y)) - rm(x, y));
      if (!(e <= c.max_abs_error)) c.max_abs_error = std::isnan(e) ? INFINITY : e;
    }
  }
  const bool same_threshold = got_global.threshold == ref_global.threshold;
  // Where background turns into edge: magnitudes at or above this are not background.
  const double boundary =
      ref_global.scale > 0 ? (ref_global.threshold + 1) / ref_global.scale : 0.0;
  const double fuzz = tolerance + boundary * 1e-6;  // float32 rounding of the scale itself
  core::Plane<float> distance(gm.extent());
  bool unexplained = false;
  for (std::int64_t y = 0; y < gm.height; ++y) {
    for (std::int64_t x = 0; x < gm.width; ++x) {
      distance.view()(x, y) = static_cast<float>(std::abs(rm(x, y) - boundary));
      // The mask itself may differ only where the reference magnitude is that close.
      const int b = histogram_bin(gm(x, y), static_cast<float>(got_global.scale));
      const bool got_background = b >= 0 && b <= got_global.threshold;
      if (got_background != (ref.mask.view()(x, y) != 0) && !(distance.view()(x, y) <= fuzz))
        unexplained = true;
    }
  }
  const auto opened = compare_opened(got.opened.view(), ref.opened.view(), distance.view(), fuzz);
  c.differing = opened.differing;
  unexplained = unexplained || opened.unexplained > 0;
  if (!same_threshold || unexplained || !(c.max_abs_error <= tolerance))
    c.status = core::CheckStatus::failed;
  return c;
}

}  // namespace nsperf::kernels
