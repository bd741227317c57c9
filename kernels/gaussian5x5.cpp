// The Gaussian 5x5 kernel: weights, reference, registration. Strategies implement it in
// their own files (cpu_scalar.cpp, cpu_openmp.cpp, …).
#include <cmath>

#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/kernels/gaussian.hpp"

namespace nsperf::kernels {

const std::array<double, 5>& gaussian5_weights() noexcept {
  static const std::array<double, 5> weights = [] {
    std::array<double, 5> w{};
    double sum = 0;
    for (std::size_t i = 0; i < w.size(); ++i) {
      const double k = static_cast<double>(i) - 2.0;
      w[i] = std::exp(-0.5 * k * k);
      sum += w[i];
    }
    for (auto& v : w) v /= sum;
    return w;
  }();
  return weights;
}

void gaussian5x5_reference(core::View<const double> in, core::View<double> out) {
  const auto& w = gaussian5_weights();
  for (std::int64_t y = 0; y < out.height; ++y) {
    for (std::int64_t x = 0; x < out.width; ++x) {
      double sum = 0;
      for (std::int64_t j = 0; j < 5; ++j) {
        for (std::int64_t i = 0; i < 5; ++i) {
          sum += w[static_cast<std::size_t>(j)] * w[static_cast<std::size_t>(i)] * in(x + i, y + j);
        }
      }
      out(x, y) = sum;
    }
  }
}

// float32 keeps ~7 significant digits; a 5x5 blur adds ten rounded terms per pixel, so its
// error stays far below 1e-5 of the input's magnitude.
NSPERF_REGISTER_KERNEL(Gaussian5x5, "gaussian5x5",
                       "Gaussian blur 5x5, sigma 1 (separable), border reflect-101",
                       ::nsperf::kernels::kGaussianHalo, 1e-5,
                       &::nsperf::kernels::gaussian5x5_reference,
                       &::nsperf::kernels::CpuStrategy::gaussian5x5)

}  // namespace nsperf::kernels
