// The reference Gaussian: it is the oracle, so it is checked against independent facts.
#include <gtest/gtest.h>

#include <numeric>

#include "nsperf/core/image.hpp"
#include "nsperf/kernels/reference.hpp"

namespace core = nsperf::core;
namespace kernels = nsperf::kernels;

namespace {

core::Plane<double> reference_whole(const core::Plane<double>& img) {
  const auto e = img.extent();
  core::Plane<double> padded({e.width + 4, e.height + 4});
  for (std::int64_t y = 0; y < e.height + 4; ++y)
    for (std::int64_t x = 0; x < e.width + 4; ++x)
      padded.view()(x, y) =
          img.view()(core::reflect101(x - 2, e.width), core::reflect101(y - 2, e.height));
  core::Plane<double> out(e);
  kernels::gaussian5x5_reference(padded.view(), out.view());
  return out;
}

}  // namespace

TEST(Gaussian5x5, WeightsAreOpenCvsForSigmaOne) {
  const auto& w = kernels::gaussian5_weights();
  // exp(-k^2/2) / sum, k = -2..2, to 20 digits (mpmath); OpenCV's getGaussianKernel(5, 1.0)
  // computes the same formula.
  const double expected[5] = {0.054488684549642938674, 0.24420134200323333813,
                              0.40261994689424744639, 0.24420134200323333813,
                              0.054488684549642938674};
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(w[static_cast<std::size_t>(i)], expected[i], 1e-15);
  EXPECT_NEAR(std::accumulate(w.begin(), w.end(), 0.0), 1.0, 1e-15);
}

TEST(Gaussian5x5, ConstantStaysConstantIncludingBorders) {
  core::Plane<double> img({7, 4});
  for (auto& v : img.values()) v = 42.0;
  const auto out = reference_whole(img);  // named: a range-for over a temporary's span dangles
  for (double v : out.values()) EXPECT_NEAR(v, 42.0, 1e-12);
}

TEST(Gaussian5x5, ImpulseGivesTheOuterProductOfTheWeights) {
  core::Plane<double> img({9, 9});
  img.view()(4, 4) = 1.0;
  const auto out = reference_whole(img);
  const auto& w = kernels::gaussian5_weights();
  for (std::int64_t y = 0; y < 9; ++y)
    for (std::int64_t x = 0; x < 9; ++x) {
      const bool inside = std::abs(x - 4) <= 2 && std::abs(y - 4) <= 2;
      const double expected =
          inside ? w[static_cast<std::size_t>(x - 2)] * w[static_cast<std::size_t>(y - 2)] : 0.0;
      EXPECT_NEAR(out.view()(x, y), expected, 1e-15) << x << "," << y;
    }
}

TEST(Gaussian5x5, BorderFollowsReflect101) {
  // A ramp along x: at the left border reflect-101 mirrors x=1,2 to x=-1,-2, so the blurred
  // value at x=0 is sum w_i * |i-2| over the row taps.
  core::Plane<double> img({6, 3});
  for (std::int64_t y = 0; y < 3; ++y)
    for (std::int64_t x = 0; x < 6; ++x) img.view()(x, y) = static_cast<double>(x);
  const auto out = reference_whole(img);
  const auto& w = kernels::gaussian5_weights();
  const double expected = w[0] * 2 + w[1] * 1 + w[2] * 0 + w[3] * 1 + w[4] * 2;
  for (std::int64_t y = 0; y < 3; ++y) EXPECT_NEAR(out.view()(0, y), expected, 1e-12);
  EXPECT_NEAR(out.view()(3, 1), 3.0, 1e-12);  // interior of a linear ramp is unchanged
}
