// CPU strategy "scalar", the baseline: the code a careful programmer writes first. One thread,
// float32, plain loops, the Gaussian as two passes through a whole intermediate plane. CMake
// compiles this file with -fno-tree-vectorize, so the baseline really is scalar and every
// speedup measured against it includes what vectorization brings.
//
// The template for a new CPU strategy: a class deriving from CpuStrategy (here through
// PlainCpu, which implements every kernel), made from CpuOptions, registered in one line with
// its name, description, whether it is the baseline, and the lowest optimization_level that
// runs it by default.
#include "rows_plain.hpp"

namespace nsperf::kernels {
namespace {

class ScalarStrategy final : public PlainCpu {
 public:
  static constexpr bool kThreaded = false;  // one thread by definition
  explicit ScalarStrategy(const CpuOptions& /*one thread by definition*/) : PlainCpu(1) {}
};

}  // namespace

NSPERF_REGISTER_CPU_STRATEGY(ScalarStrategy, "scalar",
                             "one thread, float32, plain loops, not vectorized (baseline)",
                             /*baseline=*/true, conservative)

}  // namespace nsperf::kernels
