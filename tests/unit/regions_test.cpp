#include "nsperf/core/regions.hpp"

#include <gtest/gtest.h>

namespace {

using nsperf::core::RankRegion;
using nsperf::core::RegionKind;
using nsperf::core::RegionRecord;

RankRegion region(int rank, const std::string& path, double inclusive, double exclusive,
                  RegionKind kind = RegionKind::code, int depth = 0, std::int64_t calls = 1) {
  const auto slash = path.rfind('/');
  return {rank, RegionRecord{path, slash == std::string::npos ? path : path.substr(slash + 1),
                             depth, kind, calls, inclusive, exclusive}};
}

TEST(RegionStats, MinMeanMaxAndImbalanceOverEveryRankOfTheRun) {
  const std::vector<RankRegion> regions = {
      region(0, "pipeline", 4.0, 1.0),
      region(0, "pipeline/MPI_Allreduce", 3.0, 3.0, RegionKind::mpi, 1, 5),
      region(1, "pipeline", 2.0, 1.5),
      region(1, "pipeline/MPI_Allreduce", 0.5, 0.5, RegionKind::mpi, 1, 5),
      // Rank 2 never entered the reduction (no tile): it counts with zero time.
      region(2, "pipeline", 3.0, 3.0),
  };
  const auto stats = nsperf::core::region_stats(regions, 3);
  ASSERT_EQ(stats.size(), 2u);
  const auto& p = stats[0];
  EXPECT_EQ(p.path, "pipeline");
  EXPECT_EQ(p.ranks_entered, 3);
  EXPECT_EQ(p.calls, 3);
  EXPECT_DOUBLE_EQ(p.inclusive_min_s, 2.0);
  EXPECT_DOUBLE_EQ(p.inclusive_mean_s, 3.0);
  EXPECT_DOUBLE_EQ(p.inclusive_max_s, 4.0);
  EXPECT_DOUBLE_EQ(p.imbalance, 4.0 / 3.0);
  EXPECT_DOUBLE_EQ(p.exclusive_max_s, 3.0);
  EXPECT_EQ(p.slowest_rank, 2);
  const auto& r = stats[1];
  EXPECT_EQ(r.kind, RegionKind::mpi);
  EXPECT_EQ(r.ranks_entered, 2);
  EXPECT_EQ(r.calls, 10);
  EXPECT_DOUBLE_EQ(r.inclusive_min_s, 0.0);
  EXPECT_DOUBLE_EQ(r.inclusive_mean_s, 3.5 / 3);
  EXPECT_EQ(r.slowest_rank, 0);
}

TEST(RegionStats, RanksTreesMergeIntoOneTreeInDepthFirstOrder) {
  // Rank 1 has a child rank 0 never entered; it must follow its parent, not rank 0's last node.
  const std::vector<RankRegion> regions = {
      region(0, "distribute", 1, 1),
      region(0, "distribute/MPI_Send", 1, 1, RegionKind::mpi, 1),
      region(0, "output-write", 1, 1),
      region(1, "distribute", 1, 1),
      region(1, "distribute/MPI_Recv", 1, 1, RegionKind::mpi, 1),
      region(1, "output-write", 1, 1),
  };
  const auto stats = nsperf::core::region_stats(regions, 2);
  std::vector<std::string> paths;
  for (const auto& s : stats) paths.push_back(s.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"distribute", "distribute/MPI_Send",
                                             "distribute/MPI_Recv", "output-write"}));
}

TEST(RegionStats, ARegionWithNoTimeIsBalanced) {
  const auto stats = nsperf::core::region_stats(std::vector{region(0, "empty", 0, 0)}, 2);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].imbalance, 1.0);
}

TEST(Hotspots, RankedByTheSlowestRanksExclusiveTime) {
  const std::vector<RankRegion> regions = {
      region(0, "a", 10, 1),
      region(1, "a", 10, 2),  // slowest rank: 2
      region(0, "a/b", 9, 9, RegionKind::code, 1),
      region(1, "a/b", 8, 8, RegionKind::code, 1),
      region(0, "c", 5, 5),
      region(1, "c", 1, 1),
      region(0, "idle", 0, 0),
  };
  const auto stats = nsperf::core::region_stats(regions, 2);
  const auto top = nsperf::core::hotspots(stats, 2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].path, "a/b");
  EXPECT_EQ(top[1].path, "c");
  const auto all = nsperf::core::hotspots(stats, 10);
  EXPECT_EQ(all.size(), 3u) << "a region with no time is no hotspot";
}

TEST(RankTimes, TotalFromTopLevelRegionsMpiFromMpiRegions) {
  const std::vector<RankRegion> regions = {
      region(0, "run", 10, 2),
      region(0, "run/MPI_Send", 3, 3, RegionKind::mpi, 1),
      region(0, "run/x", 5, 4, RegionKind::code, 1),
      region(0, "run/x/agree", 1, 1, RegionKind::mpi, 2),
      region(1, "run", 8, 8),
      region(1, "gather", 1, 1, RegionKind::mpi),
  };
  const auto t = nsperf::core::rank_times(regions, 2);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_DOUBLE_EQ(t[0].total_s, 10);
  EXPECT_DOUBLE_EQ(t[0].mpi_s, 4);
  EXPECT_DOUBLE_EQ(t[1].total_s, 9);
  EXPECT_DOUBLE_EQ(t[1].mpi_s, 1);
}

}  // namespace
