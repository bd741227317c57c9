// The reference kernels: plain loops in double precision, written to be read, not to be fast.
#include "nsperf/kernels/reference.hpp"

#include <cmath>

namespace nsperf::kernels {

const std::array<double, 5>& gaussian5_weights() noexcept {
  static const std::array<double, 5> weights = [] {
    std::array<double, 5> w{};
    double sum = 0;
    for (std::size_t i = 0; i < w.size(); ++i) {
      const double k = static_cast<double>(i) - 2.0;
      w[i] = std::exp(-0.5 * k * k);
      sum += w[i];
    }
    for (auto& v : w) v /= sum;
    return w;
  }();
  return weights;
}

void gaussian5x5_reference(View<const double> in, View<double> out) {
  const auto& w = gaussian5_weights();
  for (std::int64_t y = 0; y < out.height; ++y) {
    for (std::int64_t x = 0; x < out.width; ++x) {
      double sum = 0;
      for (std::int64_t j = 0; j < 5; ++j) {
        for (std::int64_t i = 0; i < 5; ++i) {
          sum += w[static_cast<std::size_t>(j)] * w[static_cast<std::size_t>(i)] * in(x + i, y + j);
        }
      }
      out(x, y) = sum;
    }
  }
}

void sobel_magnitude_reference(View<const double> in, View<double> out) {
  // OpenCV's Sobel 3x3: derivative [-1 0 1] along the axis, smoothing [1 2 1] across it.
  static constexpr double kDx[3][3] = {{-1, 0, 1}, {-2, 0, 2}, {-1, 0, 1}};
  static constexpr double kDy[3][3] = {{-1, -2, -1}, {0, 0, 0}, {1, 2, 1}};
  for (std::int64_t y = 0; y < out.height; ++y) {
    for (std::int64_t x = 0; x < out.width; ++x) {
      double gx = 0;
      double gy = 0;
      for (std::int64_t j = 0; j < 3; ++j) {
        for (std::int64_t i = 0; i < 3; ++i) {
          gx += kDx[j][i] * in(x + i, y + j);
          gy += kDy[j][i] * in(x + i, y + j);
        }
      }
      out(x, y) = std::sqrt(gx * gx + gy * gy);
    }
  }
}

namespace {

template <class Pick>
void morphology3x3(View<const std::uint8_t> in, View<std::uint8_t> out, Pick pick) {
  for (std::int64_t y = 0; y < out.height; ++y) {
    for (std::int64_t x = 0; x < out.width; ++x) {
      std::uint8_t v = in(x, y);
      for (std::int64_t j = 0; j < 3; ++j)
        for (std::int64_t i = 0; i < 3; ++i) v = pick(v, in(x + i, y + j));
      out(x, y) = v;
    }
  }
}

}  // namespace

void erode3x3_reference(View<const std::uint8_t> in, View<std::uint8_t> out) {
  morphology3x3(in, out, [](std::uint8_t a, std::uint8_t b) { return a < b ? a : b; });
}

void dilate3x3_reference(View<const std::uint8_t> in, View<std::uint8_t> out) {
  morphology3x3(in, out, [](std::uint8_t a, std::uint8_t b) { return a > b ? a : b; });
}

std::int64_t count_nonzero_reference(View<const std::uint8_t> in) {
  std::int64_t n = 0;
  for (std::int64_t y = 0; y < in.height; ++y)
    for (std::int64_t x = 0; x < in.width; ++x) n += in(x, y) != 0 ? 1 : 0;
  return n;
}

}  // namespace nsperf::kernels
