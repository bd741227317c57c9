#pragma once
/// \file What the kernels run on: the vector ISA they were compiled for, OpenMP settings, and
/// the measured memory-bandwidth ceiling.

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

/// Measures memory bandwidth with `threads` OpenMP threads (0 = default) over arrays of
/// `array_mib` MiB each, after one untimed pass that touches all pages.
Bandwidth measure_triad_bandwidth(int threads, double array_mib = 128, int repetitions = 7);

}  // namespace nsperf::kernels
