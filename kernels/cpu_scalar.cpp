// CPU strategy "scalar", the baseline: the textbook code a careful programmer writes first.
// One thread, float32, separable passes through a whole intermediate plane. CMake compiles this
// file with -fno-tree-vectorize, so that the baseline really is scalar and every speedup
// measured against it includes what vectorization brings (see kernels/CMakeLists.txt).
//
// This file is the template for a new CPU strategy: derive from CpuStrategy, implement every
// kernel member, register with NSPERF_REGISTER_CPU_STRATEGY.
#include <vector>

#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/kernels/gaussian.hpp"

namespace nsperf::kernels {
namespace {

class ScalarStrategy final : public CpuStrategy {
 public:
  explicit ScalarStrategy(const CpuOptions& /*options: one thread by definition*/) {}

  void gaussian5x5(View<const float> in, View<float> out) override {
    const auto& wd = gaussian5_weights();
    const float w[5] = {static_cast<float>(wd[0]), static_cast<float>(wd[1]),
                        static_cast<float>(wd[2]), static_cast<float>(wd[3]),
                        static_cast<float>(wd[4])};
    // Horizontal pass over every input row (halo rows included), then the vertical pass.
    std::vector<float> tmp(static_cast<std::size_t>(out.width * in.height));
    for (std::int64_t y = 0; y < in.height; ++y) {
      const float* src = in.row(y);
      float* dst = tmp.data() + y * out.width;
      for (std::int64_t x = 0; x < out.width; ++x) {
        float sum = 0;
        for (std::int64_t k = 0; k < 5; ++k) sum += w[k] * src[x + k];
        dst[x] = sum;
      }
    }
    for (std::int64_t y = 0; y < out.height; ++y) {
      float* dst = out.row(y);
      for (std::int64_t x = 0; x < out.width; ++x) {
        float sum = 0;
        for (std::int64_t k = 0; k < 5; ++k)
          sum += w[k] * tmp[static_cast<std::size_t>((y + k) * out.width + x)];
        dst[x] = sum;
      }
    }
  }
};

}  // namespace

NSPERF_REGISTER_CPU_STRATEGY(ScalarStrategy, "scalar",
                             "one thread, float32, separable passes, not vectorized (baseline)",
                             /*baseline=*/true, ::nsperf::core::Level::conservative)

}  // namespace nsperf::kernels
