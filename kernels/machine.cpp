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

Bandwidth measure_triad_bandwidth(int threads, double array_mib, int repetitions) {
  const int t = threads > 0 ? threads : omp_get_max_threads();
  const auto n = static_cast<std::int64_t>(array_mib * 1024 * 1024 / sizeof(double));
  // Plain new[] leaves pages untouched; the first parallel pass touches each page on the
  // thread that will use it (first touch places it), and is not timed: first touch is slow.
  std::unique_ptr<double[]> a(new double[static_cast<std::size_t>(n)]);
  std::unique_ptr<double[]> b(new double[static_cast<std::size_t>(n)]);
  std::unique_ptr<double[]> c(new double[static_cast<std::size_t>(n)]);
  double* __restrict pa = a.get();
  double* __restrict pb = b.get();
  double* __restrict pc = c.get();
#pragma omp parallel for num_threads(t) schedule(static)
  for (std::int64_t i = 0; i < n; ++i) {
    pa[i] = 0.0;
    pb[i] = 1.0;
    pc[i] = 2.0;
  }
  std::vector<double> rates;
  const double bytes = 3.0 * static_cast<double>(n) * sizeof(double);
  for (int r = 0; r < repetitions; ++r) {
    core::Stopwatch clock;
#pragma omp parallel for num_threads(t) schedule(static)
    for (std::int64_t i = 0; i < n; ++i) pa[i] = pb[i] + 3.0 * pc[i];
    rates.push_back(bytes / clock.elapsed_s() / 1e9);
  }
  // Keep the stores observable so the loop is not optimized away.
  volatile double sink = pa[n / 2];
  (void)sink;
  return {*std::max_element(rates.begin(), rates.end()), core::median(rates), t, array_mib};
}

}  // namespace nsperf::kernels
