// Walks the registries: every kernel under every registered CPU strategy is checked against the
// kernel's reference on inputs taken from the reference pipeline; the whole pipeline of every
// strategy gives bit for bit the same result tiled as whole, whatever the thread count. A new
// strategy or kernel is tested the moment it is registered.
#include "nsperf/kernels/cpu_strategy.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "nsperf/kernels/synthetic.hpp"

namespace core = nsperf::core;
namespace kernels = nsperf::kernels;

namespace {

struct Case {
  std::string strategy;
  std::string kernel;
};

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const auto& s : kernels::cpu_strategies().entries())
    for (const auto& k : kernels::kernel_registry().entries()) cases.push_back({s.name, k.name});
  return cases;
}

std::vector<std::string> strategy_names() { return kernels::cpu_strategies().names(); }

std::string test_name(std::string name) {
  for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

// Images that exercise the pipeline: the synthetic scene (real edges and flat regions), noise,
// and a constant image (a single-bin histogram).
core::Image test_image(core::Extent e, core::DType t, int kind) {
  if (kind == 0) return kernels::make_synthetic({e, t}, 7);
  core::Image img(e, t);
  std::mt19937 rng(static_cast<unsigned>(e.width * 31 + e.height + kind));
  for (std::int64_t i = 0; i < e.pixels(); ++i) {
    const auto v = kind == 2 ? 100u : rng();
    switch (t) {
      case core::DType::u8:
        img.view<std::uint8_t>().data[i] = static_cast<std::uint8_t>(v);
        break;
      case core::DType::u16:
        img.view<std::uint16_t>().data[i] = static_cast<std::uint16_t>(v);
        break;
      case core::DType::f32:
        img.view<float>().data[i] = static_cast<float>(v % 100000) / 7.0f;
        break;
    }
  }
  return img;
}

template <class T>
std::vector<kernels::TileWork<T>> tiles_of(const core::Image& img, std::int64_t tile) {
  std::vector<kernels::TileWork<T>> tiles;
  const auto plan = core::make_tile_plan(img.extent(), tile, kernels::kPipelineHalo, 1);
  for (const auto& r : plan.tiles) {
    tiles.emplace_back(
        core::extract_padded(img, r.x, r.y, r.width, r.height, kernels::kPipelineHalo), r,
        img.extent());
  }
  return tiles;
}

// The pipeline's result as whole-image planes, stitched from the tiles.
struct Stitched {
  core::Plane<float> magnitude;
  core::Plane<std::uint8_t> opened;
  std::int64_t background = 0;
  kernels::PipelineResult global;
};

Stitched run_tiled(kernels::CpuStrategy& s, const core::Image& img, std::int64_t tile) {
  auto tiles = tiles_of<float>(img, tile);
  kernels::LocalReduce reduce;
  Stitched out{core::Plane<float>(img.extent()), core::Plane<std::uint8_t>(img.extent()), 0, {}};
  out.global = kernels::run_pipeline(s, tiles, reduce);
  for (const auto& t : tiles) {
    for (std::int64_t y = 0; y < t.rect.height; ++y)
      for (std::int64_t x = 0; x < t.rect.width; ++x) {
        out.magnitude.view()(t.rect.x + x, t.rect.y + y) = t.magnitude.view()(x + 2, y + 2);
        out.opened.view()(t.rect.x + x, t.rect.y + y) = t.opened.view()(x, y);
      }
    out.background += t.background;
  }
  return out;
}

template <class T>
bool same_bits(const core::Plane<T>& a, const core::Plane<T>& b) {
  return a.values().size() == b.values().size() &&
         std::memcmp(a.values().data(), b.values().data(), a.values().size_bytes()) == 0;
}

std::unique_ptr<kernels::CpuStrategy> make(const std::string& name, int threads) {
  return kernels::cpu_strategies().at(name, "cpu strategy").make({threads});
}

}  // namespace

TEST(Registries, EveryStrategyIsInTheCatalogWithOneBaseline) {
  ASSERT_GE(kernels::cpu_strategies().entries().size(), 5u);
  ASSERT_EQ(kernels::kernel_registry().entries().size(), 8u);
  for (const auto& s : kernels::cpu_strategies().entries()) {
    const auto* info = core::strategy_catalog().find("cpu", s.name);
    ASSERT_NE(info, nullptr) << s.name;
    EXPECT_FALSE(info->description.empty());
  }
  ASSERT_NE(core::strategy_catalog().baseline("cpu"), nullptr);
  for (const auto& k : kernels::kernel_registry().entries()) {
    EXPECT_NE(k.make_case, nullptr) << k.name;
    EXPECT_EQ(k.check == kernels::CheckKind::tolerance, k.relative_tolerance > 0) << k.name;
  }
}

class EveryKernel : public ::testing::TestWithParam<Case> {};

