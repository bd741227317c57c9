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

/// How long ago this process, and the launcher that started it, began (Linux /proc; the
/// kernel's start times have clock-tick resolution, 10 ms here).
struct LaunchClock {
  double since_process_s = 0;  ///< seconds since this process was started
  /// Seconds since the parent process was started when it is an MPI or SLURM launcher
  /// (mpirun, mpiexec, orterun, prterun, orted, prted, hydra_pmi_proxy, slurmstepd); else
  /// the same as since_process_s.
  double since_launch_s = 0;
  std::string launcher;  ///< the launcher's name, or "" when the parent is none of those
};

/// Measured now. Zeros where /proc cannot be read.
LaunchClock launch_clock();

/// The current UTC time as ISO 8601 with seconds, e.g. "2026-11-24T09:41:07Z".
std::string utc_timestamp();

}  // namespace nsperf::core
