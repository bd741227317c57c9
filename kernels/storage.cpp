#include "nsperf/kernels/storage.hpp"

#include <vector>

#include "rows_simd.hpp"

namespace nsperf::kernels {

void gaussian5x5_u16(core::View<const std::uint16_t> in, core::View<std::uint16_t> out,
                     int threads) {
  const rows::GaussianWeights g;
  detail::for_bands(threads, out.height, [&](std::int64_t y0, std::int64_t y1, int) {
    // Row-blocked like "blocked": the vertical pass converts five 16-bit rows into one float
    // row in L1, the horizontal pass rounds back to 16 bits.
    std::vector<float> column(static_cast<std::size_t>(in.width));
    float* __restrict col = column.data();
    for (std::int64_t y = y0; y < y1; ++y) {
      const std::uint16_t* __restrict r0 = in.row(y);
      const std::uint16_t* __restrict r1 = in.row(y + 1);
      const std::uint16_t* __restrict r2 = in.row(y + 2);
      const std::uint16_t* __restrict r3 = in.row(y + 3);
      const std::uint16_t* __restrict r4 = in.row(y + 4);
#pragma omp simd
      for (std::int64_t x = 0; x < in.width; ++x) {
        col[x] = g.w0 * (static_cast<float>(r0[x]) + static_cast<float>(r4[x])) +
                 g.w1 * (static_cast<float>(r1[x]) + static_cast<float>(r3[x])) +
                 g.w2 * static_cast<float>(r2[x]);
      }
      std::uint16_t* __restrict dst = out.row(y);
#pragma omp simd
      for (std::int64_t x = 0; x < out.width; ++x) {
        const float v =
            g.w0 * (col[x] + col[x + 4]) + g.w1 * (col[x + 1] + col[x + 3]) + g.w2 * col[x + 2];
        // The weights sum to 1, so v stays within [0, 65535] up to rounding; +0.5 and
        // truncation round to nearest without a library call.
        const float r = v + 0.5f;
        dst[x] = static_cast<std::uint16_t>(r < 65535.0f ? r : 65535.0f);
      }
    }
  });
}

}  // namespace nsperf::kernels
