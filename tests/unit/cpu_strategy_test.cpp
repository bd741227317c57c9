// Walks the registries: every kernel under every registered CPU strategy is checked against the
// kernel's reference, and tiled results must equal whole-image results exactly. A new strategy
// or kernel is tested the moment it is registered.
#include "nsperf/kernels/cpu_strategy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "nsperf/core/tile_plan.hpp"

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

core::Image random_image(core::Extent e, core::DType t, unsigned seed) {
  core::Image img(e, t);
  std::mt19937 rng(seed);
  switch (t) {
    case core::DType::u8:
      for (auto& v : img.bytes()) v = static_cast<std::byte>(rng());
      break;
    case core::DType::u16: {
      auto v = img.view<std::uint16_t>();
      for (std::int64_t i = 0; i < e.pixels(); ++i) v.data[i] = static_cast<std::uint16_t>(rng());
      break;
    }
    case core::DType::f32: {
      auto v = img.view<float>();
      std::uniform_real_distribution<float> d(-1000.0f, 1000.0f);
      for (std::int64_t i = 0; i < e.pixels(); ++i) v.data[i] = d(rng);
      break;
    }
  }
  return img;
}

// Runs `member` of `strategy` over `img` cut into `tile` x `tile` tiles and stitches the result.
core::Plane<float> run_tiled(kernels::CpuStrategy& strategy, const kernels::KernelInfo& k,
                             const core::Image& img, std::int64_t tile) {
  core::Plane<float> out(img.extent());
  const auto plan = core::make_tile_plan(img.extent(), tile, k.halo, 1);
  for (const auto& r : plan.tiles) {
    const auto in =
        core::to_plane<float>(core::extract_padded(img, r.x, r.y, r.width, r.height, k.halo));
    (strategy.*k.run)(in.view(), out.view().sub(r.x, r.y, r.width, r.height));
  }
  return out;
}

core::Plane<double> reference_whole(const kernels::KernelInfo& k, const core::Image& img) {
  const auto e = img.extent();
  const auto in =
      core::to_plane<double>(core::extract_padded(img, 0, 0, e.width, e.height, k.halo));
  core::Plane<double> out(e);
  k.reference(in.view(), out.view());
  return out;
}

bool same_bits(const core::Plane<float>& a, const core::Plane<float>& b) {
  return a.values().size() == b.values().size() &&
         std::memcmp(a.values().data(), b.values().data(), a.values().size_bytes()) == 0;
}

class EveryStrategy : public ::testing::TestWithParam<Case> {
 protected:
  const kernels::KernelInfo& kernel() const {
    return kernels::kernel_registry().at(GetParam().kernel, "kernel");
  }
  std::unique_ptr<kernels::CpuStrategy> make(int threads = 0) const {
    return kernels::cpu_strategies().at(GetParam().strategy, "cpu strategy").make({threads});
  }
};

}  // namespace

TEST(Registries, EveryStrategyIsInTheCatalogWithOneBaseline) {
  ASSERT_FALSE(kernels::cpu_strategies().entries().empty());
  ASSERT_FALSE(kernels::kernel_registry().entries().empty());
  for (const auto& s : kernels::cpu_strategies().entries()) {
    const auto* info = core::strategy_catalog().find("cpu", s.name);
    ASSERT_NE(info, nullptr) << s.name;
    EXPECT_FALSE(info->description.empty());
  }
  ASSERT_NE(core::strategy_catalog().baseline("cpu"), nullptr);
  for (const auto& k : kernels::kernel_registry().entries()) {
    EXPECT_NE(k.reference, nullptr) << k.name;
    EXPECT_NE(k.run, nullptr) << k.name;
    EXPECT_GT(k.relative_tolerance, 0.0) << k.name;
  }
}

TEST_P(EveryStrategy, MatchesTheReferenceWithinTolerance) {
  const auto& k = kernel();
  auto strategy = make();
  unsigned seed = 1;
  for (auto dtype : {core::DType::u8, core::DType::u16, core::DType::f32}) {
    for (core::Extent e :
         {core::Extent{1, 1}, {2, 3}, {5, 1}, {1, 6}, {7, 9}, {64, 33}, {257, 130}}) {
      const auto img = random_image(e, dtype, seed++);
      const auto out = run_tiled(*strategy, k, img, std::min(e.width, e.height));
      const auto ref = reference_whole(k, img);
      double largest = 1;
      const auto values = core::to_plane<double>(img);
      for (double v : values.values()) largest = std::max(largest, std::abs(v));
      const double tolerance = k.relative_tolerance * largest;
      double worst = 0;
      for (std::size_t i = 0; i < out.values().size(); ++i) {
        const double err = std::abs(static_cast<double>(out.values()[i]) - ref.values()[i]);
        worst = std::isnan(err) ? INFINITY : std::max(worst, err);
      }
      EXPECT_LE(worst, tolerance) << core::to_string(dtype) << " " << e.width << "x" << e.height;
    }
  }
}

TEST_P(EveryStrategy, TiledEqualsWholeImageBitForBit) {
  const auto& k = kernel();
  auto strategy = make();
  for (core::Extent e : {core::Extent{37, 23}, {64, 64}, {5, 40}}) {
    const auto img = random_image(e, core::DType::f32, 99);
    const auto whole = run_tiled(*strategy, k, img, std::min(e.width, e.height));
    for (std::int64_t tile : {1, 2, 3, 7, 16}) {
      if (tile > std::min(e.width, e.height)) continue;
      EXPECT_TRUE(same_bits(run_tiled(*strategy, k, img, tile), whole))
          << e.width << "x" << e.height << " tile " << tile;
    }
  }
}

TEST_P(EveryStrategy, SameOutputWhateverTheThreadCount) {
  const auto& k = kernel();
  const auto img = random_image({300, 97}, core::DType::u16, 5);
  const auto one = run_tiled(*make(1), k, img, 97);
  for (int threads : {2, 3, 5})
    EXPECT_TRUE(same_bits(run_tiled(*make(threads), k, img, 97), one)) << threads;
}

INSTANTIATE_TEST_SUITE_P(Registered, EveryStrategy, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<Case>& p) {
                           std::string name = p.param.strategy + "_" + p.param.kernel;
                           std::replace_if(
                               name.begin(), name.end(),
                               [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); },
                               '_');
                           return name;
                         });

TEST(Registries, ReferenceTiledEqualsWholeImage) {
  for (const auto& k : kernels::kernel_registry().entries()) {
    const auto img = random_image({41, 29}, core::DType::u8, 3);
    const auto whole = reference_whole(k, img);
    for (std::int64_t tile : {1, 4, 13}) {
      const auto plan = core::make_tile_plan(img.extent(), tile, k.halo, 1);
      for (const auto& r : plan.tiles) {
        const auto in =
            core::to_plane<double>(core::extract_padded(img, r.x, r.y, r.width, r.height, k.halo));
        core::Plane<double> out({r.width, r.height});
        k.reference(in.view(), out.view());
        for (std::int64_t y = 0; y < r.height; ++y)
          for (std::int64_t x = 0; x < r.width; ++x)
            ASSERT_EQ(out.view()(x, y), whole.view()(r.x + x, r.y + y));
      }
    }
  }
}
