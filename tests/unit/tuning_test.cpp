// What nsperf tune may change (the tunables the strategies, the tile plan and the compression
// declare), --space, and the statistics that decide a race. This binary links nsperf::kernels,
// so the CPU strategies and their tunables are the real ones.
#include "nsperf/core/tuning.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "nsperf/core/config.hpp"
#include "nsperf/core/error.hpp"

namespace core = nsperf::core;
using nlohmann::json;

namespace {

core::TuneWorkload workload(std::int64_t w, std::int64_t h, int ranks = 1, int cores = 2) {
  return {{w, h}, ranks, cores};
}

core::Settings defaults() {
  return {{"run.strategy", "fused"},
          {"optimizers.cpu.threads", 2},
          {"input.tile", 512},
          {"run.compression", "none"},
          {"run.compression_level", 0}};
}

std::string problem_of(const std::vector<std::string>& specs) {
  try {
    (void)core::parse_space(specs);
  } catch (const nsperf::ConfigError& e) {
    return e.what();
  }
  return "";
}

const core::SpaceKey& key_of(const std::vector<core::SpaceKey>& space, const std::string& name) {
  for (const auto& k : space)
    if (k.tunable->name == name) return k;
  throw std::logic_error("no key " + name);
}

}  // namespace

TEST(Tunables, EveryKeyIsAConfigKeyInRaceOrder) {
  const auto order = core::tunables_in_order();
  std::vector<std::string> names;
  for (const auto* t : order) names.push_back(t->name);
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), "run.strategy") << "the strategy decides whether threads matter";
  const auto threads = std::find(names.begin(), names.end(), "optimizers.cpu.threads");
  const auto compression = std::find(names.begin(), names.end(), "run.compression");
  const auto level = std::find(names.begin(), names.end(), "run.compression_level");
  ASSERT_NE(threads, names.end());
  ASSERT_NE(level, names.end());
  EXPECT_LT(compression, level) << "a level is raced beside the compression chosen";
  for (const auto& name : names) {
    // The CPU optimizer's own keys are declared by nsperf::mpi, which this binary does not link.
    if (name.starts_with("optimizers.") && core::declared_settings("cpu").empty()) continue;
    bool known = false;
    for (const auto& k : core::config_keys()) known = known || k.key == name;
    EXPECT_TRUE(known) << name;
  }
}

TEST(Tunables, ImpossibleCombinationsAreNeverCandidates) {
  const auto w = workload(1000, 600, 1, 2);
  const auto space = core::make_space({}, w, defaults());
  // Tiles: powers of two from 128 up to the shorter side, and the side itself.
  const auto tiles = core::candidates_of(key_of(space, "input.tile"), w, defaults());
  EXPECT_EQ(tiles, (std::vector<json>{128, 256, 512, 600}));
  // Threads: never more than the rank's cores; one for a strategy that runs one.
  EXPECT_EQ(core::candidates_of(key_of(space, "optimizers.cpu.threads"), w, defaults()),
            (std::vector<json>{1, 2}));
  const auto simd = core::with_setting(defaults(), "run.strategy", "simd");
  EXPECT_EQ(core::candidates_of(key_of(space, "optimizers.cpu.threads"), w, simd),
            (std::vector<json>{1}));
  // Levels follow the compression.
  EXPECT_EQ(core::candidates_of(key_of(space, "run.compression_level"), w, defaults()),
            (std::vector<json>{0}));
  const auto zstd = core::with_setting(defaults(), "run.compression", "zstd");
  EXPECT_EQ(core::candidates_of(key_of(space, "run.compression_level"), w, zstd),
            (std::vector<json>{0, 1, 9, 19}));
  // A tile that would leave a rank without tiles is not tried.
  const auto four = workload(256, 256, 4, 1);
  const auto tiles4 = core::candidates_of(
      key_of(core::make_space({}, four, defaults()), "input.tile"), four, defaults());
  EXPECT_EQ(tiles4, (std::vector<json>{128})) << "256 would give 4 ranks 1 tile";
}

