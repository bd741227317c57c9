#include "nsperf/core/recommend.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace {

using nsperf::core::CheckStatus;
using nsperf::core::Interval;
using nsperf::core::Recommendation;
using nsperf::core::RunEvidence;
using nsperf::core::SummaryRow;

SummaryRow row(const std::string& optimizer, const std::string& strategy, const std::string& kernel,
               double speedup, Interval ci, double median_s = 1.0) {
  SummaryRow r;
  r.optimizer = optimizer;
  r.strategy = strategy;
  r.kernel = kernel;
  r.image = {{1024, 1024}, nsperf::core::DType::u8};
  r.ranks = 2;
  r.speedup = speedup;
  r.speedup_ci = ci;
  r.seconds.count = 10;
  r.seconds.median = median_s;
  r.seconds.ci = {median_s * 0.95, median_s * 1.05, 0.98};
  r.check = CheckStatus::passed;
  return r;
}

RunEvidence evidence() {
  RunEvidence e;
  e.source = "r.h5, run X";
  e.ranks = 2;
  e.threads_per_rank = 1;
  e.node_cores = 2;
  e.ranks_on_node = 2;
  e.run_strategy = "fused";
  e.baselines = {{"cpu", "scalar"},       {"memory", "float64"}, {"distributed", "static-block"},
                 {"network", "blocking"}, {"io", "unbuffered"},  {"database", "naive"}};
  return e;
}

const Recommendation* find(const std::vector<Recommendation>& recs, const std::string& rule) {
  auto it = std::find_if(recs.begin(), recs.end(),
                         [&](const Recommendation& r) { return r.rule == rule; });
  return it == recs.end() ? nullptr : &*it;
}

std::vector<Recommendation> recommend(const RunEvidence& e) {
  return nsperf::core::recommend(std::vector<RunEvidence>{e});
}

TEST(Recommend, NothingWithoutData) {
  EXPECT_TRUE(nsperf::core::recommend({}).empty());
  EXPECT_TRUE(recommend(evidence()).empty());
}

TEST(Recommend, AComputeBoundPipelineGetsTheFastestPassingStrategy) {
  auto e = evidence();
  e.run_strategy = "scalar";
  auto base = row("cpu", "scalar", "pipeline", 1, {1, 1, 0.98});
  base.bandwidth_fraction = 0.03;
  base.gbyte_per_s = 1.2;
  auto simd = row("cpu", "simd", "pipeline", 6.2, {6.0, 6.4, 0.98});
  auto fused = row("cpu", "fused", "pipeline", 7.3, {7.1, 7.5, 0.98});
  auto wrong = row("cpu", "opencv", "pipeline", 9.0, {8.8, 9.2, 0.98});
  wrong.check = CheckStatus::failed;  // never recommended, however fast
  e.summary = {base, simd, fused, wrong};
  const auto recs = recommend(e);
  const auto* r = find(recs, "cpu-bandwidth");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->key, "run.strategy");
  EXPECT_EQ(r->value, "fused");
  EXPECT_TRUE(r->run_key);
  EXPECT_DOUBLE_EQ(r->expected_speedup, 7.3);
  EXPECT_DOUBLE_EQ(r->expected_ci.low, 7.1);
  EXPECT_NE(r->finding.find("3% of the measured memory-bandwidth ceiling"), std::string::npos)
      << r->finding;
  EXPECT_NE(r->evidence.find("r.h5, run X"), std::string::npos);
}

TEST(Recommend, NoCpuChangeWhenTheConfiguredStrategyIsAsFastOrTheBaselineIsMemoryBound) {
  auto e = evidence();
  auto base = row("cpu", "scalar", "pipeline", 1, {1, 1, 0.98});
  base.bandwidth_fraction = 0.03;
  e.summary = {base, row("cpu", "fused", "pipeline", 7.3, {7.1, 7.5, 0.98}),
               row("cpu", "simd", "pipeline", 7.4, {7.0, 7.6, 0.98})};
  EXPECT_EQ(find(recommend(e), "cpu-bandwidth"), nullptr) << "fused, configured, overlaps simd";
  e.run_strategy = "scalar";
  e.summary[0].bandwidth_fraction = 0.6;
  EXPECT_EQ(find(recommend(e), "cpu-bandwidth"), nullptr) << "near the ceiling already";
}

