#include "nsperf/mpi/benchmark.hpp"
#include "nsperf/mpi/job_context.hpp"

#include <cstdlib>

#include "mpi_test.hpp"
#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/mpi/phase.hpp"

namespace core = nsperf::core;
namespace mpi = nsperf::mpi;

class Benchmark : public MpiTest {};

namespace {

// What the progress line would show, kept.
struct RecordedProgress : mpi::ProgressSink {
  std::int64_t last_done = -1;
  std::int64_t largest_done = -1;
  std::int64_t total = -1;
  int updates = 0;
  void update(std::int64_t done, std::int64_t all, std::string_view) override {
    last_done = done;
    largest_done = std::max(largest_done, done);
    total = all;
    ++updates;
  }
  void finish() override {}
};

}  // namespace

TEST_F(Benchmark, ProgressCountsTheUnitsEachOptimizerRunsAndEndsAtItsTotal) {
  for (const auto& optimizer : mpi::optimizers().entries()) {
    SCOPED_TRACE(optimizer.name);
    const std::vector<core::Override> o{
        {"input.synthetic", "128x96", "test"},    {"input.tile", 32, "test"},
        {"benchmark.repetitions", 2, "test"},     {"benchmark.warmup", 1, "test"},
        {"optimizers.database.rows", 20, "test"}, {"optimizers.database.query_rows", 1000, "test"}};
    const auto cfg = core::resolve_config(nullptr, "test", o);
    RecordedProgress progress;
    (void)mpi::run_benchmark(world, {cfg, {optimizer.name}, "test", {}}, &progress);
    if (world.rank() != 0) continue;
    ASSERT_GT(progress.updates, 0);
    EXPECT_GT(progress.total, 0);
    EXPECT_LE(progress.largest_done, progress.total);
    EXPECT_EQ(progress.last_done, progress.total);
  }
}

TEST_F(Benchmark, EveryRankMeasuresItsTilesAndEveryCheckPasses) {
  const std::vector<core::Override> o{{"input.synthetic", "192x128:u16", "test"},
                                      {"input.tile", 32, "test"},
                                      {"benchmark.repetitions", 3, "test"},
                                      {"benchmark.warmup", 1, "test"},
                                      {"optimizers.cpu.threads", 2, "test"}};
  const auto cfg = core::resolve_config(nullptr, "test", o);
  const auto result =
      mpi::run_benchmark(world, {cfg, {"cpu"}, "nsperf benchmark --test", {}}, nullptr);

  const auto plan = core::make_tile_plan({192, 128}, 32, 2, world.size());
  const auto mine = plan.tiles_of(world.rank());
  const std::size_t strategies = cfg.optimizers.at("cpu").strategies.size();
  const std::size_t kernels =
      nsperf::kernels::kernel_registry().entries().size() + 1;  // + pipeline
  EXPECT_EQ(result.samples.size(), mine.empty() ? 0u : kernels * strategies * 3u);
  EXPECT_EQ(result.tiles.size(), mine.size() * strategies);
  for (const auto& s : result.samples) {
    EXPECT_EQ(s.rank, world.rank());
    EXPECT_EQ(s.check, core::CheckStatus::passed)
        << s.strategy << "/" << s.kernel << " error " << s.max_abs_error << ", " << s.differing
        << " differ";
    EXPECT_EQ(s.tiles, static_cast<std::int64_t>(mine.size()));
    EXPECT_GT(s.seconds, 0.0);
    EXPECT_GE(s.end_s, s.start_s);
  }
  for (const auto& t : result.tiles) {
    EXPECT_EQ(t.check, core::CheckStatus::passed);
    EXPECT_EQ(t.kernel, "pipeline");
    EXPECT_GE(t.negative_space, 0.0);
    EXPECT_LE(t.negative_space, 1.0);
  }

  // Same provenance everywhere: it is written collectively as attributes.
  std::string id = result.provenance.run_id;
  boost::mpi::broadcast(world, id, 0);
  EXPECT_EQ(result.provenance.run_id, id);
  EXPECT_EQ(result.provenance.ranks, world.size());
  EXPECT_FALSE(result.provenance.end_time.empty());

  if (world.rank() == 0) {
    ASSERT_EQ(result.summary.size(), strategies * kernels);
    EXPECT_EQ(result.summary[0].strategy, "scalar");
    EXPECT_DOUBLE_EQ(result.summary[0].speedup, 1.0);
    EXPECT_EQ(result.repetitions.size(), strategies * kernels * 3u);
    EXPECT_GT(result.provenance.bandwidth_gbyte_per_s, 0.0);
    for (const auto& r : result.summary) {
      EXPECT_EQ(r.check, core::CheckStatus::passed) << r.strategy << "/" << r.kernel;
      if (r.kernel == "pipeline" || r.kernel == "count_nonzero") {
        EXPECT_EQ(r.pixels, 192 * 128) << r.kernel;
      }
      EXPECT_EQ(r.seconds.count, 3u);
      EXPECT_GT(r.bandwidth_fraction, 0.0);
    }
  } else {
    EXPECT_TRUE(result.summary.empty());
  }
}