TEST(Tunables, APartitionerIsTriedWhereThereAreRanksToShareAmong) {
  auto s = defaults();
  s["run.partitioner"] = "static-block";
  s["run.partition_chunk"] = 1;
  const auto one = workload(4096, 4096, 1, 2);
  const auto space1 = core::make_space({}, one, s);
  EXPECT_EQ(core::candidates_of(key_of(space1, "run.partitioner"), one, s),
            (std::vector<json>{"static-block"}))
      << "one rank: nothing to share out";
  const auto two = workload(4096, 4096, 2, 1);
  const auto space2 = core::make_space({}, two, s);
  EXPECT_EQ(core::candidates_of(key_of(space2, "run.partitioner"), two, s),
            (std::vector<json>{"static-block", "static-cyclic"}));
  // The chunk means something for static-cyclic only, and only while every rank gets a run.
  EXPECT_EQ(core::candidates_of(key_of(space2, "run.partition_chunk"), two, s),
            (std::vector<json>{1}));
  const auto cyclic = core::with_setting(s, "run.partitioner", "static-cyclic");
  EXPECT_EQ(core::candidates_of(key_of(space2, "run.partition_chunk"), two, cyclic),
            (std::vector<json>{1, 4, 16}));
  // 4096 / 1024 = 16 tiles: runs of 16 would give the second rank none.
  const auto big = core::with_setting(cyclic, "input.tile", 1024);
  EXPECT_EQ(core::candidates_of(key_of(space2, "run.partition_chunk"), two, big),
            (std::vector<json>{1, 4}));
  // Neither changes how a tile is computed: candidates differing only there share a check.
  ASSERT_FALSE(space2.empty());
  for (const auto& k : space2) {
    const bool computes = k.tunable->name == "run.strategy" ||
                          k.tunable->name == "optimizers.cpu.threads" ||
                          k.tunable->name == "input.tile";
    EXPECT_EQ(k.tunable->computes, computes) << k.tunable->name;
  }
}

TEST(Space, ParsesValuesAsTheKeyTypesThem) {
  const auto space = core::parse_space(
      std::vector<std::string>{"input.tile=256,512", "run.strategy=simd,fused,simd"});
  EXPECT_EQ(space.at("input.tile"), (std::vector<json>{256, 512}));
  EXPECT_EQ(space.at("run.strategy"), (std::vector<json>{"simd", "fused"})) << "repeats dropped";
}

TEST(Space, BadSpecsNameTheOptionAndWhatIsValid) {
  EXPECT_NE(problem_of({"input.tile"}).find("expected KEY=V1,V2"), std::string::npos);
  EXPECT_NE(problem_of({"input.tile="}).find("no values"), std::string::npos);
  EXPECT_NE(problem_of({"run.stratgy=simd"}).find("did you mean 'run.strategy'"),
            std::string::npos);
  EXPECT_NE(problem_of({"input.seed=1,2"}).find("a config key tune does not vary"),
            std::string::npos);
  EXPECT_NE(problem_of({"run.strategy=simd,fsued"}).find("fused"), std::string::npos)
      << problem_of({"run.strategy=simd,fsued"});
  EXPECT_NE(problem_of({"input.tile=0"}).find("input.tile"), std::string::npos);
  EXPECT_NE(problem_of({"input.tile=256", "input.tile=512"}).find("given twice"),
            std::string::npos);
  // Every problem at once.
  const auto both = problem_of({"run.stratgy=simd", "input.tile="});
  EXPECT_NE(both.find("run.stratgy"), std::string::npos);
  EXPECT_NE(both.find("no values"), std::string::npos);
}

