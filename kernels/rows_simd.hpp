#pragma once
// Private to nsperf::kernels: the kernels as loops the compiler vectorizes (unit stride, no
// aliasing, `omp simd`), for the `simd`, `blocked` and `fused` strategies. Row functions compute
// one output row, so the fused strategy can stream them; SimdCpu chains them over bands of rows.
//
// Internal linkage on purpose, as in rows_plain.hpp: each including file gets its own copy.

#include <cmath>
#include <cstring>
#include <vector>

#include "bands.hpp"
#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/kernels/reference.hpp"

namespace nsperf::kernels {
namespace {  // NOLINT(cert-dcl59-cpp,google-build-namespaces): see above
namespace rows {

struct GaussianWeights {
  // Symmetric: w0 = w4, w1 = w3, so a 5-tap pass is 3 multiplies and 4 adds.
  float w0 = static_cast<float>(gaussian5_weights()[0]);
  float w1 = static_cast<float>(gaussian5_weights()[1]);
  float w2 = static_cast<float>(gaussian5_weights()[2]);
};

/// 5-tap vertical pass: dst[x] over n values from rows r[0..4].
inline void gaussian_vertical(const float* const* r, float* __restrict dst, std::int64_t n,
                              const GaussianWeights& g) {
  const float* __restrict r0 = r[0];
  const float* __restrict r1 = r[1];
  const float* __restrict r2 = r[2];
  const float* __restrict r3 = r[3];
  const float* __restrict r4 = r[4];
#pragma omp simd
  for (std::int64_t x = 0; x < n; ++x)
    dst[x] = g.w0 * (r0[x] + r4[x]) + g.w1 * (r1[x] + r3[x]) + g.w2 * r2[x];
}

/// Asks for the next row the stencil will need while this one computes: the hardware prefetcher
/// loses track of one new row among five it reads (measured: 44 -> 37 ms for 8192^2 at one thread).
template <class T>
inline void prefetch_row(const T* row, std::int64_t n) {
  constexpr std::int64_t kLine = 64 / static_cast<std::int64_t>(sizeof(T));
  for (std::int64_t x = 0; x < n; x += kLine) __builtin_prefetch(row + x, 0, 3);
}

/// 5-tap horizontal pass: dst[x] from src[x .. x+4], n outputs.
inline void gaussian_horizontal(const float* __restrict src, float* __restrict dst, std::int64_t n,
                                const GaussianWeights& g) {
#pragma omp simd
  for (std::int64_t x = 0; x < n; ++x) {
    dst[x] = g.w0 * (src[x] + src[x + 4]) + g.w1 * (src[x + 1] + src[x + 3]) + g.w2 * src[x + 2];
  }
}

/// Sobel magnitude of one row from three input rows, n outputs.
inline void sobel(const float* __restrict r0, const float* __restrict r1,
                  const float* __restrict r2, float* __restrict dst, std::int64_t n) {
#pragma omp simd
  for (std::int64_t x = 0; x < n; ++x) {
    const float gx = (r0[x + 2] - r0[x]) + 2.0f * (r1[x + 2] - r1[x]) + (r2[x + 2] - r2[x]);
    const float gy =
        (r2[x] + 2.0f * r2[x + 1] + r2[x + 2]) - (r0[x] + 2.0f * r0[x + 1] + r0[x + 2]);
    dst[x] = std::sqrt(gx * gx + gy * gy);
  }
}

/// Largest of n values and `best`, ignoring NaN. Sixteen lanes, so the compiler keeps the
/// exact comparison (NaN is never larger) while using vector max instructions.
inline float maximum(const float* __restrict src, std::int64_t n, float best) {
  constexpr int kLanes = 16;
  float lane[kLanes];
  for (float& l : lane) l = best;
  std::int64_t x = 0;
  for (; x + kLanes <= n; x += kLanes) {
#pragma omp simd
    for (int k = 0; k < kLanes; ++k) lane[k] = src[x + k] > lane[k] ? src[x + k] : lane[k];
  }
  for (; x < n; ++x) best = src[x] > best ? src[x] : best;
  for (float l : lane) best = l > best ? l : best;
  return best;
}

/// Bins of n magnitudes as bytes, vectorized. Values without a bin (NaN, negative) are put in
/// bin 255 too; the return value counts them, for the caller to take back out.
inline std::int64_t byte_bins(const float* __restrict src, float scale,
                              std::uint8_t* __restrict dst, std::int64_t n) {
  std::int64_t invalid = 0;
  for (std::int64_t x = 0; x < n; ++x) {
    const float b = src[x] * scale;
    const bool valid = b >= 0.0f;                               // false for NaN
    const float clamped = (valid & (b < 255.0f)) ? b : 255.0f;  // `&`: see mask()
    dst[x] = static_cast<std::uint8_t>(static_cast<std::int32_t>(clamped));
    invalid += valid ? 0 : 1;
  }
  return invalid;
}

/// Adds n byte bins to eight interleaved sub-histograms: runs of equal bins (most of an image
/// is background) then update eight counters instead of waiting on one store after another.
inline void count_bins(const std::uint8_t* __restrict bin, std::int64_t n,
                       std::uint32_t (*sub)[kHistogramBins]) {
  std::int64_t x = 0;
  for (; x + 8 <= n; x += 8) {
    ++sub[0][bin[x]];
    ++sub[1][bin[x + 1]];
    ++sub[2][bin[x + 2]];
    ++sub[3][bin[x + 3]];
    ++sub[4][bin[x + 4]];
    ++sub[5][bin[x + 5]];
    ++sub[6][bin[x + 6]];
    ++sub[7][bin[x + 7]];
  }
  for (; x < n; ++x) ++sub[0][bin[x]];
}

/// The largest float whose bin is at most `threshold` (the mask's limit: bin(b) <= t exactly when
/// 0 <= b <= limit), so the mask is one comparison per value instead of a bin computation.
inline float mask_limit(int threshold) {
  return threshold >= kHistogramBins - 1 ? INFINITY
                                         : std::nextafter(static_cast<float>(threshold + 1), 0.0f);
}

/// 1 where the value's bin is in [0, threshold]; `limit` = mask_limit(threshold).
inline void mask(const float* __restrict src, float scale, float limit,
                 std::uint8_t* __restrict dst, std::int64_t n) {
  for (std::int64_t x = 0; x < n; ++x) {
    const float b = src[x] * scale;
    // `&`, not `&&`: both comparisons become one vector mask (with `&&` GCC emits branches,
    // three times slower here).
    dst[x] = static_cast<std::uint8_t>((b >= 0.0f) & (b <= limit));
  }
}

/// 3x3 minimum (Min = true) or maximum of one row from three rows, n outputs: the vertical pass
/// into `column` (n + 2 values), then the horizontal one.
template <bool Min>
inline void morphology(const std::uint8_t* __restrict r0, const std::uint8_t* __restrict r1,
                       const std::uint8_t* __restrict r2, std::uint8_t* __restrict column,
                       std::uint8_t* __restrict dst, std::int64_t n) {
#pragma omp simd
  for (std::int64_t x = 0; x < n + 2; ++x) {
    const std::uint8_t a = Min ? (r0[x] < r1[x] ? r0[x] : r1[x]) : (r0[x] > r1[x] ? r0[x] : r1[x]);
    column[x] = Min ? (a < r2[x] ? a : r2[x]) : (a > r2[x] ? a : r2[x]);
  }
#pragma omp simd
  for (std::int64_t x = 0; x < n; ++x) {
    const std::uint8_t a = Min ? (column[x] < column[x + 1] ? column[x] : column[x + 1])
                               : (column[x] > column[x + 1] ? column[x] : column[x + 1]);
    dst[x] =
        Min ? (a < column[x + 2] ? a : column[x + 2]) : (a > column[x + 2] ? a : column[x + 2]);
  }
}

/// Values that are not 0.
inline std::int64_t count(const std::uint8_t* __restrict src, std::int64_t n) {
  std::int64_t total = 0;
#pragma omp simd reduction(+ : total)
  for (std::int64_t x = 0; x < n; ++x) total += src[x] != 0 ? 1 : 0;
  return total;
}

}  // namespace rows

/// Every kernel vectorized, rows split into `threads` bands. `row_fused_gaussian` chooses the
/// Gaussian's loop structure: false = two passes through a whole intermediate plane per band
/// (the textbook), true = per output row the vertical pass into a one-row buffer, then the
/// horizontal pass, so the intermediate never leaves L1 (cache blocking by rows).
class SimdCpu : public CpuStrategy {
 public:
  SimdCpu(int threads, bool row_fused_gaussian)
      : threads_(std::max(1, threads)), row_fused_(row_fused_gaussian) {}

