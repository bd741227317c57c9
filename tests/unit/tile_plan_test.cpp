#include "nsperf/core/tile_plan.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nsperf/core/error.hpp"

namespace core = nsperf::core;

namespace {

// Every pixel is covered by exactly one tile.
void expect_exact_cover(const core::TilePlan& plan) {
  std::vector<int> hits(static_cast<std::size_t>(plan.image.pixels()), 0);
  for (const auto& t : plan.tiles) {
    ASSERT_GE(t.x, 0);
    ASSERT_GE(t.y, 0);
    ASSERT_LE(t.x + t.width, plan.image.width);
    ASSERT_LE(t.y + t.height, plan.image.height);
    for (std::int64_t y = t.y; y < t.y + t.height; ++y) {
      for (std::int64_t x = t.x; x < t.x + t.width; ++x)
        ++hits[static_cast<std::size_t>(y * plan.image.width + x)];
    }
  }
  for (int h : hits) ASSERT_EQ(h, 1);
}

}  // namespace

TEST(TilePlan, CoversImagesWhoseSizeTheTileDoesNotDivide) {
  for (auto [w, h, t] : std::vector<std::tuple<int, int, int>>{
           {3000, 2000, 512}, {7, 5, 3}, {1, 1, 1}, {10, 3, 3}, {513, 512, 512}}) {
    const auto plan = core::make_tile_plan({w, h}, t, 2, 3);
    expect_exact_cover(plan);
    EXPECT_EQ(plan.columns(), (w + t - 1) / t);
    EXPECT_EQ(plan.rows(), (h + t - 1) / t);
  }
}

TEST(TilePlan, EdgeTilesAreSmaller) {
  const auto plan = core::make_tile_plan({10, 7}, 4, 0, 1);
  ASSERT_EQ(plan.tiles.size(), 6u);
  EXPECT_EQ(plan.tiles[2], (core::Rect{8, 0, 2, 4}));
  EXPECT_EQ(plan.tiles[5], (core::Rect{8, 4, 2, 3}));
}

TEST(TilePlan, StaticBlockIsBalancedContiguousAndDeterministic) {
  for (int ranks : {1, 2, 3, 4, 7}) {
    const auto plan = core::make_tile_plan({3000, 2000}, 512, 2, ranks);
    EXPECT_EQ(plan.tiles.size(), 24u);
    std::size_t fewest = plan.tiles.size();
    std::size_t most = 0;
    for (int r = 0; r < ranks; ++r) {
      const auto mine = plan.tiles_of(r);
      fewest = std::min(fewest, mine.size());
      most = std::max(most, mine.size());
      for (std::size_t i = 1; i < mine.size(); ++i) EXPECT_EQ(mine[i], mine[i - 1] + 1);
    }
    EXPECT_LE(most - fewest, 1u);
    const auto again = core::make_tile_plan({3000, 2000}, 512, 2, ranks);
    EXPECT_EQ(plan.owner, again.owner);
    EXPECT_EQ(plan.tiles, again.tiles);
  }
}

TEST(TilePlan, StaticCyclicDealsRunsOfChunkTilesInTurn) {
  // 6 x 4 = 24 tiles.
  const auto one =
      core::make_tile_plan({3000, 2000}, 512, 2, 3, {core::Partitioner::static_cyclic, 1});
  ASSERT_EQ(one.owner.size(), 24u);
  for (std::size_t i = 0; i < one.owner.size(); ++i)
    EXPECT_EQ(one.owner[i], static_cast<int>(i % 3));
  const auto four =
      core::make_tile_plan({3000, 2000}, 512, 2, 2, {core::Partitioner::static_cyclic, 4});
  EXPECT_EQ(four.chunk, 4);
  EXPECT_EQ(four.tiles_of(0),
            (std::vector<std::int64_t>{0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19}));
  EXPECT_EQ(four.tiles_of(1).size(), 12u);
  // The same tiles as a static-block plan: only their owners differ.
  EXPECT_EQ(four.tiles, core::make_tile_plan({3000, 2000}, 512, 2, 2).tiles);
  EXPECT_THROW(core::make_tile_plan({3000, 2000}, 512, 2, 2, {core::Partitioner::static_cyclic, 0}),
               nsperf::InputError);
  EXPECT_EQ(core::parse_partitioner("static-cyclic"), core::Partitioner::static_cyclic);
  EXPECT_FALSE(core::parse_partitioner("dynamic")) << "self-scheduling is the benchmark's only";
}

TEST(TilePlan, WithMoreRanksThanTilesLowRanksWork) {
  const auto plan = core::make_tile_plan({4, 4}, 2, 0, 6);
  EXPECT_EQ(plan.owner, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_TRUE(plan.tiles_of(5).empty());
}

TEST(TilePlan, RejectsBadTileSizes) {
  EXPECT_THROW(core::make_tile_plan({100, 50}, 0, 2, 1), nsperf::InputError);
  EXPECT_THROW(core::make_tile_plan({100, 50}, -3, 2, 1), nsperf::InputError);
  EXPECT_THROW(core::make_tile_plan({100, 50}, 51, 2, 1), nsperf::InputError);
  EXPECT_THROW(core::make_tile_plan({0, 50}, 1, 2, 1), nsperf::InputError);
  EXPECT_THROW(core::make_tile_plan({100, 50}, 10, 2, 0), nsperf::InputError);
  try {
    (void)core::make_tile_plan({100, 50}, 51, 2, 1);
  } catch (const nsperf::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("valid: 1..50"), std::string::npos) << e.what();
  }
}

TEST(TilePlan, ATileSideIsRefusedBelowWhatItsHaloIsWorthAndAboveTheImage) {
  using core::check_tile_side;
  const core::Extent square{512, 512};
  const core::Extent narrow{40, 20};  // narrower than the floor
  EXPECT_NO_THROW(check_tile_side(core::kMinTile, square, "--tile"));
  EXPECT_NO_THROW(check_tile_side(512, square, "--tile"));
  EXPECT_NO_THROW(check_tile_side(20, narrow, "--tile"));
  try {
    check_tile_side(1, square, "--tile");
    ADD_FAILURE() << "a 1-pixel tile was accepted";
  } catch (const nsperf::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--tile 1 is too small to be worth its halo"),
              std::string::npos);
    EXPECT_NE(std::string(e.what()).find("121x the pixels it computes"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("valid: 32..512"), std::string::npos);
  }
  EXPECT_THROW(check_tile_side(19, narrow, "--tile"), nsperf::InputError);
  EXPECT_THROW(check_tile_side(513, square, "--tile"), nsperf::InputError);
}
