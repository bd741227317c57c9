#include "nsperf/kernels/cpu_strategy.hpp"

#include <algorithm>

namespace nsperf::kernels {

core::Registry<CpuStrategyEntry>& cpu_strategies() {
  static core::Registry<CpuStrategyEntry> registry;
  return registry;
}

core::Registry<KernelInfo>& kernel_registry() {
  static core::Registry<KernelInfo> registry;
  return registry;
}

std::vector<const KernelInfo*> kernels_in_pipeline_order() {
  std::vector<const KernelInfo*> out;
  for (const auto& k : kernel_registry().entries()) out.push_back(&k);
  std::stable_sort(out.begin(), out.end(), [](const KernelInfo* a, const KernelInfo* b) {
    return a->position < b->position;
  });
  return out;
}

namespace detail {

bool register_kernel(KernelInfo info) {
  kernel_registry().add(std::move(info));
  return true;
}

}  // namespace detail
}  // namespace nsperf::kernels
