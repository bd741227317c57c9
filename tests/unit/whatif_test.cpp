// nsperf whatif's model (sim/) on measured jobs made up here: the workload's resampling, and
// simulated jobs whose makespan follows from the costs by hand. Simulated seconds, never a
// timing of this machine.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numeric>

#include "nsperf/analysis/whatif_report.hpp"
#include "nsperf/sim/whatif.hpp"

namespace nsperf {
namespace {

// An image of `columns` x `rows` tiles of 64 (halo 5) whose tile i costs `cost(i)` in stage A
// and a tenth of it in stage B, measured at one rank with one thread on a node of 2 cores.
template <class Cost>
core::MeasuredJob made_up_job(std::int64_t columns, std::int64_t rows, Cost cost) {
  core::MeasuredJob job;
  job.image = {64 * columns, 64 * rows};
  job.tile_size = 64;
  job.halo = 5;
  job.ranks = 1;
  job.threads_per_rank = 1;
  job.cores = 2;
  job.chunk = 1;
  const auto plan = core::make_tile_plan(job.image, 64, 5, 1);
  for (std::size_t i = 0; i < plan.tiles.size(); ++i) {
    core::TileCost c;
    c.rect = plan.tiles[i];
    c.stage_a_s = cost(i);
    c.stage_b_s = cost(i) / 10;
    c.raw_bytes = 74 * 74;
    job.tiles.push_back(c);
  }
  job.cut_bytes_per_s = {74.0 * 74.0 / 1e-6, "made up: 1 µs a tile"};
  job.latency_s = {1e-6, "made up"};
  job.bandwidth_bytes_per_s = {10e9, "made up"};
  job.write_bytes_per_s = {0, "none"};
  return job;
}

// 8 tiles of 1 ms in chunks of 4 (dynamic): a request's and a tile's timing decide when rank 1
// starts (RankZeroFindsARequestAtItsSecondProbeAfterItArrived).
core::MeasuredJob eight_tiles_in_chunks_of_four() {
  auto job = made_up_job(4, 2, [](std::size_t) { return 1e-3; });
  job.chunk = 4;
  return job;
}

double total_cost(const std::vector<core::TileCost>& tiles) {
  double s = 0;
  for (const auto& t : tiles) s += t.stage_a_s + t.histogram_s + t.stage_b_s;
  return s;
}

TEST(WhatifWorkload, TheMeasuredTilesWhenNothingChanges) {
  const auto job = made_up_job(3, 2, [](std::size_t i) { return 1e-3 * double(i + 1); });
  const auto tiles = sim::workload_tiles(job, job.image, 64);
  ASSERT_EQ(tiles.size(), job.tiles.size());
  for (std::size_t i = 0; i < tiles.size(); ++i)
    EXPECT_EQ(tiles[i].stage_a_s, job.tiles[i].stage_a_s);
}

TEST(WhatifWorkload, AScaledImageRepeatsEachTileUnderItsCentre) {
  const auto job = made_up_job(3, 2, [](std::size_t i) { return 1e-3 * double(i + 1); });
  const auto tiles = sim::workload_tiles(job, {2 * job.image.width, 2 * job.image.height}, 64);
  ASSERT_EQ(tiles.size(), 4 * job.tiles.size());
  // The new tile at column 3, row 1 lies under measured tile (1, 0): cost 2 ms.
  EXPECT_DOUBLE_EQ(tiles[1 * 6 + 3].stage_a_s, 2e-3);
  EXPECT_NEAR(total_cost(tiles), 4 * total_cost(job.tiles), 1e-12);
}

TEST(WhatifWorkload, ATileOfAnotherSizeCostsItsPaddedPixels) {
  const auto job = made_up_job(2, 2, [](std::size_t) { return 1e-3; });
  const auto tiles = sim::workload_tiles(job, job.image, 128);
  ASSERT_EQ(tiles.size(), 1u);
  EXPECT_NEAR(tiles[0].stage_a_s, 1e-3 * (138.0 * 138.0) / (74.0 * 74.0), 1e-12);
  EXPECT_EQ(tiles[0].raw_bytes, 138 * 138);
}

TEST(WhatifWorkload, TheImageGrowsUntilEveryRankHasATile) {
  const auto job = made_up_job(2, 2, [](std::size_t) { return 1e-3; });
  EXPECT_EQ(sim::image_for_ranks(job, 64, 4), job.image);
  const core::Extent e = sim::image_for_ranks(job, 64, 5);
  EXPECT_EQ(e, (core::Extent{256, 256}));  // 2x a side: 16 tiles
}

sim::Scenario scenario(int ranks, const char* partitioner, const core::MeasuredJob& job) {
  return {ranks, partitioner, job.tile_size, job.image, 0, 0, {}};
}

// Dynamic at 2 ranks on one node of 2 cores: its predicted makespan.
double dynamic_at_two_ranks(const core::MeasuredJob& job) {
  const std::vector<sim::Scenario> s = {scenario(2, "dynamic", job)};
  const auto p = sim::predict(job, {}, s);
  EXPECT_EQ(p.size(), 1u);
  return p.empty() ? 0.0 : p[0].makespan_s;
}

TEST(WhatifReplay, OneRankRunsEveryTileAndCutsIt) {
  const auto job = made_up_job(4, 2, [](std::size_t i) { return 1e-3 * double(i + 1); });
  const std::vector<sim::Scenario> s = {scenario(1, "static-block", job),
                                        scenario(1, "dynamic", job)};
  const auto p = sim::predict(job, {}, s);
  ASSERT_EQ(p.size(), 2u);
  const double expected = total_cost(job.tiles) + 8 * 1e-6;
  for (const auto& x : p) {
    EXPECT_NEAR(x.makespan_s, expected, 1e-9) << x.scenario.partitioner;
    EXPECT_EQ(x.coordination_s, 0);
    EXPECT_EQ(x.bottleneck, "compute");
  }
}

TEST(WhatifReplay, RankZeroCutsTilesApartAtTheirOwnRate) {
  // Other ranks' tiles at 10 us, one not adjacent to the tile rank 0 cut before at 40 us, its
  // own at 1 us and 30 more apart. Static-cyclic at 2 ranks cuts rank 1's tiles 1, 3, ..., 15
  // (the first, then 7 apart), then its own 0, 2, ..., 14 (8 apart): 290 us coordinating, 8 x
  // 31 us cutting its own. Static-block cuts 8, ..., 15 and then 0 (apart), 1, ..., 7.
  // Dynamic (chunks of 1) cuts tile after tile in id order, whoever takes it: none apart.
  auto job = made_up_job(8, 2, [](std::size_t) { return 1e-6; });
  job.cut_for_others_bytes_per_s = {74.0 * 74.0 / 10e-6, "made up"};
  job.cut_apart_bytes_per_s = {74.0 * 74.0 / 40e-6, "made up"};
  const std::vector<sim::Scenario> s = {scenario(2, "static-cyclic", job),
                                        scenario(2, "static-block", job),
                                        scenario(2, "dynamic", job)};
  const auto p = sim::predict(job, {}, s);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_NEAR(p[0].coordination_s, 10e-6 + 7 * 40e-6, 1e-7);
  EXPECT_GT(p[0].makespan_s, 290e-6 + 8 * 31e-6);
  EXPECT_NEAR(p[1].coordination_s, 8 * 10e-6, 1e-7);
  EXPECT_LT(p[1].makespan_s, 290e-6);
  // Its requests (1 us each) and at most 15 tiles at 10 us: 40 us each if apart.
  EXPECT_LT(p[2].coordination_s, 16 * 11e-6);
}

TEST(WhatifReplay, ATileOnRankZerosNodeMovesOnceAsTheReceiverCopiesIt) {
  // As RankZeroFindsARequestAtItsSecondProbeAfterItArrived, but the node moves 74x74 bytes in
  // 1 ms: rank 1 starts its chunk of 4 at 2 ms, copies the tiles out of rank 0's memory by 6 ms,
  // computes them by 10, reduces the histogram (2 KiB each way, 0.75 ms), then stage B (0.4
  // ms): 11.15 ms. Timing the tiles' bytes over the node's link as well, before the copy, put
  // it at 12.2.
  auto job = eight_tiles_in_chunks_of_four();
  job.bandwidth_bytes_per_s = {74.0 * 74.0 / 1e-3, "made up: 1 ms a tile"};
  const double makespan = dynamic_at_two_ranks(job);
  EXPECT_GT(makespan, 11.15e-3);
  EXPECT_LT(makespan, 11.25e-3);
}

TEST(WhatifReplay, WithinANodeAMessageTakesASmallMessagesLatency) {
  // As RankZeroFindsARequestAtItsSecondProbeAfterItArrived (6.4-6.5 ms), with 100 us measured
  // at the tile's size: within a node the requests, replies, all-reduces and a tile's message
  // (its address) are small messages, at the 1 us measured for those. At 100 us a message, the
  // request, the reply, the tiles and four all-reduce messages would add about 0.7 ms.
  auto job = eight_tiles_in_chunks_of_four();
  job.latency_s = {100e-6, "made up: at the tile's size"};
  job.request_s = {1e-6, "made up: at 16 bytes"};
  const double makespan = dynamic_at_two_ranks(job);
  EXPECT_GT(makespan, 6.4e-3);
  EXPECT_LT(makespan, 6.5e-3);
}

TEST(WhatifReplay, SelfSchedulingEvensOutASkewThatStaticBlocksKeep) {
  // The first half of the tiles cost 10x the second: static-block gives rank 0 all of them.
  const auto job = made_up_job(8, 1, [](std::size_t i) { return i < 4 ? 10e-3 : 1e-3; });
  const std::vector<sim::Scenario> s = {scenario(2, "static-block", job),
                                        scenario(2, "static-cyclic", job),
                                        scenario(2, "dynamic", job)};
  const auto p = sim::predict(job, {}, s);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_GT(p[0].imbalance, 1.5);
  EXPECT_LT(p[1].imbalance, 1.1);
  EXPECT_LT(p[2].makespan_s, p[0].makespan_s);
  // Rank 0's busy time at least: the 4 costly tiles' stages.
  EXPECT_GE(p[0].makespan_s, 4 * 11e-3);
}

TEST(WhatifReplay, RanksSharingCoresGainNothing) {
  const auto job = made_up_job(8, 2, [](std::size_t) { return 1e-3; });
  const std::vector<sim::Scenario> s = {scenario(1, "static-cyclic", job),
                                        scenario(2, "static-cyclic", job),
                                        scenario(4, "static-cyclic", job)};
  sim::PlatformSpec one_node;
  one_node.nodes = 1;
  one_node.cores_per_node = 2;
  const auto p = sim::predict(job, one_node, s);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_LT(p[1].makespan_s, 0.6 * p[0].makespan_s);
  // 4 ranks on 2 cores: the same cores' work, shared out finer.
  EXPECT_GE(p[2].makespan_s, 0.95 * p[1].makespan_s);
  EXPECT_EQ(p[2].nodes, 1);
  EXPECT_NEAR(p[1].efficiency, p[1].speedup / 2, 1e-12);
}

// 16 tiles for 4 ranks, static-block: ranks below `busy` get tiles of 10 ms, the others 0.1 ms.
core::MeasuredJob busy_ranks_job(int busy) {
  const core::Partition block{core::Partitioner::static_block, 1};
  const auto owners = core::make_tile_plan({64 * 8, 64 * 2}, 64, 5, 4, block).owner;
  return made_up_job(8, 2, [&](std::size_t i) { return owners[i] < busy ? 10e-3 : 0.1e-3; });
}

sim::PlatformSpec one_node_of_two_cores() {
  sim::PlatformSpec p;
  p.nodes = 1;
  p.cores_per_node = 2;
  return p;
}

TEST(WhatifReplay, OnAnOversubscribedNodeEachRankKeepsToItsCore) {
  // 4 ranks on 2 cores, two to a core, each keeping to its own; three of them busy. However the
  // ranks fall on the cores, two busy ones share one: they take twice their work, where ranks
  // sharing both cores would take 1.5 times.
  const auto job = busy_ranks_job(3);
  const std::vector<sim::Scenario> s = {scenario(4, "static-block", job)};
  const auto p = sim::predict(job, one_node_of_two_cores(), s);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].nodes, 1);
  // A busy rank's work: 4 tiles of 11 ms (stages A and B).
  EXPECT_GT(p[0].makespan_s, 1.9 * 44e-3);
  EXPECT_LT(p[0].makespan_s, 2.2 * 44e-3);
}

