#include "nsperf/mpi/workload.hpp"

#include <cstring>

#include "mpi_test.hpp"
#include "nsperf/kernels/synthetic.hpp"
#include "nsperf/mpi/phase.hpp"

namespace core = nsperf::core;
namespace mpi = nsperf::mpi;

class Workload : public MpiTest {};

TEST_F(Workload, EveryRankGetsExactlyItsTilesWithHalos) {
  const core::ImageSpec spec{{203, 97}, core::DType::u16};
  const auto w = mpi::distribute_synthetic(world, spec, 11, 32, 2);
  EXPECT_EQ(w.plan.ranks, world.size());
  const auto mine = w.plan.tiles_of(world.rank());
  ASSERT_EQ(w.tiles.size(), mine.size());
  // Every rank can render the image itself: the generator is deterministic.
  const auto whole = nsperf::kernels::make_synthetic(spec, 11);
  for (std::size_t i = 0; i < mine.size(); ++i) {
    const auto& t = w.tiles[i];
    EXPECT_EQ(t.id, mine[i]);
    EXPECT_EQ(t.rect, w.plan.tiles[static_cast<std::size_t>(t.id)]);
    const auto expected =
        core::extract_padded(whole, t.rect.x, t.rect.y, t.rect.width, t.rect.height, 2);
    ASSERT_EQ(t.padded.extent(), expected.extent());
    EXPECT_EQ(
        std::memcmp(t.padded.bytes().data(), expected.bytes().data(), expected.bytes().size()), 0)
        << "tile " << t.id;
    EXPECT_GE(t.transfer_s, 0.0);
    if (world.rank() == 0) {
      EXPECT_EQ(t.transfer_s, 0.0);
    }
  }
}

TEST_F(Workload, ABadPlanIsAgreedOn) {
  EXPECT_THROW(mpi::distribute_synthetic(world, {{10, 10}, core::DType::u8}, 1, 11, 2),
               mpi::PhaseFailed);
}
