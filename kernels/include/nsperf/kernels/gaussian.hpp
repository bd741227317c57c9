#pragma once
/// \file Gaussian blur 5x5, sigma 1: the weights and the reference.

#include <array>

#include "nsperf/core/image.hpp"

namespace nsperf::kernels {

/// Pixels of context the 5x5 blur needs on every side.
inline constexpr std::int64_t kGaussianHalo = 2;

/// The 1-D weights exp(-k^2/2) / sum for k = -2..2, as OpenCV's getGaussianKernel(5, 1.0).
const std::array<double, 5>& gaussian5_weights() noexcept;

/// The reference: a plain 25-tap 2-D convolution in double. `in` is `out` plus 2 pixels on
/// every side.
void gaussian5x5_reference(core::View<const double> in, core::View<double> out);

}  // namespace nsperf::kernels