// `scenarios` on one node of 2 cores predicted without the shared-core hand-over and with one
// of 100 us (made up, far above the 1-6 us measured, to stand out).
std::pair<std::vector<sim::Prediction>, std::vector<sim::Prediction>> without_and_with_handover(
    core::MeasuredJob job, const std::vector<sim::Scenario>& scenarios) {
  auto without = sim::predict(job, one_node_of_two_cores(), scenarios);
  job.handover_waiting_s = {100e-6, "made up"};
  job.handover_computing_s = {100e-6, "made up"};
  return {std::move(without), sim::predict(job, one_node_of_two_cores(), scenarios)};
}

TEST(WhatifReplay, RankZeroPaysAHandOverForEachYieldingCallOnASharedCore) {
  // 16 tiles of 1.1 ms. Rank 0 of static-block tests its sends after each of the 12 it makes:
  // at 4 ranks on 2 cores each test hands its core over; at 2 ranks each has a core and
  // nothing changes.
  const auto job = made_up_job(8, 2, [](std::size_t) { return 1e-3; });
  const auto [without, with] = without_and_with_handover(
      job, {scenario(2, "static-block", job), scenario(4, "static-block", job)});
  ASSERT_EQ(without.size(), 2u);
  ASSERT_EQ(with.size(), 2u);
  EXPECT_DOUBLE_EQ(with[0].makespan_s, without[0].makespan_s);
  // 12 calls of 100 us on rank 0's core: at least half of it on the makespan (the other rank
  // of the core may take the rest), at most all of it twice over (the core shared meanwhile).
  EXPECT_GT(with[1].makespan_s - without[1].makespan_s, 0.6e-3);
  EXPECT_LT(with[1].makespan_s - without[1].makespan_s, 2.4e-3 + 0.2e-3);
  EXPECT_GT(with[1].coordination_share, without[1].coordination_share);

  // Dynamic's rank 0 probes for requests after each of its tiles; a probe that finds none hands
  // its core over. 32 tiles, every fourth of 1 ms, the others of 10 us: rank 0 probes after
  // each cheap tile while the others compute a costly one with their next chunk in hand.
  const auto mostly_cheap =
      made_up_job(8, 4, [](std::size_t i) { return i % 4 == 0 ? 1e-3 : 1e-5; });
  const auto [d_without, d_with] =
      without_and_with_handover(mostly_cheap, {scenario(4, "dynamic", mostly_cheap)});
  ASSERT_EQ(d_without.size(), 1u);
  ASSERT_EQ(d_with.size(), 1u);
  EXPECT_GT(d_with[0].makespan_s, d_without[0].makespan_s + 0.1e-3);
}

