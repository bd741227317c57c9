// Blurs a small synthetic image with every registered CPU strategy and prints the names, inside
// a profiled region of its own (the installed annotation API), then prints its call tree.
#include <iostream>

#include "nsperf/core/profiler.hpp"
#include "nsperf/core/version.hpp"
#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/kernels/synthetic.hpp"

int main() {
  namespace core = nsperf::core;
  const auto img = nsperf::kernels::make_synthetic({{64, 64}, core::DType::u8}, 1);
  const auto in = core::to_plane<float>(core::extract_padded(img, 0, 0, 64, 64, 2));
  core::Plane<float> out({64, 64});
  for (const auto& s : nsperf::kernels::cpu_strategies().entries()) {
    NSPERF_REGION("blur");
    {
      NSPERF_REGION(s.name);
      s.make({1})->gaussian5x5(in.view(), out.view());
    }
    std::cout << s.name << "\n";
  }
  for (const auto& r : core::thread_regions().records())
    std::cout << "region " << r.path << " calls " << r.calls << "\n";
  std::cout << "nsperf " << core::version() << "\n";
}
