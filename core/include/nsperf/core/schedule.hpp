#pragma once
/// \file The order in which a benchmark runs its strategies.

#include <cstdint>
#include <vector>

namespace nsperf::core {

/// One run of one strategy over a rank's tiles.
struct Step {
  int strategy = 0;     ///< index into the optimizer's strategy list
  int repetition = -1;  ///< 0.. for measured runs, -1 for warm-up
  [[nodiscard]] bool measured() const noexcept { return repetition >= 0; }
};

/// Warm-up rounds, then `repetitions` measured rounds; every round runs each strategy once.
/// Warm-up rounds run in list order; measured rounds in an order shuffled from `seed`, so slow
/// drifts of the machine (clock, temperature, neighbours) spread over all strategies instead of
/// falling on whichever would always run last. Same arguments, same schedule, on every rank.
std::vector<Step> measurement_schedule(int strategies, int warmup, int repetitions,
                                       std::uint64_t seed);

}  // namespace nsperf::core