TEST(WhatifReplay, RankZeroFindsARequestAtItsSecondProbeAfterItArrived) {
  // 8 tiles of 1 ms in chunks of 4, 2 ranks, each on its core. Rank 0 takes the first chunk
  // (rank 1's request is not there yet), probes after its first tile and takes the request in,
  // and finds it after its second (Open MPI's MPI_Iprobe matches first, then progresses): rank
  // 1 starts its 4 tiles at 2 ms and ends at 6, then stage B (0.4 ms). Found at the first
  // probe, it would end at 5.
  const double makespan = dynamic_at_two_ranks(eight_tiles_in_chunks_of_four());
  EXPECT_GT(makespan, 6.4e-3);
  EXPECT_LT(makespan, 6.5e-3);
}

TEST(WhatifReplay, RanksBoundToCoresRunWhereTheyWereBound) {
  // 4 ranks on 2 cores (CPUs 4 and 5), ranks 0 and 1 busy: bound to one core they share it,
  // bound to two they do not.
  const auto job = busy_ranks_job(2);
  const auto one_node = one_node_of_two_cores();
  auto bound = [&](std::vector<int> cores) {
    auto s = scenario(4, "static-block", job);
    s.core_of_rank = std::move(cores);
    const std::vector<sim::Scenario> list = {s};
    const auto p = sim::predict(job, one_node, list);
    EXPECT_EQ(p.size(), 1u);
    return p.empty() ? 0.0 : p[0].makespan_s;
  };
  const double together = bound({4, 4, 5, 5});
  const double apart = bound({4, 5, 4, 5});
  EXPECT_NEAR(apart, 44e-3, 4e-3);  // a busy rank's 4 tiles of 11 ms
  EXPECT_GT(together, 1.9 * 44e-3);
}