TEST(Recommend, ImbalanceFromTheDistributedOptimizerWithItsBestPartitioner) {
  auto e = evidence();
  auto base = row("distributed", "static-block", "pipeline", 1, {1, 1, 0.98});
  base.imbalance = 1.7;
  auto dynamic = row("distributed", "dynamic", "pipeline", 1.47, {1.44, 1.53, 0.98});
  dynamic.imbalance = 1.01;
  auto cyclic = row("distributed", "static-cyclic", "pipeline", 1.3, {1.2, 1.4, 0.98});
  e.summary = {base, dynamic, cyclic};
  const auto recs = recommend(e);
  const auto* r = find(recs, "imbalance");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->value, "static-block,dynamic");
  EXPECT_EQ(r->key, "optimizers.distributed.strategies");
  EXPECT_FALSE(r->run_key);
  EXPECT_DOUBLE_EQ(r->expected_speedup, 1.47);
  e.summary[0].imbalance = 1.05;  // balanced: nothing to fix
  EXPECT_EQ(find(recommend(e), "imbalance"), nullptr);
}

TEST(Recommend, ImbalanceFromProfiledStagesWithoutAPrediction) {
  auto e = evidence();
  using nsperf::core::RegionKind;
  e.rank_regions = {
      {0, {"pipeline/stage_a", "stage_a", 1, RegionKind::code, 1, 3.0, 3.0}},
      {0, {"pipeline/stage_b", "stage_b", 1, RegionKind::code, 1, 1.0, 1.0}},
      {1, {"pipeline/stage_a", "stage_a", 1, RegionKind::code, 1, 1.0, 1.0}},
      {1, {"pipeline/stage_b", "stage_b", 1, RegionKind::code, 1, 1.0, 1.0}},
      {1, {"pipeline/MPI_Allreduce", "MPI_Allreduce", 1, RegionKind::mpi, 3, 2.0, 2.0}},
  };
  const auto recs = recommend(e);
  const auto* r = find(recs, "imbalance");
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->finding.find("rank 0"), std::string::npos) << r->finding;
  EXPECT_NE(r->finding.find("1.33x"), std::string::npos) << r->finding;  // 4 / mean(4, 2)
  EXPECT_EQ(r->expected_speedup, 0) << "no partitioner measured: no prediction";
}

TEST(Recommend, CompressedTransfersOnlyWhenCompressibleAndFaster) {
  auto e = evidence();
  auto blocking = row("network", "blocking", "transfer", 1, {1, 1, 0.98});
  blocking.bytes = blocking.wire_bytes = 1000000;
  auto compressed = row("network", "compressed", "transfer", 0.3, {0.28, 0.32, 0.98});
  compressed.bytes = 1000000;
  compressed.wire_bytes = 100000;
  e.summary = {blocking, compressed};
  EXPECT_EQ(find(recommend(e), "compress-transfers"), nullptr) << "compressible but slower";
  e.summary[1].speedup = 2.5;
  e.summary[1].speedup_ci = {2.2, 2.8, 0.98};
  e.rank_times = {{0, 10, 1}, {1, 10, 5}};
  const auto recs = recommend(e);
  const auto* r = find(recs, "compress-transfers");
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->finding.find("10x"), std::string::npos) << r->finding;
  EXPECT_NE(r->finding.find("30% of their time in MPI"), std::string::npos) << r->finding;
  e.summary[1].wire_bytes = 900000;  // barely compressible
  EXPECT_EQ(find(recommend(e), "compress-transfers"), nullptr);
}

TEST(Recommend, MemoryIoAndDatabaseRules) {
  auto e = evidence();
  auto f64 = row("memory", "float64", "pipeline", 1, {1, 1, 0.98});
  f64.held_bytes = 1000;
  auto f32 = row("memory", "float32", "pipeline", 1.15, {1.1, 1.2, 0.98});
  f32.held_bytes = 500;
  auto slow = row("memory", "compressed", "pipeline", 0.5, {0.45, 0.55, 0.98});
  slow.held_bytes = 300;  // smaller still, but significantly slower: not recommended
  auto unbuffered = row("io", "unbuffered", "write", 1, {1, 1, 0.98}, 0.06);
  auto batched = row("io", "batched", "write", 2.6, {2.5, 2.8, 0.98}, 0.02);
  auto naive = row("database", "naive", "insert", 1, {1, 1, 0.98});
  auto wal = row("database", "wal", "insert", 219, {216, 228, 0.98});
  auto plain = row("database", "no-index", "query", 0, {}, 0.165);
  auto indexed = row("database", "indexed", "query", 0, {}, 0.000636);
  e.summary = {f64, f32, slow, unbuffered, batched, naive, wal, plain, indexed};
  const auto recs = recommend(e);
  const auto* m = find(recs, "memory-storage");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->value, "float64,float32");
  EXPECT_NE(m->finding.find("50% less"), std::string::npos) << m->finding;
  const auto* io = find(recs, "small-writes");
  ASSERT_NE(io, nullptr);
  EXPECT_EQ(io->value, "unbuffered,batched");
  const auto* db = find(recs, "catalog-inserts");
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->value, "naive,wal");
  const auto* q = find(recs, "catalog-indexes");
  ASSERT_NE(q, nullptr);
  EXPECT_NEAR(q->expected_speedup, 0.165 / 0.000636, 1e-6);
  // Most expected gain first.
  for (std::size_t i = 1; i < recs.size(); ++i)
    EXPECT_GE(recs[i - 1].expected_speedup, recs[i].expected_speedup);
}

