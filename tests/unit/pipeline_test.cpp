// The pipeline's pieces, and its reference checked against an independent whole-image oracle
// that looks every border pixel up through reflect-101 instead of using windows.
#include "nsperf/kernels/pipeline.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "nsperf/core/error.hpp"

#include "nsperf/kernels/reference.hpp"
#include "nsperf/kernels/synthetic.hpp"

namespace core = nsperf::core;
namespace kernels = nsperf::kernels;

TEST(Pipeline, HistogramBins) {
  EXPECT_EQ(kernels::histogram_bin(0.0f, 1.0f), 0);
  EXPECT_EQ(kernels::histogram_bin(254.99f, 1.0f), 254);
  EXPECT_EQ(kernels::histogram_bin(255.0f, 1.0f), 255);
  EXPECT_EQ(kernels::histogram_bin(1e30f, 1.0f), 255);
  EXPECT_EQ(kernels::histogram_bin(INFINITY, 1.0f), 255);
  EXPECT_EQ(kernels::histogram_bin(NAN, 1.0f), -1);
  EXPECT_EQ(kernels::histogram_scale(0.0), 0.0);
  EXPECT_EQ(kernels::histogram_scale(512.0), 0.5);
  EXPECT_EQ(kernels::histogram_scale(double(INFINITY)), 0.0);
}

TEST(Pipeline, OtsuSeparatesTwoModesAndHandlesDegenerateHistograms) {
  kernels::Histogram h{};
  EXPECT_EQ(kernels::otsu_threshold(h), 0);
  h[40] = 1000;
  EXPECT_EQ(kernels::otsu_threshold(h), 0) << "one bin: no split";
  h[200] = 1000;
  const int t = kernels::otsu_threshold(h);
  EXPECT_GE(t, 40);
  EXPECT_LT(t, 200);
  // Two noisy modes: the threshold falls between them, nearer neither.
  kernels::Histogram g{};
  for (int i = 0; i < 256; ++i) {
    g[static_cast<std::size_t>(i)] =
        static_cast<std::uint64_t>(1000 * std::exp(-0.5 * std::pow((i - 60) / 10.0, 2)) +
                                   500 * std::exp(-0.5 * std::pow((i - 180) / 15.0, 2)));
  }
  const int u = kernels::otsu_threshold(g);
  EXPECT_GT(u, 90);
  EXPECT_LT(u, 150);
}

TEST(Pipeline, ReflectOutsideFillsOnlyPixelsOutsideTheImage) {
  const core::Extent image{6, 5};
  const core::Rect area{-2, 1, 10, 6};  // two columns left and right, two rows below the image
  core::Plane<float> w({area.width, area.height});
  for (std::int64_t y = 0; y < area.height; ++y)
    for (std::int64_t x = 0; x < area.width; ++x)
      w.view()(x, y) = area.y + y >= image.height || area.x + x < 0 || area.x + x >= image.width
                           ? -1.0f
                           : static_cast<float>(10 * (area.y + y) + area.x + x);
  kernels::reflect_outside<float>(w.view(), area, image);
  for (std::int64_t y = 0; y < area.height; ++y)
    for (std::int64_t x = 0; x < area.width; ++x) {
      const auto ix = core::reflect101(area.x + x, image.width);
      const auto iy = core::reflect101(area.y + y, image.height);
      EXPECT_EQ(w.view()(x, y), static_cast<float>(10 * iy + ix)) << x << "," << y;
    }
}