TEST(Space, AContradictorySpaceIsRefusedNamingTheKey) {
  const auto w = workload(1024, 1024);
  // A level that no compression in the space has.
  const auto contradictory = core::parse_space(
      std::vector<std::string>{"run.compression=none", "run.compression_level=5"});
  try {
    (void)core::make_space(contradictory, w, defaults());
    FAIL() << "accepted";
  } catch (const nsperf::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("run.compression_level"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("none has no level"), std::string::npos) << e.what();
  }
  // Possible with another compression in the space: accepted.
  EXPECT_NO_THROW(
      (void)core::make_space(core::parse_space(std::vector<std::string>{"run.compression=none,zstd",
                                                                        "run.compression_level=5"}),
                             w, defaults()));
  // A tile larger than the image, alone.
  try {
    (void)core::make_space(core::parse_space(std::vector<std::string>{"input.tile=4096"}), w,
                           defaults());
    FAIL() << "accepted";
  } catch (const nsperf::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("larger than the image"), std::string::npos) << e.what();
  }
}

TEST(Race, DropsOnlyTheSignificantlySlower) {
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0, 0.01);
  std::vector<std::vector<double>> times(3);
  for (int i = 0; i < 8; ++i) {
    times[0].push_back(1.00 + noise(rng));
    times[1].push_back(1.30 + noise(rng));  // clearly slower
    times[2].push_back(1.00 + noise(rng));  // the same
  }
  const auto s = core::race_standing(times);
  EXPECT_TRUE(s.best == 0 || s.best == 2);
  EXPECT_TRUE(s.slower[1]);
  EXPECT_FALSE(s.slower[s.best == 0 ? 2 : 0]) << "one from the same distribution is tied";
  EXPECT_FALSE(s.slower[s.best]);
  // One run each tells nothing apart.
  const std::vector<std::vector<double>> single = {{1.0}, {2.0}};
  EXPECT_EQ(core::race_standing(single).slower, (std::vector<bool>{false, false}));
}

TEST(Race, TimeRatioIsOfTheMediansWithAnInterval) {
  const std::vector<double> base = {1.0, 1.02, 0.98, 1.01, 0.99, 1.0, 1.03, 0.97};
  std::vector<double> half;
  for (double b : base) half.push_back(b / 2);
  const auto r = core::time_ratio(base, half);
  EXPECT_NEAR(r.ratio, 0.5, 0.02);
  EXPECT_LT(r.ci.low, r.ratio);
  EXPECT_GT(r.ci.high, r.ratio);
  EXPECT_LT(r.ci.high, 1.0);
  EXPECT_LT(r.p, 0.01);
}

TEST(Tuned, TheTunedKeyIsReadByPeopleAndPassedOverByTheConfig) {
  json doc = {{"schema_version", 1},
              {"run", {{"strategy", "simd"}}},
              {"tuned", {{"by", "nsperf tune"}, {"settings", {{"run", 1}}}}}};
  EXPECT_TRUE(core::validate_config(doc, "t.json").empty());
  const auto cfg = core::resolve_config(doc, "t.json", {});
  EXPECT_EQ(cfg.run.strategy, "simd");
  doc["tuned"] = 3;
  EXPECT_FALSE(core::validate_config(doc, "t.json").empty());
}

TEST(Workloads, DistanceIsZeroForAlikeAndGrowsWithEachDifference) {
  const core::WorkloadFeatures a{4096, 4096, "u8", 0.25, 0.4, 2, 1, "n1"};
  std::string how;
  EXPECT_EQ(core::workload_distance(a, a, &how), 0);
  EXPECT_NE(how.find("pixels x1,"), std::string::npos) << how;
  auto bigger = a;
  bigger.width = bigger.height = 16384;  // 16 times the pixels
  EXPECT_NEAR(core::workload_distance(bigger, a), 1.0, 1e-12);
  auto emptier = a;
  emptier.empty_tiles = 0.75;
  EXPECT_NEAR(core::workload_distance(emptier, a), 0.5, 1e-12);
  auto other_type = a;
  other_type.dtype = "u16";
  EXPECT_NEAR(core::workload_distance(other_type, a, &how), 1.0, 1e-12);
  EXPECT_NE(how.find("u16 vs u8"), std::string::npos) << how;  // this one first
  // Nearer in every feature is nearer.
  auto near = a;
  near.width = 4000;
  near.empty_tiles = 0.3;
  EXPECT_LT(core::workload_distance(near, a), core::workload_distance(emptier, a));
}
