#include "nsperf/mpi/runner.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include "mpi_test.hpp"
#include "nsperf/core/config.hpp"
#include "nsperf/core/schedule.hpp"
#include "nsperf/mpi/collective.hpp"

namespace core = nsperf::core;
namespace mpi = nsperf::mpi;

namespace {

struct Update {
  std::int64_t done;
  std::int64_t total;
  std::string label;
};

class Recorder final : public mpi::ProgressSink {
 public:
  std::vector<Update> updates;
  void update(std::int64_t done, std::int64_t total, std::string_view label) override {
    updates.push_back({done, total, std::string(label)});
  }
  void finish() override {}
};

// Everything an optimizer gets, for a 64x32 image in tiles of 16 (8 tiles) at 1 warm-up round
// and 3 measured ones.
class RunnerTest : public MpiTest {
 protected:
  const std::vector<core::Override> overrides{{"input.synthetic", "64x32:u8", "test"},
                                              {"benchmark.warmup", 1, "test"},
                                              {"benchmark.repetitions", 3, "test"},
                                              {"input.seed", 7, "test"}};
  core::Config config = core::resolve_config(nullptr, "test", overrides);
  mpi::Workload workload = [this] {
    mpi::Workload w;
    w.image = {{64, 32}, core::DType::u8};
    w.plan = core::make_tile_plan(w.image.extent, 16, 2, world.size());
    return w;
  }();
  Recorder recorder;
  mpi::Progress progress{world.rank() == 0 ? &recorder : nullptr, 1000};
  mpi::RunClock clock{world};
  static constexpr std::int64_t kBefore = 100;
  mpi::OptimizerContext ctx{world, config, workload, progress, clock, 1, kBefore, 1};
  mpi::OptimizerOutput out;
  const std::vector<mpi::RunEntry> entries = mpi::strategy_entries({"a", "b", "c"});
};

}  // namespace

TEST_F(RunnerTest, RunsTheScheduleAndRecordsMeasuredRunsOnly) {
  std::vector<core::Step> seen;
  mpi::Runner runner(ctx, "test", out);
  runner.run(entries, [&](mpi::Trial& trial) {
    seen.push_back(trial.step());
    EXPECT_EQ(trial.name(), entries[trial.index()].name);
    const mpi::Timing t = trial.local("work", [] {});
    trial.check([&] {
      EXPECT_TRUE(trial.measured());
      trial.record("k", t).pixels = static_cast<std::int64_t>(trial.index());
    });
  });

  const auto schedule = core::measurement_schedule(3, 1, 3, 7);
  ASSERT_EQ(seen.size(), schedule.size());
  ASSERT_EQ(seen.size(), 12u);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].strategy, schedule[i].strategy) << i;
    EXPECT_EQ(seen[i].repetition, schedule[i].repetition) << i;
  }

  ASSERT_EQ(out.samples.size(), 9u);  // 3 entries x 3 measured rounds, none of the warm-up
  std::vector<int> per_entry(3, 0);
  for (const auto& s : out.samples) {
    EXPECT_EQ(s.optimizer, "test");
    EXPECT_EQ(s.kernel, "k");
    EXPECT_EQ(s.rank, world.rank());
    EXPECT_EQ(s.image.extent.width, 64);
    EXPECT_EQ(s.tiles, 0);  // this workload holds no tiles on any rank
    EXPECT_GE(s.repetition, 0);
    EXPECT_LT(s.repetition, 3);
    EXPECT_GE(s.seconds, 0.0);
    EXPECT_LE(s.start_s, s.end_s);
    EXPECT_GT(s.peak_rss_bytes, 0);
    ASSERT_GE(s.pixels, 0);
    ASSERT_LT(s.pixels, 3);
    EXPECT_EQ(s.strategy, entries[static_cast<std::size_t>(s.pixels)].name);
    ++per_entry[static_cast<std::size_t>(s.pixels)];
  }
  EXPECT_EQ(per_entry, std::vector<int>({3, 3, 3}));
  EXPECT_EQ(runner.units(), kBefore + 12 * 8);  // 8 tiles per run by default
}

