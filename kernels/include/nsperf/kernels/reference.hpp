#pragma once
/// \file The reference kernels: plain loops, obviously correct, the oracle every strategy is
/// checked against. Floating-point kernels compute in double; the rest is exact integer math
/// and is written for any magnitude type, so a check can run it on a strategy's own float input.
/// Every kernel is "valid" mode: `in` carries the kernel's reach on every side of `out`.

#include <array>
#include <cstdint>

#include "nsperf/core/image.hpp"
#include "nsperf/kernels/pipeline.hpp"

namespace nsperf::kernels {

template <class T>
using View = core::View<T>;

/// The 1-D weights exp(-k^2/2) / sum for k = -2..2, as OpenCV's getGaussianKernel(5, 1.0).
const std::array<double, 5>& gaussian5_weights() noexcept;

/// Gaussian blur 5x5, sigma 1: a 25-tap 2-D convolution. `in` = `out` + 2 on every side.
void gaussian5x5_reference(View<const double> in, View<double> out);

/// Sobel gradient magnitude sqrt(gx^2 + gy^2) with OpenCV's 3x3 Sobel kernels (dx: [-1 0 1] x
/// [1 2 1]^T, dy its transpose). `in` = `out` + 1 on every side.
void sobel_magnitude_reference(View<const double> in, View<double> out);

/// Largest value, ignoring NaN (0 for none).
template <class T>
T maximum_reference(View<const T> in) {
  T best = 0;
  for (std::int64_t y = 0; y < in.height; ++y)
    for (std::int64_t x = 0; x < in.width; ++x)
      if (in(x, y) > best) best = in(x, y);
  return best;
}

/// Adds the bin (histogram_bin) of every value of `magnitude` to `histogram`.
template <class T>
void histogram_reference(View<const T> magnitude, T scale, Histogram& histogram) {
  for (std::int64_t y = 0; y < magnitude.height; ++y)
    for (std::int64_t x = 0; x < magnitude.width; ++x)
      if (const int b = histogram_bin(magnitude(x, y), scale); b >= 0)
        ++histogram[static_cast<std::size_t>(b)];
}

/// 1 where the value's bin is at most `threshold` (background, no edge), else 0.
template <class T>
void background_mask_reference(View<const T> magnitude, T scale, int threshold,
                               View<std::uint8_t> mask) {
  for (std::int64_t y = 0; y < mask.height; ++y)
    for (std::int64_t x = 0; x < mask.width; ++x) {
      const int b = histogram_bin(magnitude(x, y), scale);
      mask(x, y) = b >= 0 && b <= threshold ? 1 : 0;
    }
}

/// Binary erosion 3x3: the minimum of the 9 neighbours. `in` = `out` + 1 on every side.
void erode3x3_reference(View<const std::uint8_t> in, View<std::uint8_t> out);
/// Binary dilation 3x3: the maximum of the 9 neighbours.
void dilate3x3_reference(View<const std::uint8_t> in, View<std::uint8_t> out);
/// Pixels that are not 0.
std::int64_t count_nonzero_reference(View<const std::uint8_t> in);

}  // namespace nsperf::kernels