  void gaussian5x5(View<const float> in, View<float> out) override {
    const rows::GaussianWeights g;
    detail::for_bands(threads_, out.height, [&](std::int64_t y0, std::int64_t y1, int) {
      if (row_fused_) {
        std::vector<float> column(static_cast<std::size_t>(in.width));
        for (std::int64_t y = y0; y < y1; ++y) {
          if (y + 5 < in.height) rows::prefetch_row(in.row(y + 5), in.width);
          const float* r[5] = {in.row(y), in.row(y + 1), in.row(y + 2), in.row(y + 3),
                               in.row(y + 4)};
          rows::gaussian_vertical(r, column.data(), in.width, g);
          rows::gaussian_horizontal(column.data(), out.row(y), out.width, g);
        }
        return;
      }
      std::vector<float> tmp(static_cast<std::size_t>((y1 - y0 + 4) * out.width));
      for (std::int64_t y = y0; y < y1 + 4; ++y) {
        rows::gaussian_horizontal(in.row(y), tmp.data() + (y - y0) * out.width, out.width, g);
      }
      for (std::int64_t y = y0; y < y1; ++y) {
        const float* t = tmp.data() + (y - y0) * out.width;
        const float* r[5] = {t, t + out.width, t + 2 * out.width, t + 3 * out.width,
                             t + 4 * out.width};
        rows::gaussian_vertical(r, out.row(y), out.width, g);
      }
    });
  }