TEST(WhatifReplay, ARankWhoseTileArrivedWaitsForItsTurnWhileItsCoreMateComputes) {
  // 4 ranks on 2 cores, static-block, 4 tiles each: ranks 0 and 1 of 10 ms (stage B 1 ms),
  // ranks 2 and 3 of 5 ms (0.5 ms); ranks 0 and 2 on one core, 1 and 3 on the other. Rank 1's
  // tiles come first and it computes them without a wait (each next tile has arrived); rank
  // 3's first tile arrives meanwhile. Where the probe measured no slice, rank 3 starts at once
  // and the two share the core: busy (computing, sharing included) 60 + 6 ms and 40 + 4 ms,
  // max over mean 66 / 55. With a slice longer than rank 1's 40 ms (made up to make the sums
  // plain), rank 3 waits until rank 1 enters the all-reduce and then computes alone, and in
  // stage B one of the two waits for the other: 40 + 4 and 20 + 2 ms, 44 / 33. The same on
  // the core of ranks 0 and 2 (rank 0 cuts and sends, then computes without a wait). The
  // core's work is the same, so is the makespan.
  const core::Partition block{core::Partitioner::static_block, 1};
  const auto owners = core::make_tile_plan({64 * 8, 64 * 2}, 64, 5, 4, block).owner;
  auto job = made_up_job(8, 2, [&](std::size_t i) { return owners[i] < 2 ? 10e-3 : 5e-3; });
  auto s = scenario(4, "static-block", job);
  s.core_of_rank = {4, 5, 4, 5};
  const std::vector<sim::Scenario> list = {s};
  const auto shared = sim::predict(job, one_node_of_two_cores(), list);
  job.handover_slice_s = {100e-3, "made up"};
  const auto turns = sim::predict(job, one_node_of_two_cores(), list);
  ASSERT_EQ(shared.size(), 1u);
  ASSERT_EQ(turns.size(), 1u);
  EXPECT_NEAR(shared[0].imbalance, 66.0 / 55.0, 0.01);
  EXPECT_NEAR(turns[0].imbalance, 44.0 / 33.0, 0.01);
  EXPECT_NEAR(turns[0].makespan_s, shared[0].makespan_s, 0.01 * shared[0].makespan_s);
}