TEST_F(Benchmark, TheMemoryOptimizerMeasuresAndChecksEveryStrategy) {
  const std::vector<core::Override> o{{"input.synthetic", "128x96:u16", "test"},
                                      {"input.tile", 32, "test"},
                                      {"benchmark.repetitions", 2, "test"},
                                      {"benchmark.warmup", 1, "test"},
                                      {"optimization_level", "aggressive", "test"}};
  const auto cfg = core::resolve_config(nullptr, "test", o);
  const auto result = mpi::run_benchmark(world, {cfg, {"memory"}, "test", {}}, nullptr);
  const auto& names = cfg.optimizers.at("memory").strategies;
  const bool has_tiles =
      !core::make_tile_plan({128, 96}, 32, 5, world.size()).tiles_of(world.rank()).empty();
  EXPECT_EQ(result.samples.size(), has_tiles ? names.size() * 2 : 0u);
  for (const auto& s : result.samples) {
    EXPECT_EQ(s.check, core::CheckStatus::passed) << s.strategy << ": " << s.differing << " differ";
    EXPECT_GE(s.rss_increase_bytes, 0);
    EXPECT_GT(s.held_bytes, 0);
    EXPECT_GT(s.queue_bytes, 0);
    if (s.strategy == "pooled") {
      EXPECT_EQ(s.allocations, 0) << "a warm pool allocates nothing";
    } else if (s.strategy == "float32") {
      EXPECT_GT(s.allocations, 0);
    }
  }
  if (world.rank() == 0) {
    auto held = [&](const std::string& strategy) {
      for (const auto& r : result.summary)
        if (r.strategy == strategy) return static_cast<double>(r.held_bytes);
      return 0.0;
    };
    EXPECT_NEAR(held("float32") / held("float64"), 0.5, 0.05);
    EXPECT_NEAR(held("uint16") / held("float64"), 0.25, 0.05);
  }
}

TEST_F(Benchmark, AutomaticThreadsNeverOversubscribeANode) {
  ASSERT_EQ(std::getenv("OMP_NUM_THREADS"), nullptr) << "the automatic choice defers to it";
  const auto layout = mpi::node_layout(world, 0);
  EXPECT_GE(layout.threads, 1);
  EXPECT_GE(layout.node_ranks, 1);
  EXPECT_LE(layout.node_ranks, world.size());
  // Only ranks alone would oversubscribe: one thread each is the floor.
  EXPECT_LE(static_cast<std::int64_t>(layout.node_ranks) * layout.threads,
            std::max<std::int64_t>(layout.node_cores, layout.node_ranks));
  EXPECT_EQ(mpi::node_layout(world, 3).threads, 3) << "a configured count is used as is";
}

TEST_F(Benchmark, ARankFailingMidwayStopsEveryRank) {
  const std::vector<core::Override> o{{"input.synthetic", "128x128", "test"},
                                      {"input.tile", 32, "test"},
                                      {"benchmark.repetitions", 2, "test"},
                                      {"benchmark.warmup", 0, "test"}};
  const auto cfg = core::resolve_config(nullptr, "test", o);
  ::setenv("NSPERF_FAULT", ("rank:" + std::to_string(world.size() - 1) + ",phase:compute").c_str(),
           1);
  EXPECT_THROW(mpi::run_benchmark(world, {cfg, {"cpu"}, "test", {}}, nullptr), mpi::PhaseFailed);
  ::unsetenv("NSPERF_FAULT");
}
