#pragma once
// Private to nsperf::kernels: the kernels written plainly, for the `scalar` and `openmp`
// strategies, whose files CMake compiles with -fno-tree-vectorize so they stay scalar.
//
// Everything here has internal linkage on purpose: each including file gets its own copy,
// compiled with that file's flags. (An inline function would be merged by the linker with a
// copy compiled elsewhere with other flags.)

#include <cmath>
#include <vector>

#include "bands.hpp"
#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/kernels/reference.hpp"

namespace nsperf::kernels {
namespace {  // NOLINT(cert-dcl59-cpp,google-build-namespaces): see above

/// Every kernel as plain loops, rows split into `threads_` bands.
class PlainCpu : public CpuStrategy {
 public:
  explicit PlainCpu(int threads) : threads_(std::max(1, threads)) {}

  void gaussian5x5(View<const float> in, View<float> out) override {
    // Textbook separable: a horizontal pass over the input rows a band needs into a whole
    // intermediate plane, then the vertical pass.
    float w[5];
    for (int k = 0; k < 5; ++k)
      w[k] = static_cast<float>(gaussian5_weights()[static_cast<std::size_t>(k)]);
    detail::for_bands(threads_, out.height, [&](std::int64_t y0, std::int64_t y1, int) {
      std::vector<float> tmp(static_cast<std::size_t>((y1 - y0 + 4) * out.width));
      for (std::int64_t y = y0; y < y1 + 4; ++y) {
        const float* src = in.row(y);
        float* dst = tmp.data() + (y - y0) * out.width;
        for (std::int64_t x = 0; x < out.width; ++x) {
          float sum = 0;
          for (int k = 0; k < 5; ++k) sum += w[k] * src[x + k];
          dst[x] = sum;
        }
      }
      for (std::int64_t y = y0; y < y1; ++y) {
        float* dst = out.row(y);
        for (std::int64_t x = 0; x < out.width; ++x) {
          float sum = 0;
          for (int k = 0; k < 5; ++k)
            sum += w[k] * tmp[static_cast<std::size_t>((y - y0 + k) * out.width + x)];
          dst[x] = sum;
        }
      }
    });
  }

  void sobel_magnitude(View<const float> in, View<float> out) override {
    detail::for_bands(threads_, out.height, [&](std::int64_t y0, std::int64_t y1, int) {
      for (std::int64_t y = y0; y < y1; ++y) {
        for (std::int64_t x = 0; x < out.width; ++x) {
          const float gx = (in(x + 2, y) - in(x, y)) + 2.0f * (in(x + 2, y + 1) - in(x, y + 1)) +
                           (in(x + 2, y + 2) - in(x, y + 2));
          const float gy = (in(x, y + 2) + 2.0f * in(x + 1, y + 2) + in(x + 2, y + 2)) -
                           (in(x, y) + 2.0f * in(x + 1, y) + in(x + 2, y));
          out(x, y) = std::sqrt(gx * gx + gy * gy);
        }
      }
    });
  }

  float maximum(View<const float> in) override {
    std::vector<float> best(static_cast<std::size_t>(threads_), 0.0f);
    detail::for_bands(threads_, in.height, [&](std::int64_t y0, std::int64_t y1, int t) {
      float m = 0;
      for (std::int64_t y = y0; y < y1; ++y)
        for (std::int64_t x = 0; x < in.width; ++x)
          if (in(x, y) > m) m = in(x, y);
      best[static_cast<std::size_t>(t)] = m;
    });
    return *std::max_element(best.begin(), best.end());
  }

  void histogram(View<const float> magnitude, float scale, Histogram& histogram) override {
    std::vector<Histogram> part(static_cast<std::size_t>(threads_), Histogram{});
    detail::for_bands(threads_, magnitude.height, [&](std::int64_t y0, std::int64_t y1, int t) {
      auto& h = part[static_cast<std::size_t>(t)];
      for (std::int64_t y = y0; y < y1; ++y)
        for (std::int64_t x = 0; x < magnitude.width; ++x)
          if (const int b = histogram_bin(magnitude(x, y), scale); b >= 0)
            ++h[static_cast<std::size_t>(b)];
    });
    for (const auto& h : part)
      for (std::size_t b = 0; b < h.size(); ++b) histogram[b] += h[b];
  }

  void background_mask(View<const float> magnitude, float scale, int threshold,
                       View<std::uint8_t> mask) override {
    detail::for_bands(threads_, mask.height, [&](std::int64_t y0, std::int64_t y1, int) {
      for (std::int64_t y = y0; y < y1; ++y)
        for (std::int64_t x = 0; x < mask.width; ++x) {
          const int b = histogram_bin(magnitude(x, y), scale);
          mask(x, y) = b >= 0 && b <= threshold ? 1 : 0;
        }
    });
  }

  void erode3x3(View<const std::uint8_t> in, View<std::uint8_t> out) override {
    morphology(in, out, [](std::uint8_t a, std::uint8_t b) { return a < b ? a : b; });
  }

  void dilate3x3(View<const std::uint8_t> in, View<std::uint8_t> out) override {
    morphology(in, out, [](std::uint8_t a, std::uint8_t b) { return a > b ? a : b; });
  }

  std::int64_t count_nonzero(View<const std::uint8_t> in) override {
    std::vector<std::int64_t> part(static_cast<std::size_t>(threads_), 0);
    detail::for_bands(threads_, in.height, [&](std::int64_t y0, std::int64_t y1, int t) {
      std::int64_t n = 0;
      for (std::int64_t y = y0; y < y1; ++y)
        for (std::int64_t x = 0; x < in.width; ++x) n += in(x, y) != 0 ? 1 : 0;
      part[static_cast<std::size_t>(t)] = n;
    });
    std::int64_t n = 0;
    for (auto p : part) n += p;
    return n;
  }

 private:
  template <class Pick>
  void morphology(View<const std::uint8_t> in, View<std::uint8_t> out, Pick pick) {
    detail::for_bands(threads_, out.height, [&](std::int64_t y0, std::int64_t y1, int) {
      for (std::int64_t y = y0; y < y1; ++y)
        for (std::int64_t x = 0; x < out.width; ++x) {
          std::uint8_t v = in(x, y);
          for (std::int64_t j = 0; j < 3; ++j)
            for (std::int64_t i = 0; i < 3; ++i) v = pick(v, in(x + i, y + j));
          out(x, y) = v;
        }
    });
  }

  int threads_;
};

}  // namespace
}  // namespace nsperf::kernels
