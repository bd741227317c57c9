// Every memory strategy's pipeline against the double-precision reference, tiled as whole, and
// the accounting the memory optimizer reports.
#include "nsperf/kernels/memory_pipeline.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "nsperf/core/error.hpp"
#include "nsperf/kernels/synthetic.hpp"

namespace core = nsperf::core;
namespace kernels = nsperf::kernels;

namespace {

struct Run {
  kernels::PipelineResult global;
  core::Plane<std::uint8_t> opened;
  kernels::MemoryRunStats stats;
  std::int64_t allocations = 0;
  std::int64_t held = 0;
};

Run run_plan(const kernels::MemoryPlan& plan, const core::Image& image, std::int64_t tile,
             kernels::Buffers& buffers) {
  const auto e = image.extent();
  const auto p = core::make_tile_plan(e, tile, kernels::kPipelineHalo, 1);
  std::vector<core::Image> padded;
  for (const auto& r : p.tiles)
    padded.push_back(
        core::extract_padded(image, r.x, r.y, r.width, r.height, kernels::kPipelineHalo));
  std::vector<const core::Image*> inputs;
  for (const auto& i : padded) inputs.push_back(&i);
  Run out{{}, core::Plane<std::uint8_t>(e), {}, 0, 0};
  kernels::LocalReduce reduce;
  buffers.reset_counts();
  out.global = kernels::run_memory_pipeline(
      plan, inputs, p.tiles, e, 2, reduce, buffers,
      [&](std::size_t t, core::View<const std::uint8_t> opened) {
        const auto& r = p.tiles[t];
        for (std::int64_t y = 0; y < r.height; ++y)
          for (std::int64_t x = 0; x < r.width; ++x)
            out.opened.view()(r.x + x, r.y + y) = opened(x, y);
      },
      out.stats);
  out.allocations = buffers.allocations();
  out.held = buffers.peak_in_use_bytes();
  return out;
}

core::Plane<std::uint8_t> reference_opened(const core::Image& image,
                                           kernels::PipelineResult& global) {
  const auto e = image.extent();
  std::vector<kernels::TileWork<double>> tiles;
  tiles.emplace_back(core::extract_padded(image, 0, 0, e.width, e.height, kernels::kPipelineHalo),
                     core::Rect{0, 0, e.width, e.height}, e);
  kernels::LocalReduce reduce;
  global = kernels::run_reference_pipeline(tiles, reduce);
  return std::move(tiles[0].opened);
}

std::int64_t differing(const core::Plane<std::uint8_t>& a, const core::Plane<std::uint8_t>& b) {
  std::int64_t n = 0;
  for (std::size_t i = 0; i < a.values().size(); ++i) n += a.values()[i] != b.values()[i] ? 1 : 0;
  return n;
}

std::vector<std::string> strategy_names() { return kernels::memory_strategies().names(); }

}  // namespace

class EveryMemoryStrategy : public ::testing::TestWithParam<std::string> {
 protected:
  const kernels::MemoryPlan& plan() const {
    return kernels::memory_strategies().at(GetParam(), "memory strategy").plan;
  }
};

TEST_P(EveryMemoryStrategy, MatchesTheReferenceOnEveryImageType) {
  for (auto dtype : {core::DType::u8, core::DType::u16, core::DType::f32}) {
    const auto image = kernels::make_synthetic({{300, 211}, dtype}, 9);
    kernels::Buffers buffers(plan().pooled);
    if (!kernels::plan_supports(plan(), dtype)) {
      EXPECT_THROW(run_plan(plan(), image, 64, buffers), nsperf::KernelError);
      continue;
    }
    kernels::PipelineResult want;
    const auto expected = reference_opened(image, want);
    const auto got = run_plan(plan(), image, 64, buffers);
    EXPECT_EQ(got.global.threshold, want.threshold) << core::to_string(dtype);
    // float64 computes what the reference computes; narrower storage may flip a few pixels
    // whose magnitude sits on the threshold's edge (the optimizer checks exactly which).
    const auto n = differing(got.opened, expected);
    if (plan().storage == kernels::Storage::float64) {
      EXPECT_EQ(n, 0) << core::to_string(dtype);
    }
    EXPECT_LT(static_cast<double>(n), 1e-3 * 300 * 211) << core::to_string(dtype);
  }
}

TEST_P(EveryMemoryStrategy, TiledEqualsWhole) {
  const auto image = kernels::make_synthetic({{203, 97}, core::DType::u16}, 4);
  kernels::Buffers a(plan().pooled);
  kernels::Buffers b(plan().pooled);
  const auto whole = run_plan(plan(), image, 97, a);
  for (std::int64_t tile : {1, 5, 32}) {
    const auto tiled = run_plan(plan(), image, tile, b);
    EXPECT_EQ(tiled.global.threshold, whole.global.threshold) << tile;
    EXPECT_EQ(differing(tiled.opened, whole.opened), 0) << tile;
  }
}

INSTANTIATE_TEST_SUITE_P(Registered, EveryMemoryStrategy, ::testing::ValuesIn(strategy_names()),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

TEST(MemoryPipeline, AccountingFollowsThePlan) {
  const auto image = kernels::make_synthetic({{256, 256}, core::DType::u8}, 1);
  auto plan_of = [](const char* name) { return kernels::memory_strategies().at(name, "s").plan; };
  kernels::Buffers b64(false);
  kernels::Buffers b32(false);
  kernels::Buffers b16(false);
  kernels::Buffers pool(true);
  kernels::Buffers packed(true);
  const auto f64 = run_plan(plan_of("float64"), image, 64, b64);
  const auto f32 = run_plan(plan_of("float32"), image, 64, b32);
  const auto u16 = run_plan(plan_of("uint16"), image, 64, b16);
  EXPECT_EQ(f64.stats.queued_bytes, 2 * f32.stats.queued_bytes);
  EXPECT_EQ(f32.stats.queued_bytes, 2 * u16.stats.queued_bytes);
  EXPECT_NEAR(static_cast<double>(f32.held) / static_cast<double>(f64.held), 0.5, 0.05);
  EXPECT_GT(f32.allocations, 16) << "per tile: several buffers for each of 16 tiles";
  (void)run_plan(plan_of("pooled"), image, 64, pool);
  EXPECT_EQ(run_plan(plan_of("pooled"), image, 64, pool).allocations, 0)
      << "warm pool: no allocation";
  const auto c = run_plan(plan_of("compressed"), image, 64, packed);
  EXPECT_LT(c.stats.queued_bytes, c.stats.raw_bytes) << "the synthetic scene compresses";
}