TEST(WhatifReplay, ALinkTooSlowForTheTilesIsTheBottleneck) {
  const auto job = made_up_job(8, 8, [](std::size_t) { return 1e-6; });
  sim::PlatformSpec slow;
  slow.cores_per_node = 1;  // every rank on its own node
  slow.link = {1e6, 1e-6};  // 1 MB/s
  const std::vector<sim::Scenario> s = {scenario(4, "static-block", job)};
  const auto p = sim::predict(job, slow, s);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].bottleneck, "network");
  EXPECT_EQ(p[0].nodes, 4);
  // Rank 0 sends 48 tiles of 74x74 bytes over 1 MB/s.
  EXPECT_GE(p[0].makespan_s, 48 * 74 * 74 / 1e6);
}

TEST(WhatifReplay, RankZeroSpendsTheTransportsTimeOnTheBytesItSendsToAnotherNode) {
  // 16 tiles of 1 ms, static-block at 2 ranks: rank 0 cuts rank 1's 8 (1 us each) and, where
  // rank 1 runs on another node, spends 0.5 ms of its own on each one's bytes (the sending
  // probe's figure) before they travel, and rank 1 as long taking each in; within a node the
  // receiver copies (at 10 GB/s, 0.5 us a tile), and rank 0 spends nothing on them.
  auto job = made_up_job(8, 2, [](std::size_t) { return 1e-3; });
  job.sending_s_per_byte = {0.5e-3 / (74.0 * 74.0), "made up: 0.5 ms a tile"};
  sim::PlatformSpec two_nodes;
  two_nodes.nodes = 2;
  two_nodes.cores_per_node = 1;
  two_nodes.link = {10e9, 1e-6};
  const std::vector<sim::Scenario> s = {scenario(2, "static-block", job)};
  const auto apart = sim::predict(job, two_nodes, s);
  const auto together = sim::predict(job, {}, s);  // one node of 2 cores
  ASSERT_EQ(apart.size(), 1u);
  ASSERT_EQ(together.size(), 1u);
  ASSERT_EQ(apart[0].nodes, 2);
  ASSERT_EQ(together[0].nodes, 1);
  EXPECT_NEAR(apart[0].coordination_s, 8 * (1e-6 + 0.5e-3), 1e-7);
  EXPECT_NEAR(together[0].coordination_s, 8 * 1e-6, 1e-7);
  // Rank 0's own 8 ms of tiles start 4 ms later (it ends at 12 ms); rank 1's first tile comes
  // after 0.5 ms, then each takes 1.5 ms: it ends at 12.5 ms, where together both end at 8.
  EXPECT_NEAR(apart[0].makespan_s - together[0].makespan_s, 4.5e-3, 0.1e-3);
}

