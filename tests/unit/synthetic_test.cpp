#include "nsperf/kernels/synthetic.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "nsperf/core/error.hpp"

namespace core = nsperf::core;
namespace kernels = nsperf::kernels;

namespace {

bool same_bytes(const core::Image& a, const core::Image& b) {
  return a.bytes().size() == b.bytes().size() &&
         std::memcmp(a.bytes().data(), b.bytes().data(), a.bytes().size()) == 0;
}

}  // namespace

TEST(Synthetic, SameSeedSameImageOtherSeedOther) {
  const core::ImageSpec spec{{300, 200}, core::DType::u8};
  EXPECT_TRUE(same_bytes(kernels::make_synthetic(spec, 7), kernels::make_synthetic(spec, 7)));
  EXPECT_FALSE(same_bytes(kernels::make_synthetic(spec, 7), kernels::make_synthetic(spec, 8)));
}

TEST(Synthetic, AnyRectangleRendersTheWholeImagesPixels) {
  for (auto dtype : {core::DType::u8, core::DType::u16, core::DType::f32}) {
    const core::ImageSpec spec{{517, 301}, dtype};
    const auto whole = kernels::make_synthetic(spec, 3);
    for (core::Rect r :
         {core::Rect{0, 0, 1, 1}, {100, 64, 200, 65}, {516, 300, 1, 1}, {3, 250, 514, 51}}) {
      const auto part = kernels::render_synthetic(spec, 3, r);
      const auto expected = core::extract_padded(whole, r.x, r.y, r.width, r.height, 0);
      EXPECT_TRUE(same_bytes(part, expected)) << core::to_string(dtype) << " " << r.x << "," << r.y;
    }
  }
  EXPECT_THROW(kernels::render_synthetic({{10, 10}, core::DType::u8}, 1, {5, 5, 6, 1}),
               nsperf::InputError);
}

TEST(Synthetic, DarkBackgroundWithBrightObjects) {
  const auto img = kernels::make_synthetic({{1024, 1024}, core::DType::u8}, 1);
  auto v = img.view<std::uint8_t>();
  double dark = 0;
  double bright = 0;
  for (std::int64_t i = 0; i < 1024 * 1024; ++i) {
    dark += v.data[i] < 40 ? 1 : 0;
    bright += v.data[i] > 110 ? 1 : 0;
  }
  const double n = 1024.0 * 1024.0;
  EXPECT_GT(dark / n, 0.4) << "negative space";
  EXPECT_LT(dark / n, 0.9);
  EXPECT_GT(bright / n, 0.1) << "objects";
}

TEST(Synthetic, TypesShareOneScene) {
  const core::Extent e{256, 256};
  const auto u8 = kernels::make_synthetic({e, core::DType::u8}, 5);
  const auto u16 = kernels::make_synthetic({e, core::DType::u16}, 5);
  const auto f32 = kernels::make_synthetic({e, core::DType::f32}, 5);
  for (std::int64_t i = 0; i < e.pixels(); i += 97) {
    const double f = f32.view<float>().data[i];
    ASSERT_GE(f, 0.0);
    ASSERT_LE(f, 1.0);
    EXPECT_NEAR(u8.view<std::uint8_t>().data[i], f * 255.0, 0.51);
    EXPECT_NEAR(u16.view<std::uint16_t>().data[i], f * 65535.0, 0.51);
  }
}

TEST(Synthetic, SkewLeavesTheBottomEmptyAndTheTopAsDense) {
  for (auto dtype : {core::DType::u8, core::DType::u16, core::DType::f32}) {
    const core::ImageSpec spec{{200, 100}, dtype};
    const auto img = kernels::make_synthetic(spec, 2, 30);
    EXPECT_EQ(kernels::first_empty_row(spec.extent, 30), 70);
    const auto bytes = img.bytes();
    const std::size_t n = core::dtype_size(dtype);
    const std::size_t row = 200 * n;
    // Rows 70..99: one value; row 69 is not all that value.
    for (std::size_t i = 70 * row; i < bytes.size(); i += n)
      ASSERT_EQ(std::memcmp(bytes.data() + i, bytes.data() + 70 * row, n), 0) << i;
    bool differs = false;
    for (std::size_t i = 69 * row; i < 70 * row; i += n)
      differs = differs || std::memcmp(bytes.data() + i, bytes.data() + 70 * row, n) != 0;
    EXPECT_TRUE(differs) << core::to_string(dtype);
    // Rectangles still render the whole image's pixels.
    const core::Rect r{10, 60, 50, 30};
    EXPECT_TRUE(same_bytes(kernels::render_synthetic(spec, 2, r, 30),
                           core::extract_padded(img, r.x, r.y, r.width, r.height, 0)));
  }
  EXPECT_EQ(kernels::first_empty_row({10, 10}, 0), 10);
  EXPECT_EQ(kernels::first_empty_row({10, 10}, 99), 1);
}