  void sobel_magnitude(View<const float> in, View<float> out) override {
    detail::for_bands(threads_, out.height, [&](std::int64_t y0, std::int64_t y1, int) {
      for (std::int64_t y = y0; y < y1; ++y)
        rows::sobel(in.row(y), in.row(y + 1), in.row(y + 2), out.row(y), out.width);
    });
  }

  float maximum(View<const float> in) override {
    std::vector<float> best(static_cast<std::size_t>(threads_), 0.0f);
    detail::for_bands(threads_, in.height, [&](std::int64_t y0, std::int64_t y1, int t) {
      float m = 0;
      for (std::int64_t y = y0; y < y1; ++y) m = rows::maximum(in.row(y), in.width, m);
      best[static_cast<std::size_t>(t)] = m;
    });
    float m = 0;
    for (float b : best) m = b > m ? b : m;
    return m;
  }

  void histogram(View<const float> magnitude, float scale, Histogram& histogram) override {
    // 32-bit sub-counters are folded into the 64-bit histogram every band of at most 2^31
    // values, so they cannot overflow.
    constexpr std::int64_t kFold = std::int64_t{1} << 31;
    std::vector<Histogram> part(static_cast<std::size_t>(threads_), Histogram{});
    detail::for_bands(threads_, magnitude.height, [&](std::int64_t y0, std::int64_t y1, int t) {
      std::uint32_t sub[8][kHistogramBins] = {};
      std::vector<std::uint8_t> bin(static_cast<std::size_t>(magnitude.width));
      auto& mine = part[static_cast<std::size_t>(t)];
      auto fold = [&] {
        for (auto& s : sub)
          for (int b = 0; b < kHistogramBins; ++b) {
            mine[static_cast<std::size_t>(b)] += s[b];
            s[b] = 0;
          }
      };
      std::int64_t invalid = 0;
      std::int64_t pending = 0;
      for (std::int64_t y = y0; y < y1; ++y) {
        if (pending + magnitude.width > kFold) {
          fold();
          pending = 0;
        }
        invalid += rows::byte_bins(magnitude.row(y), scale, bin.data(), magnitude.width);
        rows::count_bins(bin.data(), magnitude.width, sub);
        pending += magnitude.width;
      }
      fold();
      mine[kHistogramBins - 1] -= static_cast<std::uint64_t>(invalid);
    });
    for (const auto& p : part)
      for (std::size_t b = 0; b < p.size(); ++b) histogram[b] += p[b];
  }

  void background_mask(View<const float> magnitude, float scale, int threshold,
                       View<std::uint8_t> mask) override {
    const float limit = rows::mask_limit(threshold);
    detail::for_bands(threads_, mask.height, [&](std::int64_t y0, std::int64_t y1, int) {
      for (std::int64_t y = y0; y < y1; ++y)
        rows::mask(magnitude.row(y), scale, limit, mask.row(y), mask.width);
    });
  }

  void erode3x3(View<const std::uint8_t> in, View<std::uint8_t> out) override {
    morphology<true>(in, out);
  }
  void dilate3x3(View<const std::uint8_t> in, View<std::uint8_t> out) override {
    morphology<false>(in, out);
  }

  std::int64_t count_nonzero(View<const std::uint8_t> in) override {
    std::vector<std::int64_t> part(static_cast<std::size_t>(threads_), 0);
    detail::for_bands(threads_, in.height, [&](std::int64_t y0, std::int64_t y1, int t) {
      std::int64_t n = 0;
      for (std::int64_t y = y0; y < y1; ++y) n += rows::count(in.row(y), in.width);
      part[static_cast<std::size_t>(t)] = n;
    });
    std::int64_t n = 0;
    for (auto p : part) n += p;
    return n;
  }

 protected:
  [[nodiscard]] int threads() const noexcept { return threads_; }

 private:
  template <bool Min>
  void morphology(View<const std::uint8_t> in, View<std::uint8_t> out) {
    detail::for_bands(threads_, out.height, [&](std::int64_t y0, std::int64_t y1, int) {
      std::vector<std::uint8_t> column(static_cast<std::size_t>(in.width));
      for (std::int64_t y = y0; y < y1; ++y) {
        rows::morphology<Min>(in.row(y), in.row(y + 1), in.row(y + 2), column.data(), out.row(y),
                              out.width);
      }
    });
  }

  int threads_;
  bool row_fused_;
};

}  // namespace
}  // namespace nsperf::kernels
