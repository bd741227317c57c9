#include "nsperf/core/image.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "nsperf/core/error.hpp"

namespace core = nsperf::core;

TEST(Image, Reflect101MatchesOpenCv) {
  // OpenCV BORDER_REFLECT_101 on n = 5: gfedcb|abcdefgh|gfedcba
  const std::vector<std::int64_t> expected{2, 1, 0, 1, 2, 3, 4, 3, 2};
  for (std::int64_t i = -2; i <= 6; ++i)
    EXPECT_EQ(core::reflect101(i, 5), expected[static_cast<std::size_t>(i + 2)]) << i;
  EXPECT_EQ(core::reflect101(-1, 1), 0);
  EXPECT_EQ(core::reflect101(3, 1), 0);
  EXPECT_EQ(core::reflect101(-1, 2), 1);
  EXPECT_EQ(core::reflect101(2, 2), 0);
  // Halos wider than the image reflect again.
  EXPECT_EQ(core::reflect101(-4, 3), 0);
  EXPECT_EQ(core::reflect101(5, 3), 1);
}

TEST(Image, ExtractPaddedReflectsAtImageBordersOnly) {
  core::Image img({4, 3}, core::DType::u16);
  auto v = img.view<std::uint16_t>();
  for (std::int64_t y = 0; y < 3; ++y)
    for (std::int64_t x = 0; x < 4; ++x) v(x, y) = static_cast<std::uint16_t>(10 * y + x);
  for (std::int64_t x = 0; x < 4; ++x) {
    for (std::int64_t y = 0; y < 3; ++y) {
      for (std::int64_t w = 1; x + w <= 4; ++w) {
        for (std::int64_t h = 1; y + h <= 3; ++h) {
          const auto p = core::extract_padded(img, x, y, w, h, 2);
          ASSERT_EQ(p.extent(), (core::Extent{w + 4, h + 4}));
          auto pv = p.view<std::uint16_t>();
          for (std::int64_t py = 0; py < h + 4; ++py) {
            for (std::int64_t px = 0; px < w + 4; ++px) {
              const auto sx = core::reflect101(x + px - 2, 4);
              const auto sy = core::reflect101(y + py - 2, 3);
              ASSERT_EQ(pv(px, py), v(sx, sy)) << x << "," << y << " " << w << "x" << h;
            }
          }
        }
      }
    }
  }
}

TEST(Image, ExtractPaddedRejectsRectanglesOutside) {
  core::Image img({4, 3}, core::DType::u8);
  EXPECT_THROW(core::extract_padded(img, 3, 0, 2, 1, 1), nsperf::InputError);
  EXPECT_THROW(core::extract_padded(img, -1, 0, 1, 1, 1), nsperf::InputError);
  EXPECT_THROW(core::extract_padded(img, 0, 0, 0, 1, 1), nsperf::InputError);
}

TEST(Image, ParseImageSpec) {
  EXPECT_EQ(core::parse_image_spec("8192x8192", "x"),
            (core::ImageSpec{{8192, 8192}, core::DType::u8}));
  EXPECT_EQ(core::parse_image_spec("3000x2000:u16", "x"),
            (core::ImageSpec{{3000, 2000}, core::DType::u16}));
  EXPECT_EQ(core::parse_image_spec("1x1:f32", "x"), (core::ImageSpec{{1, 1}, core::DType::f32}));
  EXPECT_EQ(core::to_string(core::ImageSpec{{30, 20}, core::DType::u16}), "30x20:u16");
  for (const char* bad :
       {"", "0x0", "0x10", "10x0", "10", "10x", "x10", "-5x5", "10x10:u32", "10x10:", "axb",
        "2000000x2", "99999999999999999999x2", "10x10x10", " 10x10"}) {
    EXPECT_THROW(core::parse_image_spec(bad, "--synthetic"), nsperf::InputError) << bad;
  }
  try {
    (void)core::parse_image_spec("0x0", "--synthetic");
  } catch (const nsperf::InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("--synthetic"), std::string::npos) << what;
    EXPECT_NE(what.find("'0x0'"), std::string::npos) << what;
    EXPECT_NE(what.find("u8, u16 or f32"), std::string::npos) << what;
  }
}

TEST(Image, ToPlaneConvertsEveryType) {
  core::Image img({2, 1}, core::DType::u16);
  img.view<std::uint16_t>()(0, 0) = 65535;
  img.view<std::uint16_t>()(1, 0) = 7;
  const auto p = core::to_plane<double>(img);
  EXPECT_DOUBLE_EQ(p.view()(0, 0), 65535.0);
  EXPECT_DOUBLE_EQ(p.view()(1, 0), 7.0);
  EXPECT_THROW((void)img.view<float>(), std::logic_error);
}
