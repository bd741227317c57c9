// CPU strategy "simd": one thread, every loop written for the compiler to vectorize (unit
// stride, no aliasing, `omp simd`; the Gaussian still as two passes through a whole
// intermediate plane). Its speedup is what vectorization alone brings. Which instructions it
// uses is the build's: `nsperf info` and every run's simd_isa attribute say.
#include "rows_simd.hpp"

namespace nsperf::kernels {
namespace {

class SimdStrategy final : public SimdCpu {
 public:
  static constexpr bool kThreaded = false;  // one thread by definition
  explicit SimdStrategy(const CpuOptions& /*one thread by definition*/)
      : SimdCpu(1, /*row_fused_gaussian=*/false) {}
};

}  // namespace

NSPERF_REGISTER_CPU_STRATEGY(SimdStrategy, "simd", "one thread, vectorized loops (float32)",
                             /*baseline=*/false, balanced)

}  // namespace nsperf::kernels