TEST(WhatifReplay, RanksPerNodePlacesRanksAsTheMeasuredRunHadThem) {
  const auto job = made_up_job(8, 8, [](std::size_t) { return 1e-3; });
  sim::PlatformSpec two;
  two.nodes = 2;
  two.cores_per_node = 4;
  auto filled = scenario(4, "static-block", job);  // fills the first node's 4 cores
  auto spread = filled;
  spread.ranks_per_node = 2;  // as mpirun -N 2 would: two on each node
  const std::vector<sim::Scenario> s = {filled, spread};
  const auto p = sim::predict(job, two, s);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].nodes, 1);
  EXPECT_EQ(p[1].nodes, 2);
}

TEST(WhatifContention, TheProbesSlowdownGrowsWithTheBusyCoresUpToTheProbedCount) {
  core::MeasuredJob job;
  EXPECT_EQ(job.contention(64), 1.0);  // not measured: as measured whatever the load
  job.busy_cores_slowdown = {1.3, "made up"};
  job.busy_cores_probed = 4;
  job.busy_cores_measured = 1;
  EXPECT_DOUBLE_EQ(job.contention(1), 1.0);
  EXPECT_DOUBLE_EQ(job.contention(2), 1.1);
  EXPECT_DOUBLE_EQ(job.contention(4), 1.3);
  EXPECT_DOUBLE_EQ(job.contention(64), 1.3);  // flat beyond what was probed
  job.busy_cores_measured = 4;                // measured with the node full: faster alone
  EXPECT_DOUBLE_EQ(job.contention(1), 1.0 / 1.3);
  EXPECT_DOUBLE_EQ(job.contention(4), 1.0);
  job.busy_cores_slowdown = {0.97, "made up"};  // the probe's noise, not a speed-up
  EXPECT_EQ(job.contention(1), 1.0);
}

