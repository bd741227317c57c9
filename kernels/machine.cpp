#include "nsperf/kernels/machine.hpp"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <vector>

#include "nsperf/core/statistics.hpp"
#include "nsperf/core/timer.hpp"

namespace nsperf::kernels {

std::string compiled_simd_isa() {
  std::string isa;
  auto add = [&isa](const char* name) { isa += isa.empty() ? name : std::string(" ") + name; };
#if defined(__AVX512F__)
  add("AVX-512F");
#endif
#if defined(__AVX512BW__)
  add("AVX-512BW");
#endif
#if defined(__AVX2__)
  add("AVX2");
#endif
#if defined(__FMA__)
  add("FMA");
#endif
#if defined(__AVX__) && !defined(__AVX2__)
  add("AVX");
#endif
#if defined(__SSE4_2__) && !defined(__AVX__)
  add("SSE4.2");
#endif
#if defined(__SSE2__) && !defined(__SSE4_2__)
  add("SSE2");
#endif
#if defined(__ARM_NEON)
  add("NEON");
#endif
#if defined(__ARM_FEATURE_SVE)
  add("SVE");
#endif
  return isa.empty() ? "none" : isa;
}

int openmp_max_threads() { return omp_get_max_threads(); }

std::string openmp_binding() {
  const char* policy = "unknown";
  switch (omp_get_proc_bind()) {
    case omp_proc_bind_false:
      policy = "false";
      break;
    case omp_proc_bind_true:
      policy = "true";
      break;
    case omp_proc_bind_master:
      policy = "master";
      break;
    case omp_proc_bind_close:
      policy = "close";
      break;
    case omp_proc_bind_spread:
      policy = "spread";
      break;
  }
  const char* places = std::getenv("OMP_PLACES");
  return std::string("proc_bind=") + policy + " places=" + (places != nullptr ? places : "unset");
}

Triad::Triad(int threads, double array_mib)
    : threads_(threads > 0 ? threads : omp_get_max_threads()),
      n_(static_cast<std::int64_t>(array_mib * 1024 * 1024 / sizeof(double))),
      a_(new double[static_cast<std::size_t>(n_)]),
      b_(new double[static_cast<std::size_t>(n_)]),
      c_(new double[static_cast<std::size_t>(n_)]) {
  double* __restrict pa = a_;
  double* __restrict pb = b_;
  double* __restrict pc = c_;
  // Plain new[] leaves pages untouched; this parallel pass touches each page on the thread
  // that will use it (first touch places it) and is not timed.
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t i = 0; i < n_; ++i) {
    pa[i] = 0.0;
    pb[i] = 1.0;
    pc[i] = 2.0;
  }
}

Triad::~Triad() {
  delete[] a_;
  delete[] b_;
  delete[] c_;
}

double Triad::run_gbyte_per_s() {
  double* __restrict pa = a_;
  const double* __restrict pb = b_;
  const double* __restrict pc = c_;
  core::Stopwatch clock;
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t i = 0; i < n_; ++i) pa[i] = pb[i] + 3.0 * pc[i];
  const double seconds = clock.elapsed_s();
  // Keep the stores observable so the loop is not optimized away.
  volatile double sink = pa[n_ / 2];
  (void)sink;
  return 3.0 * static_cast<double>(n_) * sizeof(double) / seconds / 1e9;
}

Bandwidth measure_triad_bandwidth(int threads, double array_mib, int repetitions) {
  Triad triad(threads, array_mib);
  std::vector<double> rates;
  for (int r = 0; r < repetitions; ++r) rates.push_back(triad.run_gbyte_per_s());
  return {*std::max_element(rates.begin(), rates.end()), core::median(rates), triad.threads(),
          array_mib};
}

}  // namespace nsperf::kernels
