// CPU strategy "openmp": the baseline's code, unchanged, with each kernel's rows split across
// OpenMP threads. Compiled like the baseline (-fno-tree-vectorize), so its speedup is what
// threads alone bring, and its output is bit for bit the baseline's.
#include "rows_plain.hpp"

namespace nsperf::kernels {
namespace {

class OpenMpStrategy final : public PlainCpu {
 public:
  static constexpr bool kThreaded = true;  // uses CpuOptions::threads
  explicit OpenMpStrategy(const CpuOptions& options) : PlainCpu(options.threads) {}
};

}  // namespace

NSPERF_REGISTER_CPU_STRATEGY(OpenMpStrategy, "openmp",
                             "the baseline's loops, rows split across OpenMP threads",
                             /*baseline=*/false, conservative)

}  // namespace nsperf::kernels
