#include "nsperf/core/profiler.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

namespace {

using nsperf::core::RegionKind;
using nsperf::core::RegionRecord;
using nsperf::core::RegionTree;

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

const RegionRecord& find(const std::vector<RegionRecord>& records, const std::string& path) {
  for (const auto& r : records) {
    if (r.path == path) return r;
  }
  throw std::runtime_error("no region " + path);
}

TEST(RegionTree, NestsRegionsIntoATreeWithCallsAndTimes) {
  RegionTree tree;
  for (int i = 0; i < 2; ++i) {
    tree.enter("outer");
    tree.enter("inner");
    sleep_ms(5);
    tree.leave();
    tree.enter("send", RegionKind::mpi);
    sleep_ms(2);
    tree.leave();
    sleep_ms(1);
    tree.leave();
  }
  const auto records = tree.records();
  ASSERT_EQ(records.size(), 3u);
  // Depth first, children in the order first entered.
  EXPECT_EQ(records[0].path, "outer");
  EXPECT_EQ(records[1].path, "outer/inner");
  EXPECT_EQ(records[2].path, "outer/send");
  EXPECT_EQ(records[2].name, "send");
  EXPECT_EQ(records[2].depth, 1);
  EXPECT_EQ(records[2].kind, RegionKind::mpi);
  for (const auto& r : records) EXPECT_EQ(r.calls, 2) << r.path;
  const auto& outer = records[0];
  EXPECT_GE(records[1].inclusive_s, 0.010);
  EXPECT_GE(records[2].inclusive_s, 0.004);
  // Exclusive time is what the children do not cover; leaves have no children.
  EXPECT_NEAR(outer.exclusive_s,
              outer.inclusive_s - records[1].inclusive_s - records[2].inclusive_s, 1e-9);
  EXPECT_GE(outer.exclusive_s, 0.002);
  EXPECT_EQ(records[1].exclusive_s, records[1].inclusive_s);
  EXPECT_EQ(tree.total_calls(), 6);
}

TEST(RegionTree, TheSameNameUnderDifferentParentsMakesTwoNodes) {
  RegionTree tree;
  tree.enter("pipeline");
  tree.enter("stage_a");
  tree.leave();
  tree.leave();
  tree.enter("reference");
  tree.enter("stage_a");
  tree.leave();
  tree.leave();
  const auto records = tree.records();
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(find(records, "pipeline/stage_a").calls, 1);
  EXPECT_EQ(find(records, "reference/stage_a").calls, 1);
}

TEST(RegionTree, NamesBuiltAtRunTimeAreComparedByValue) {
  RegionTree tree;
  // Two strings at what may be the same address must still be told apart, and the same name
  // from a new string must find its node again.
  for (const char* name : {"compute", "check", "compute"}) {
    const std::string built(name);
    tree.enter(built);
    tree.leave();
  }
  const auto records = tree.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(find(records, "compute").calls, 2);
  EXPECT_EQ(find(records, "check").calls, 1);
  // A literal with the same text as a run-time name is the same region.
  tree.enter("compute");
  tree.leave();
  EXPECT_EQ(find(tree.records(), "compute").calls, 3);
}

TEST(RegionTree, AnMpiRegionAndACodeRegionOfOneNameAreDistinct) {
  RegionTree tree;
  tree.enter("transfer");
  tree.leave();
  tree.enter("transfer", RegionKind::mpi);
  tree.leave();
  const auto records = tree.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_NE(records[0].kind, records[1].kind);
}

TEST(RegionTree, OpenRegionsCountUpToNowAndClearKeepsThemOpen) {
  RegionTree tree;
  tree.enter("run");
  tree.enter("done");
  tree.leave();
  sleep_ms(2);
  auto records = tree.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].calls, 1) << "the call in progress";
  EXPECT_GE(records[0].inclusive_s, 0.002);
  tree.clear();
  EXPECT_EQ(tree.open_regions(), 1u);
  records = tree.records();
  ASSERT_EQ(records.size(), 1u) << "closed regions forgotten";
  EXPECT_EQ(records[0].path, "run");
  EXPECT_EQ(records[0].calls, 1);
  EXPECT_LT(records[0].inclusive_s, 0.002) << "its time restarts";
  tree.enter("after");
  tree.leave();
  tree.leave();
  records = tree.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].path, "run/after");
  EXPECT_EQ(records[0].calls, 1);
}

TEST(RegionTree, LeaveWithNothingOpenIsIgnored) {
  RegionTree tree;
  tree.leave();
  EXPECT_TRUE(tree.records().empty());
  EXPECT_EQ(tree.open_regions(), 0u);
}

TEST(ScopedRegion, TheMacrosRecordInTheThreadsTree) {
  auto& tree = nsperf::core::thread_regions();
  tree.clear();
  {
    NSPERF_REGION("annotated");
    { NSPERF_MPI_REGION("MPI_Barrier"); }
    const std::string name = "strategy";
    NSPERF_REGION(name);
  }
  const auto records = tree.records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].path, "annotated");
  EXPECT_EQ(records[1].path, "annotated/MPI_Barrier");
  EXPECT_EQ(records[1].kind, RegionKind::mpi);
  EXPECT_EQ(records[2].path, "annotated/strategy");
  EXPECT_EQ(tree.open_regions(), 0u);
  // Another thread has a tree of its own.
  std::thread([] { EXPECT_TRUE(nsperf::core::thread_regions().records().empty()); }).join();
  tree.clear();
}

TEST(RegionOverhead, IsPositiveAndSmall) {
  const double s = nsperf::core::region_overhead_s(10000);
  EXPECT_GT(s, 0);
  EXPECT_LT(s, 1e-4) << "an empty region costs microseconds, not a tenth of a millisecond";
}

}  // namespace
