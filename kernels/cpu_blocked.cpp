// CPU strategy "blocked": vectorized loops on OpenMP threads, and the separable Gaussian
// cache-blocked by rows: for each output row the vertical pass goes into a one-row buffer and
// the horizontal pass reads it back while it is still in L1, instead of a whole intermediate
// plane making a round trip through memory.
#include "rows_simd.hpp"

namespace nsperf::kernels {
namespace {

class BlockedStrategy final : public SimdCpu {
 public:
  static constexpr bool kThreaded = true;  // uses CpuOptions::threads
  explicit BlockedStrategy(const CpuOptions& options)
      : SimdCpu(options.threads, /*row_fused_gaussian=*/true) {}
};

}  // namespace

NSPERF_REGISTER_CPU_STRATEGY(BlockedStrategy, "blocked",
                             "vectorized, OpenMP threads, Gaussian passes blocked by rows in L1",
                             /*baseline=*/false, balanced)

}  // namespace nsperf::kernels