TEST(WhatifReplay, TilesCostTheProbedSlowdownOnANodeWhoseCoresAllCompute) {
  auto job = made_up_job(8, 2, [](std::size_t) { return 1e-3; });
  sim::PlatformSpec two_nodes;
  two_nodes.nodes = 2;
  two_nodes.cores_per_node = 2;
  auto together = scenario(2, "static-block", job);  // both on the first node
  auto apart = together;
  apart.ranks_per_node = 1;
  const std::vector<sim::Scenario> s = {scenario(1, "static-block", job), together, apart};
  const auto before = sim::predict(job, two_nodes, s);
  job.busy_cores_slowdown = {1.5, "made up"};
  job.busy_cores_probed = 2;
  const auto after = sim::predict(job, two_nodes, s);
  ASSERT_EQ(before.size(), 3u);
  ASSERT_EQ(after.size(), 3u);
  // Alone on a node (1 rank; 1 rank a node): as measured, alone too.
  EXPECT_DOUBLE_EQ(after[0].makespan_s, before[0].makespan_s);
  EXPECT_DOUBLE_EQ(after[2].makespan_s, before[2].makespan_s);
  // Two on one node of 2 cores: 8 tiles of 1.1 ms each, 1.5 times over, beside the cutting
  // and the messages, which do not scale.
  EXPECT_GT(after[1].makespan_s - before[1].makespan_s, 0.5 * 8 * 1.1e-3 * 0.99);
  EXPECT_LT(after[1].makespan_s - before[1].makespan_s, 0.5 * 8 * 1.1e-3 * 1.01);
}

TEST(WhatifReplay, ARareSlowRepetitionOfACoreSlowsAJobOfManyCoresAndNotOneCore) {
  auto job = made_up_job(8, 8, [](std::size_t) { return 1e-3; });
  sim::PlatformSpec cluster;
  cluster.cores_per_node = 64;
  const std::vector<sim::Scenario> s = {scenario(1, "static-block", job),
                                        scenario(64, "static-block", job)};
  const auto steady = sim::predict(job, cluster, s);
  // One repetition in ten, a core computes at half its speed.
  job.core_speeds = {1, 1, 1, 1, 1, 1, 1, 1, 1, 2};
  const auto noisy = sim::predict(job, cluster, s);
  ASSERT_EQ(steady.size(), 2u);
  ASSERT_EQ(noisy.size(), 2u);
  // One core: the median repetition is a steady one.
  EXPECT_DOUBLE_EQ(noisy[0].makespan_s, steady[0].makespan_s);
  // 64 cores, a tile each: one of them is slow in nearly every repetition (1 - 0.9^64), and the
  // job waits for it: its 1.1 ms tile twice over.
  EXPECT_NEAR(noisy[1].makespan_s - steady[1].makespan_s, 1.1e-3, 0.02e-3);
}

TEST(WhatifReplay, ThousandsOfRanks) {
  const auto job = made_up_job(64, 32, [](std::size_t i) { return 1e-4 * double(1 + i % 7); });
  const std::vector<sim::Scenario> s = {scenario(2048, "guided", job)};
  sim::PlatformSpec cluster;
  cluster.cores_per_node = 64;
  const auto p = sim::predict(job, cluster, s);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].nodes, 32);
  EXPECT_GT(p[0].makespan_s, 0);
}