namespace {

// The oracle: each stage over the whole image, every neighbour looked up through reflect-101
// of the previous stage's whole-image result. No windows, no tiles.
struct Oracle {
  core::Plane<double> magnitude;
  core::Plane<std::uint8_t> opened;
  int threshold = 0;
};

template <class T, class F>
core::Plane<T> stage(core::Extent e, F f) {
  core::Plane<T> out(e);
  for (std::int64_t y = 0; y < e.height; ++y)
    for (std::int64_t x = 0; x < e.width; ++x) out.view()(x, y) = f(x, y);
  return out;
}

Oracle oracle(const core::Image& img) {
  const auto e = img.extent();
  const auto in = core::to_plane<double>(img);
  auto at = [&](const auto& p, std::int64_t x, std::int64_t y) {
    return p.view()(core::reflect101(x, e.width), core::reflect101(y, e.height));
  };
  const auto& w = kernels::gaussian5_weights();
  const auto blurred = stage<double>(e, [&](std::int64_t x, std::int64_t y) {
    double s = 0;
    for (int j = -2; j <= 2; ++j)
      for (int i = -2; i <= 2; ++i)
        s += w[static_cast<std::size_t>(j + 2)] * w[static_cast<std::size_t>(i + 2)] *
             at(in, x + i, y + j);
    return s;
  });
  Oracle o;
  // Same coefficients and summation order as the reference, so equal means equal bits.
  static constexpr double kDx[3][3] = {{-1, 0, 1}, {-2, 0, 2}, {-1, 0, 1}};
  static constexpr double kDy[3][3] = {{-1, -2, -1}, {0, 0, 0}, {1, 2, 1}};
  o.magnitude = stage<double>(e, [&](std::int64_t x, std::int64_t y) {
    double gx = 0;
    double gy = 0;
    for (int j = 0; j < 3; ++j)
      for (int i = 0; i < 3; ++i) {
        gx += kDx[j][i] * at(blurred, x + i - 1, y + j - 1);
        gy += kDy[j][i] * at(blurred, x + i - 1, y + j - 1);
      }
    return std::sqrt(gx * gx + gy * gy);
  });
  double max = 0;
  for (double v : o.magnitude.values()) max = std::max(max, v);
  const double scale = kernels::histogram_scale(max);
  kernels::Histogram h{};
  for (double v : o.magnitude.values())
    ++h[static_cast<std::size_t>(kernels::histogram_bin(v, scale))];
  o.threshold = kernels::otsu_threshold(h);
  const auto mask = stage<std::uint8_t>(e, [&](std::int64_t x, std::int64_t y) {
    return static_cast<std::uint8_t>(kernels::histogram_bin(o.magnitude.view()(x, y), scale) <=
                                     o.threshold);
  });
  auto morph = [&](const core::Plane<std::uint8_t>& p, bool erode) {
    return stage<std::uint8_t>(e, [&](std::int64_t x, std::int64_t y) {
      std::uint8_t v = p.view()(x, y);
      for (int j = -1; j <= 1; ++j)
        for (int i = -1; i <= 1; ++i)
          v = erode ? std::min(v, at(p, x + i, y + j)) : std::max(v, at(p, x + i, y + j));
      return v;
    });
  };
  o.opened = morph(morph(mask, true), false);
  return o;
}

}  // namespace

TEST(Pipeline, TiledReferenceEqualsTheWholeImageOracle) {
  for (core::Extent e : {core::Extent{1, 1}, {2, 2}, {5, 3}, {41, 29}, {100, 60}}) {
    const auto img = kernels::make_synthetic({e, core::DType::u16}, 11);
    const Oracle o = oracle(img);
    for (std::int64_t tile : {1, 3, 8, 29}) {
      if (tile > std::min(e.width, e.height)) continue;
      std::vector<kernels::TileWork<double>> tiles;
      for (const auto& r : core::make_tile_plan(e, tile, kernels::kPipelineHalo, 1).tiles) {
        tiles.emplace_back(
            core::extract_padded(img, r.x, r.y, r.width, r.height, kernels::kPipelineHalo), r, e);
      }
      kernels::LocalReduce reduce;
      const auto global = kernels::run_reference_pipeline(tiles, reduce);
      EXPECT_EQ(global.threshold, o.threshold) << e.width << "x" << e.height << " tile " << tile;
      for (const auto& t : tiles) {
        for (std::int64_t y = 0; y < t.rect.height; ++y)
          for (std::int64_t x = 0; x < t.rect.width; ++x) {
            ASSERT_EQ(t.magnitude.view()(x + 2, y + 2),
                      o.magnitude.view()(t.rect.x + x, t.rect.y + y))
                << e.width << "x" << e.height << " tile " << tile << " at " << t.rect.x + x << ","
                << t.rect.y + y;
            ASSERT_EQ(t.opened.view()(x, y), o.opened.view()(t.rect.x + x, t.rect.y + y));
          }
      }
    }
  }
}

TEST(Pipeline, TilesNeedTheirHalo) {
  core::Image no_halo({4, 4}, core::DType::u8);
  EXPECT_THROW((kernels::TileWork<float>(no_halo, {0, 0, 4, 4}, {4, 4})), nsperf::KernelError);
}

TEST(Pipeline, OpenedDifferencesAreExplainedOnlyNearTheBoundary) {
  // A 6x6 tile: its mask window is 10x10. One mask pixel sits on the threshold's boundary.
  core::Plane<std::uint8_t> want({6, 6});
  core::Plane<std::uint8_t> got({6, 6});
  core::Plane<float> distance({10, 10});
  for (auto& d : distance.values()) d = 100.0f;
  distance.view()(2 + 1, 2 + 1) = 0.01f;  // near tile pixel (1, 1)
  got.view()(3, 2) = 1;                   // 2 px from it: explained
  got.view()(5, 5) = 1;                   // 4 px away: not
  const auto c = kernels::compare_opened(got.view(), want.view(), distance.view(), 0.1);
  EXPECT_EQ(c.differing, 2);
  EXPECT_EQ(c.unexplained, 1);
  EXPECT_EQ(kernels::compare_opened(got.view(), got.view(), distance.view(), 0.1).differing, 0);
}