TEST_P(EveryKernel, MatchesTheReference) {
  const auto& kernel = kernels::kernel_registry().at(GetParam().kernel, "kernel");
  auto strategy = make(GetParam().strategy, 3);
  for (auto dtype : {core::DType::u8, core::DType::u16, core::DType::f32}) {
    for (int kind : {0, 1, 2}) {
      for (core::Extent e : {core::Extent{1, 1}, {2, 3}, {7, 1}, {37, 23}, {130, 67}}) {
        const auto img = test_image(e, dtype, kind);
        auto reference = tiles_of<double>(img, std::min(e.width, e.height));
        kernels::LocalReduce reduce;
        const auto global = kernels::run_reference_pipeline(reference, reduce);
        for (const auto& tile : reference) {
          auto c = kernel.make_case(tile, global);
          c->run(*strategy);
          const auto check = c->check();
          EXPECT_EQ(check.status, core::CheckStatus::passed)
              << core::to_string(dtype) << " kind " << kind << " " << e.width << "x" << e.height
              << ": error " << check.max_abs_error << " (tolerance " << check.tolerance << "), "
              << check.differing << " differ";
          if (kernel.check == kernels::CheckKind::exact) {
            EXPECT_EQ(check.max_abs_error, 0.0);
          }
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Registered, EveryKernel, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<Case>& p) {
                           return test_name(p.param.strategy + "_" + p.param.kernel);
                         });

class EveryStrategy : public ::testing::TestWithParam<std::string> {};

// nsperf's strategies compute every pixel the same way wherever it falls, so tiling changes no
// bit. OpenCV does not promise that (its vector bodies, tails and small-image paths round
// differently), so the "opencv" reference point is held to the pipeline's tolerance instead.
bool bitwise_tiling(const std::string& strategy) { return strategy != "opencv"; }

bool close(const core::Plane<float>& a, const core::Plane<float>& b, double tolerance) {
  for (std::size_t i = 0; i < a.values().size(); ++i) {
    if (!(std::abs(static_cast<double>(a.values()[i]) - b.values()[i]) <= tolerance)) return false;
  }
  return a.values().size() == b.values().size();
}

TEST_P(EveryStrategy, TiledPipelineEqualsWholeImageBitForBit) {
  auto strategy = make(GetParam(), 2);
  const bool bitwise = bitwise_tiling(GetParam());
  for (auto dtype : {core::DType::u8, core::DType::f32}) {
    for (core::Extent e : {core::Extent{37, 23}, {64, 64}, {5, 40}, {3, 3}}) {
      const auto img = test_image(e, dtype, 0);
      const auto whole = run_tiled(*strategy, img, std::min(e.width, e.height));
      for (std::int64_t tile : {1, 2, 3, 7, 16}) {
        if (tile > std::min(e.width, e.height)) continue;
        const auto tiled = run_tiled(*strategy, img, tile);
        EXPECT_EQ(tiled.global.threshold, whole.global.threshold)
            << e.width << "x" << e.height << " tile " << tile;
        if (!bitwise) {
          const double largest =
              dtype == core::DType::u8 ? 255.0 : 1.0;  // the synthetic scene's range
          EXPECT_TRUE(close(tiled.magnitude, whole.magnitude, 1e-4 * largest))
              << e.width << "x" << e.height;
          continue;
        }
        EXPECT_EQ(tiled.global.max_magnitude, whole.global.max_magnitude);
        EXPECT_EQ(tiled.global.histogram, whole.global.histogram);
        EXPECT_TRUE(same_bits(tiled.magnitude, whole.magnitude))
            << e.width << "x" << e.height << " tile " << tile;
        EXPECT_TRUE(same_bits(tiled.opened, whole.opened))
            << e.width << "x" << e.height << " tile " << tile;
        EXPECT_EQ(tiled.background, whole.background);
      }
    }
  }
}

TEST_P(EveryStrategy, SameResultWhateverTheThreadCount) {
  if (!bitwise_tiling(GetParam()))
    GTEST_SKIP() << GetParam() << " does not promise bitwise results";
  const auto img = test_image({300, 97}, core::DType::u16, 0);
  const auto one = run_tiled(*make(GetParam(), 1), img, 97);
  for (int threads : {2, 3, 5}) {
    const auto many = run_tiled(*make(GetParam(), threads), img, 97);
    EXPECT_TRUE(same_bits(many.magnitude, one.magnitude)) << threads;
    EXPECT_TRUE(same_bits(many.opened, one.opened)) << threads;
  }
}

TEST_P(EveryStrategy, FindsTheSyntheticScenesNegativeSpace) {
  // The pipeline's point: most of the synthetic scene is flat (dark background, flat object
  // interiors) and comes out as background; the edges do not.
  const auto img = kernels::make_synthetic({{512, 384}, core::DType::u8}, 3);
  const auto r = run_tiled(*make(GetParam(), 2), img, 128);
  const double fraction = static_cast<double>(r.background) / (512.0 * 384.0);
  EXPECT_GT(fraction, 0.5);
  EXPECT_LT(fraction, 0.99);
  EXPECT_GT(r.global.threshold, 0);
}

INSTANTIATE_TEST_SUITE_P(Registered, EveryStrategy, ::testing::ValuesIn(strategy_names()),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           return test_name(p.param);
                         });

TEST(Registries, OpenMpComputesExactlyWhatTheBaselineComputes) {
  // Its level (conservative) promises it: the same code on threads.
  const auto img = test_image({200, 150}, core::DType::f32, 0);
  const auto base = run_tiled(*make("scalar", 1), img, 64);
  const auto threads = run_tiled(*make("openmp", 3), img, 64);
  EXPECT_TRUE(same_bits(base.magnitude, threads.magnitude));
  EXPECT_TRUE(same_bits(base.opened, threads.opened));
}
