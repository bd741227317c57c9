// CPU strategy "openmp": float32, rows split across OpenMP threads, inner loops written so the
// compiler vectorizes them (unit stride, no aliasing, `omp simd`). For each output row the
// vertical 5-tap pass runs first into a one-row buffer per thread, then the horizontal pass,
// so the intermediate stays in L1 and memory sees one read of the input and one write of the
// output. The five input rows an output row needs are mostly the previous row's, still in cache.
#include <omp.h>

#include <vector>

#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/kernels/gaussian.hpp"

namespace nsperf::kernels {
namespace {

class OpenMpStrategy final : public CpuStrategy {
 public:
  explicit OpenMpStrategy(const CpuOptions& options) : threads_(options.threads) {}

  void gaussian5x5(View<const float> in, View<float> out) override {
    const auto& wd = gaussian5_weights();
    // The weights are symmetric: w0 = w4, w1 = w3, so each pass is 3 multiplies and 4 adds.
    const auto w0 = static_cast<float>(wd[0]);
    const auto w1 = static_cast<float>(wd[1]);
    const auto w2 = static_cast<float>(wd[2]);
    const int threads = threads_ > 0 ? threads_ : omp_get_max_threads();
#pragma omp parallel num_threads(threads)
    {
      std::vector<float> column(static_cast<std::size_t>(in.width));
      float* __restrict col = column.data();
#pragma omp for schedule(static)
      for (std::int64_t y = 0; y < out.height; ++y) {
        const float* __restrict r0 = in.row(y);
        const float* __restrict r1 = in.row(y + 1);
        const float* __restrict r2 = in.row(y + 2);
        const float* __restrict r3 = in.row(y + 3);
        const float* __restrict r4 = in.row(y + 4);
#pragma omp simd
        for (std::int64_t x = 0; x < in.width; ++x) {
          col[x] = w0 * (r0[x] + r4[x]) + w1 * (r1[x] + r3[x]) + w2 * r2[x];
        }
        float* __restrict dst = out.row(y);
#pragma omp simd
        for (std::int64_t x = 0; x < out.width; ++x) {
          dst[x] = w0 * (col[x] + col[x + 4]) + w1 * (col[x + 1] + col[x + 3]) + w2 * col[x + 2];
        }
      }
    }
  }

 private:
  int threads_;
};

}  // namespace

NSPERF_REGISTER_CPU_STRATEGY(OpenMpStrategy, "openmp",
                             "float32, rows across OpenMP threads, vectorized inner loops, "
                             "row-fused separable passes",
                             /*baseline=*/false, ::nsperf::core::Level::balanced)

}  // namespace nsperf::kernels
