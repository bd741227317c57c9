#include "nsperf/mpi/workload.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <cstdlib>
#include <cstring>
#include <string>

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

TEST_F(Workload, RanksReadingTheirOwnTilesGetWhatRankZeroWouldSend) {
  // A raw u16 file (a format with partial reads), tiles that do not divide it and a halo wider
  // than the edge tiles' distance to the border.
  const core::ImageSpec spec{{203, 97}, core::DType::u16};
  const auto whole = nsperf::kernels::make_synthetic(spec, 7);
  std::string path = "/tmp/nsperf-workload-XXXXXX";
  if (world.rank() == 0) {
    const int fd = ::mkstemp(path.data());
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, whole.bytes().data(), whole.bytes().size()),
              static_cast<ssize_t>(whole.bytes().size()));
    ::close(fd);
  }
  boost::mpi::broadcast(world, path, 0);
  mpi::ImageOrigin origin;
  origin.image = path;
  origin.raw = "203x97:u16";
  auto loaded = mpi::load_image(world, origin);
  EXPECT_TRUE(loaded.partial);
  EXPECT_EQ(loaded.spec, spec);
  const auto w = mpi::read_own_tiles(world, std::move(loaded.pixels), loaded.spec, origin, 40, 5);
  const auto mine = w.plan.tiles_of(world.rank());
  ASSERT_EQ(w.tiles.size(), mine.size());
  std::int64_t own_bytes = 0;
  for (const auto& t : w.tiles) {
    const auto expected =
        core::extract_padded(whole, t.rect.x, t.rect.y, t.rect.width, t.rect.height, 5);
    ASSERT_EQ(t.padded.extent(), expected.extent());
    EXPECT_EQ(
        std::memcmp(t.padded.bytes().data(), expected.bytes().data(), expected.bytes().size()), 0)
        << "tile " << t.id;
    const auto x0 = std::max<std::int64_t>(0, t.rect.x - 5);
    const auto x1 = std::min<std::int64_t>(203, t.rect.x + t.rect.width + 5);
    const auto y0 = std::max<std::int64_t>(0, t.rect.y - 5);
    const auto y1 = std::min<std::int64_t>(97, t.rect.y + t.rect.height + 5);
    own_bytes += (x1 - x0) * (y1 - y0) * 2;
  }
  // Other ranks read exactly their tiles' regions, no more.
  if (world.rank() != 0) {
    EXPECT_EQ(w.bytes_read, own_bytes);
  }
  world.barrier();
  if (world.rank() == 0) ::unlink(path.c_str());
}