TEST(Recommend, IdleCoresNameTheThreadsKey) {
  auto e = evidence();
  e.node_cores = 16;
  e.ranks_on_node = 2;
  e.threads_per_rank = 1;
  const auto recs = recommend(e);
  const auto* r = find(recs, "idle-cores");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->key, "optimizers.cpu.threads");
  EXPECT_EQ(r->value, "8");
  EXPECT_TRUE(r->run_key);
  e.threads_per_rank = 8;
  EXPECT_EQ(find(recommend(e), "idle-cores"), nullptr);
}

TEST(Recommend, TheNewestRunWithTheDataIsUsed) {
  auto old_run = evidence();
  old_run.source = "old";
  old_run.summary = {row("io", "unbuffered", "write", 1, {1, 1, 0.98}),
                     row("io", "batched", "write", 2.0, {1.9, 2.1, 0.98})};
  auto new_run = evidence();
  new_run.source = "new";
  new_run.summary = {row("io", "unbuffered", "write", 1, {1, 1, 0.98}),
                     row("io", "buffered", "write", 3.0, {2.9, 3.1, 0.98})};
  auto no_io = evidence();
  const auto recs = nsperf::core::recommend(std::vector<RunEvidence>{old_run, new_run, no_io});
  const auto* r = find(recs, "small-writes");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->value, "unbuffered,buffered");
  EXPECT_NE(r->evidence.find("(new)"), std::string::npos);
}

}  // namespace

TEST(Recommend, ADeflatedOutputWriteThatDominatesNsperfRunGetsZstd) {
  using nsperf::core::RankTime;
  using nsperf::core::RegionStats;
  RunEvidence job = evidence();
  job.production = true;
  job.run_compression = "deflate";
  RegionStats write;
  write.path = write.name = "output-write";
  write.inclusive_max_s = 0.6;
  job.regions = {write};
  job.rank_times = {RankTime{0, 1.0, 0.0}, RankTime{1, 0.9, 0.0}};
  const auto alone = recommend(job);
  const auto* r = find(alone, "output-compression");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->key, "run.compression");
  EXPECT_EQ(r->value, "zstd");
  EXPECT_TRUE(r->run_key);
  EXPECT_EQ(r->expected_speedup, 0.0);  // nothing measured the two filters
  EXPECT_NE(r->evidence.find("nsperf benchmark --io"), std::string::npos) << r->evidence;
  // With the io optimizer's chunked writes measured: Amdahl over the write's 60% share.
  RunEvidence bench = evidence();
  bench.summary = {row("io", "hdf5-chunked-deflate", "write", 0.2, {0.1, 0.3, 0.98}, 0.4),
                   row("io", "hdf5-chunked-zstd", "write", 1.0, {0.9, 1.1, 0.98}, 0.1)};
  const auto both = nsperf::core::recommend(std::vector<RunEvidence>{bench, job});
  r = find(both, "output-compression");
  ASSERT_NE(r, nullptr);
  EXPECT_NEAR(r->expected_speedup, 1.0 / (0.4 + 0.6 / 4.0), 1e-9);
  // Not for zstd or an uncompressed output, nor when the write is a small share.
  job.run_compression = "zstd";
  EXPECT_EQ(find(recommend(job), "output-compression"), nullptr);
  job.run_compression = "deflate";
  job.regions[0].inclusive_max_s = 0.1;
  EXPECT_EQ(find(recommend(job), "output-compression"), nullptr);
}