TEST_F(RunnerTest, CountsProgressInRunsAndInsideThem) {
  mpi::Runner runner(ctx, "test", out);
  runner.run(
      entries,
      [&](mpi::Trial& trial) {
        trial.progress(5, "first half");
        trial.check([] {});
      },
      10);
  EXPECT_EQ(runner.units(), kBefore + 12 * 10);
  if (world.rank() != 0) {
    EXPECT_TRUE(recorder.updates.empty());
    return;
  }
  ASSERT_EQ(recorder.updates.size(), 24u);  // one inside each run, one at its end
  std::int64_t last = kBefore;
  for (const auto& u : recorder.updates) {
    EXPECT_GE(u.done, last) << u.label;
    EXPECT_EQ(u.total, 1000);
    last = u.done;
  }
  EXPECT_EQ(recorder.updates.back().done, kBefore + 120);
  EXPECT_EQ(recorder.updates[0].done, kBefore + 5);
  EXPECT_EQ(recorder.updates[0].label, "test a first half warm-up");
  EXPECT_EQ(recorder.updates[1].label, "test a warm-up");
  EXPECT_NE(recorder.updates.back().label.find(" rep "), std::string::npos);
  EXPECT_NE(recorder.updates.back().label.find("/3"), std::string::npos);
}

TEST_F(RunnerTest, AnEntrysKernelNamesItsRunsAndItsSamples) {
  mpi::Runner runner(ctx, "test", out);
  std::vector<std::string> labels;
  runner.run({{"a", "send"}, {"a", "send+compute"}}, [&](mpi::Trial& trial) {
    labels.push_back(trial.label());
    const mpi::Timing t = trial.time([] {});
    trial.check([&] { trial.record(trial.entry().kernel, t); });
  });
  ASSERT_EQ(labels.size(), 8u);
  EXPECT_EQ(labels[0], "test a send warm-up");
  EXPECT_EQ(labels[1], "test a send+compute warm-up");
  ASSERT_EQ(out.samples.size(), 6u);
  for (const auto& s : out.samples) {
    EXPECT_EQ(s.strategy, "a");
    EXPECT_TRUE(s.kernel == "send" || s.kernel == "send+compute") << s.kernel;
  }
}

TEST_F(RunnerTest, ARecordInAWarmUpRunIsABug) {
  mpi::Runner runner(ctx, "test", out);
  EXPECT_THROW(runner.run(entries, [&](mpi::Trial& trial) { trial.record("k", {}); }),
               std::logic_error);
  EXPECT_TRUE(out.samples.empty());
}

TEST_F(RunnerTest, ASpanRunsFromTheEarliestStartToTheLatestEnd) {
  mpi::Runner runner(ctx, "test", out);
  runner.run(mpi::strategy_entries({"a"}), [&](mpi::Trial& trial) {
    mpi::Timing t;
    t.start_s = 10.0 + world.rank();
    t.end_s = 20.0 + 2 * world.rank();
    EXPECT_DOUBLE_EQ(trial.span(t), 20.0 + 2 * (world.size() - 1) - 10.0);
    const mpi::Timing real = trial.collective("work", [] {});
    EXPECT_GE(trial.span(real), real.end_s - real.start_s);
  });
}

TEST_F(RunnerTest, AFailureOnOneRankStopsEveryRankAtTheCheck) {
  mpi::Runner runner(ctx, "test", out);
  int runs = 0;
  EXPECT_THROW(runner.run(entries,
                          [&](mpi::Trial& trial) {
                            ++runs;
                            trial.check([&] {
                              if (world.rank() == world.size() - 1)
                                throw nsperf::InputError("the output differs");
                            });
                          }),
               mpi::PhaseFailed);
  EXPECT_EQ(runs, 4);  // 3 warm-up runs (no check), then the first measured one
}
