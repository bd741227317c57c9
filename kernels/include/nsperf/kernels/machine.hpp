#pragma once
/// \file What the kernels run on: the vector ISA they were compiled for, OpenMP settings, and
/// the measured memory-bandwidth ceiling.

#include <cstdint>
#include <string>

namespace nsperf::kernels {

/// Vector instruction sets enabled when the kernels were compiled, e.g. "AVX-512F AVX2 FMA".
std::string compiled_simd_isa();

/// Threads an OpenMP parallel region of this rank uses by default.
int openmp_max_threads();

/// OpenMP binding as the runtime sees it: "proc_bind=<policy> places=<OMP_PLACES or unset>".
std::string openmp_binding();

/// Result of a STREAM-style triad a[i] = b[i] + s * c[i].
struct Bandwidth {
  double best_gbyte_per_s = 0;  ///< fastest repetition, counting 3 arrays of traffic
  double median_gbyte_per_s = 0;
  int threads = 0;
  double array_mib = 0;  ///< size of each of the three arrays
};

/// A STREAM-style triad a[i] = b[i] + 3 c[i] over three arrays, ready to run: construction
/// touches every page on the threads that will use it (first touch is slow and not timed).
class Triad {
 public:
  /// `threads` OpenMP threads (0 = default), arrays of `array_mib` MiB each.
  Triad(int threads, double array_mib);
  Triad(const Triad&) = delete;
  Triad& operator=(const Triad&) = delete;
  ~Triad();
  /// One timed pass; GB/s counting three arrays of traffic, as STREAM does.
  double run_gbyte_per_s();
  [[nodiscard]] int threads() const noexcept { return threads_; }

 private:
  int threads_;
  std::int64_t n_;
  double* a_;
  double* b_;
  double* c_;
};

/// Measures memory bandwidth with `threads` OpenMP threads (0 = default) over arrays of
/// `array_mib` MiB each: the best and median of `repetitions` passes.
Bandwidth measure_triad_bandwidth(int threads, double array_mib = 128, int repetitions = 7);

}  // namespace nsperf::kernels
