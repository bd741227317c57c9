#include "nsperf/core/schedule.hpp"

#include <numeric>
#include <utility>

namespace nsperf::core {
namespace {

std::uint64_t splitmix(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::vector<Step> measurement_schedule(int strategies, int warmup, int repetitions,
                                       std::uint64_t seed) {
  std::vector<Step> steps;
  if (strategies <= 0) return steps;
  for (int w = 0; w < warmup; ++w) {
    for (int s = 0; s < strategies; ++s) steps.push_back({s, -1});
  }
  std::uint64_t state = seed;
  std::vector<int> order(static_cast<std::size_t>(strategies));
  for (int r = 0; r < repetitions; ++r) {
    std::iota(order.begin(), order.end(), 0);
    // Fisher-Yates with our own generator: std::shuffle's use of the engine is unspecified.
    for (std::size_t i = order.size() - 1; i > 0; --i) {
      const std::size_t j = splitmix(state) % (i + 1);
      std::swap(order[i], order[j]);
    }
    for (int s : order) steps.push_back({s, r});
  }
  return steps;
}

}  // namespace nsperf::core
