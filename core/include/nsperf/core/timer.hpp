#pragma once
/// \file Wall-clock timing (steady clock) and timestamps.

#include <chrono>
#include <string>

namespace nsperf::core {

/// Measures elapsed wall time on the steady clock from construction or the last restart().
class Stopwatch {
 public:
  Stopwatch() noexcept : start_(Clock::now()) {}
  void restart() noexcept { start_ = Clock::now(); }
  /// Seconds since construction or the last restart().
  [[nodiscard]] double elapsed_s() const noexcept {
    return std::chrono::duration<double>(Clock::now() - start_).count();
  }

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_;
};

/// The current UTC time as ISO 8601 with seconds, e.g. "2026-11-24T09:41:07Z".
std::string utc_timestamp();

}  // namespace nsperf::core