TEST(WhatifValidation, TheTilesCostSaysHowMuchTheMachineDriftedAndWhichRank) {
  // 4 tiles of 1 ms in the predicting run; one measured run's rank 1 took 1.5 ms on each of its
  // two (the run +25%, its slowest rank +50%), another's ranks took 1 ms as before (0%, 0%).
  using Tiles = std::map<std::int64_t, core::MeasuredTile>;
  analysis::ValidationRow v;
  EXPECT_TRUE(std::isnan(v.tile_cost_change().whole));
  EXPECT_TRUE(std::isnan(v.tile_cost_change().slowest_rank));
  v.base_tiles = {Tiles{{0, {0, 1e-3}}, {1, {0, 1e-3}}, {2, {0, 1e-3}}, {3, {0, 1e-3}}}};
  v.measured_tiles = {Tiles{{0, {0, 1e-3}}, {1, {0, 1e-3}}, {2, {1, 1.5e-3}}, {3, {1, 1.5e-3}}}};
  EXPECT_NEAR(v.tile_cost_change().whole, 0.25, 1e-12);
  EXPECT_NEAR(v.tile_cost_change().slowest_rank, 0.5, 1e-12);
  v.measured_tiles.push_back(Tiles{{0, {0, 1e-3}}, {1, {1, 1e-3}}, {2, {0, 1e-3}}, {3, {1, 1e-3}}});
  // Medians over the two runs: the sums 5 and 4 ms against 4, the slowest ranks +50% and 0%.
  EXPECT_NEAR(v.tile_cost_change().whole, 0.125, 1e-12);
  EXPECT_NEAR(v.tile_cost_change().slowest_rank, 0.25, 1e-12);
}

TEST(WhatifValidation, TheRankingNamesPairsOrderedOtherwise) {
  analysis::ValidationReport r;
  auto row = [&](const char* partitioner, double measured, double predicted) {
    analysis::ValidationRow v;
    v.base_runs = {"a"};
    v.runs = {"b"};
    v.group = "a -> b";
    v.ranks = 2;
    v.partitioner = partitioner;
    for (int i = 0; i < 10; ++i) v.measured_s.push_back(measured + 1e-4 * i);
    v.measured_median_s = measured;
    v.predictions_s = {predicted * 0.9, predicted, predicted * 1.2};
    r.rows.push_back(v);
  };
  row("static-block", 2.0, 1.0);  // measured slower, predicted faster than dynamic
  row("dynamic", 1.0, 1.5);
  row("guided", 1.0, 1.4);  // the same times as dynamic: not significantly different
  analysis::finish_validation(r);
  EXPECT_EQ(r.rows[0].predicted_s, 1.0);  // the median of the base runs' predictions
  ASSERT_EQ(r.rankings.size(), 1u);
  EXPECT_EQ(r.rankings[0].significant_pairs(), 2);
  ASSERT_EQ(r.rankings[0].disagreements.size(), 2u);
  // Medians 2.0 against 1.0 measured, 1.0 against 1.5 predicted.
  EXPECT_EQ(r.rankings[0].disagreements[0],
            "static-block > dynamic measured (100% apart), the other way predicted (50% apart)");
  // Every pair, the faster measured first, with its test and both orders.
  const auto& pairs = r.rankings[0].pairs;
  ASSERT_EQ(pairs.size(), 3u);
  EXPECT_EQ(pairs[0].a, "dynamic");
  EXPECT_EQ(pairs[0].b, "static-block");
  EXPECT_TRUE(pairs[0].significant());
  EXPECT_FALSE(pairs[0].ordered_as_measured());
  EXPECT_EQ(pairs[0].measured_b_s, 2.0);
  EXPECT_EQ(pairs[0].predicted_b_s, 1.0);
  EXPECT_EQ(pairs[2].a, "dynamic");  // dynamic and guided: the same times
  EXPECT_EQ(pairs[2].b, "guided");
  EXPECT_FALSE(pairs[2].significant());
  EXPECT_GT(pairs[2].p, 0.5);
}

}  // namespace
}  // namespace nsperf
