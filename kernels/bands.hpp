#pragma once
// Private to nsperf::kernels: splitting an output's rows into one contiguous band per thread.
#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace nsperf::kernels::detail {

/// Runs fn(y0, y1, thread) over `threads` contiguous bands covering rows [0, height). Bands are
/// contiguous so each thread streams through memory and reuses the rows its neighbours' rows
/// share; one thread runs inline, with no parallel region at all.
template <class Fn>
void for_bands(int threads, std::int64_t height, Fn&& fn) {
  const auto n =
      static_cast<int>(std::clamp<std::int64_t>(threads, 1, std::max<std::int64_t>(1, height)));
  if (n == 1) {
    fn(std::int64_t{0}, height, 0);
    return;
  }
#pragma omp parallel num_threads(n)
  {
    const int i = omp_get_thread_num();
    const int count = omp_get_num_threads();
    fn(height * i / count, height * (i + 1) / count, i);
  }
}

}  // namespace nsperf::kernels::detail
