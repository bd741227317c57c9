// Config validation and resolution. The CPU strategies are registered because this test binary
// links nsperf::kernels, so the optimizer keys are the real ones.
#include "nsperf/core/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "nsperf/core/error.hpp"

namespace core = nsperf::core;
using nlohmann::json;

namespace {

std::vector<std::string> problems_of(const json& doc) {
  return core::validate_config(doc, "cfg.json");
}

bool mentions(const std::vector<std::string>& problems, const std::string& text) {
  for (const auto& p : problems) {
    if (p.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string all(const std::vector<std::string>& problems) {
  std::string s;
  for (const auto& p : problems) s += p + "\n";
  return s;
}

}  // namespace

TEST(Config, DefaultsResolveWithoutAFile) {
  const auto cfg = core::resolve_config(nullptr, "defaults", {});
  EXPECT_EQ(cfg.schema_version, 1);
  EXPECT_EQ(cfg.level, core::Level::balanced);
  EXPECT_EQ(cfg.benchmark.repetitions, 10);
  EXPECT_EQ(cfg.input.tile, 512);
  EXPECT_EQ(cfg.input.synthetic, (core::ImageSpec{{2048, 2048}, core::DType::u8}));
  ASSERT_TRUE(cfg.optimizers.count("cpu"));
  // balanced: every strategy whose results stay within tolerance (all of today's), the
  // baseline first.
  EXPECT_EQ(cfg.optimizers.at("cpu").strategies, core::strategy_catalog().strategy_names("cpu"));
  EXPECT_EQ(cfg.optimizers.at("cpu").strategies.front(), "scalar");
  EXPECT_EQ(cfg.json["input"]["tile"], 512);
}

TEST(Config, LevelPicksThePreset) {
  const auto conservative = core::resolve_config(
      {{"schema_version", 1}, {"optimization_level", "conservative"}}, "f", {});
  // conservative: those that compute exactly what the baseline computes.
  EXPECT_EQ(conservative.optimizers.at("cpu").strategies,
            (std::vector<std::string>{"scalar", "openmp"}));
  const std::vector<core::Override> o{{"optimization_level", "aggressive", "--level"}};
  const auto aggressive = core::resolve_config(nullptr, "f", o);
  EXPECT_EQ(aggressive.optimizers.at("cpu").strategies.size(),
            core::strategy_catalog().strategies("cpu").size());
}

TEST(Config, FileThenCommandLine) {
  const json doc = {
      {"schema_version", 1}, {"input", {{"tile", 256}}}, {"benchmark", {{"repetitions", 20}}}};
  const std::vector<core::Override> o{{"input.tile", 128, "--tile"}};
  const auto cfg = core::resolve_config(doc, "f", o);
  EXPECT_EQ(cfg.input.tile, 128);
  EXPECT_EQ(cfg.benchmark.repetitions, 20);
}

TEST(Config, BaselineAlwaysRunsFirst) {
  const json doc = {{"schema_version", 1}, {"optimizers", {{"cpu", {{"strategies", {"openmp"}}}}}}};
  EXPECT_EQ(core::resolve_config(doc, "f", {}).optimizers.at("cpu").strategies,
            (std::vector<std::string>{"scalar", "openmp"}));
}

TEST(Config, EveryProblemIsReportedAtOnce) {
  const json doc = {
      {"schema_version", 1},
      {"benchmark", {{"repetitons", 5}, {"tile", "big"}, {"warmup", -1}, {"synthetic", "0x0"}}},
      {"optimizers", {{"cpu", {{"strategies", {"scalar", "opnemp"}}, {"enabled", 1}}}}},
      {"optimisation_level", "fast"}};
  const auto p = problems_of(doc);
  EXPECT_EQ(p.size(), 7u) << all(p);
  EXPECT_TRUE(
      mentions(p, "unknown key 'benchmark.repetitons'; did you mean 'benchmark.repetitions'?"))
      << all(p);
  EXPECT_TRUE(mentions(p, "'input.tile' must be an integer, got string \"big\"")) << all(p);
  EXPECT_TRUE(mentions(p, "'benchmark.warmup' must be between 0 and 100000, got -1")) << all(p);
  EXPECT_TRUE(mentions(p, "'input.synthetic'")) << all(p);
  EXPECT_TRUE(mentions(p, "did you mean 'openmp'?")) << all(p);
  EXPECT_TRUE(mentions(p, "'optimizers.cpu.enabled' must be true or false")) << all(p);
  EXPECT_TRUE(mentions(p, "did you mean 'optimization_level'?")) << all(p);
  for (const auto& problem : p) EXPECT_EQ(problem.rfind("cfg.json: ", 0), 0u) << problem;
}

TEST(Config, OldInputKeysLoadAsTheNewOnesWithANote) {
  // Input settings lived under benchmark.* before input.*: files and --set from then still work.
  const json doc = {{"schema_version", 1},
                    {"benchmark", {{"tile", 64}, {"synthetic", "256x128"}, {"repetitions", 3}}}};
  const std::vector<core::Override> o{{"benchmark.seed", 7, "--set benchmark.seed"}};
  const auto cfg = core::resolve_config(doc, "old.json", o);
  EXPECT_EQ(cfg.input.tile, 64);
  EXPECT_EQ(cfg.input.synthetic, (core::ImageSpec{{256, 128}, core::DType::u8}));
  EXPECT_EQ(cfg.input.seed, 7U);
  EXPECT_EQ(cfg.benchmark.repetitions, 3);
  EXPECT_FALSE(cfg.json["benchmark"].contains("tile"));
  ASSERT_EQ(cfg.notes.size(), 3U) << all(cfg.notes);
  EXPECT_TRUE(mentions(cfg.notes, "old.json: 'benchmark.tile' is now 'input.tile' (read as such)"));
  EXPECT_TRUE(mentions(cfg.notes, "--set benchmark.seed: 'benchmark.seed' is now 'input.seed'"));
  EXPECT_EQ(core::new_key_name("benchmark.image"), "input.image");
  EXPECT_EQ(core::new_key_name("benchmark.repetitions"), "");
  // Both names: the old one is not silently dropped.
  const json both = {
      {"schema_version", 1}, {"benchmark", {{"tile", 64}}}, {"input", {{"tile", 32}}}};
  EXPECT_TRUE(mentions(problems_of(both),
                       "'benchmark.tile' is the old name of 'input.tile', which is set too"));
  EXPECT_TRUE(mentions(problems_of({{"schema_version", 1}, {"benchmark", {{"tiles", 64}}}}),
                       "unknown key 'benchmark.tiles'; did you mean 'input.tile'?"));
}

TEST(Config, SchemaVersionIsRequiredAndNotNewer) {
  EXPECT_TRUE(mentions(problems_of(json::object()), "missing 'schema_version'"));
  EXPECT_TRUE(mentions(problems_of({{"schema_version", 2}}), "written by a newer nsperf"));
  EXPECT_TRUE(mentions(problems_of({{"schema_version", "1"}}), "must be an integer"));
  EXPECT_TRUE(mentions(problems_of(json::array()), "must be a JSON object"));
  EXPECT_TRUE(problems_of({{"schema_version", 1}}).empty());
}

TEST(Config, SectionsMustBeObjectsAndUnknownOptimizersAreNamed) {
  const auto p = problems_of({{"schema_version", 1},
                              {"benchmark", 3},
                              {"optimizers", {{"network", {{"enabled", true}}}}}});
  EXPECT_TRUE(mentions(p, "'benchmark' must be an object")) << all(p);
  EXPECT_TRUE(mentions(p, "unknown key 'optimizers.network'")) << all(p);
  EXPECT_TRUE(mentions(p, "optimizers.cpu")) << all(p);
}

TEST(Config, OverridesAreValidatedAndNamed) {
  const std::vector<core::Override> o{{"input.tile", 0, "--tile"},
                                      {"benchmark.nope", 1, "--set benchmark.nope"}};
  try {
    (void)core::resolve_config(nullptr, "f", o);
    FAIL() << "no error";
  } catch (const nsperf::ConfigError& e) {
    EXPECT_EQ(e.exit_code(), nsperf::ExitCode::usage);
    EXPECT_TRUE(mentions(e.problems(), "--tile: 'input.tile' must be between 1 and")) << e.what();
    EXPECT_TRUE(mentions(e.problems(), "--set benchmark.nope: unknown key 'benchmark.nope'"))
        << e.what();
  }
}

TEST(Config, TileLargerThanImageNamesBothSources) {
  const json doc = {{"schema_version", 1}, {"input", {{"synthetic", "300x200"}}}};
  const std::vector<core::Override> o{{"input.tile", 256, "--tile"}};
  try {
    (void)core::resolve_config(doc, "cfg.json", o);
    FAIL() << "no error";
  } catch (const nsperf::ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("--tile: 'input.tile' 256 is larger than the 300x200 image"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("from cfg.json"), std::string::npos) << what;
    EXPECT_NE(what.find("valid: 32..200"), std::string::npos) << what;
  }
}

TEST(Config, DefaultTileFitsASmallImageAndSaysSo) {
  const std::vector<core::Override> o{{"input.synthetic", "300x200", "--synthetic"}};
  const auto cfg = core::resolve_config(nullptr, "defaults", o);
  EXPECT_TRUE(cfg.tile_is_default);
  EXPECT_EQ(cfg.input.tile, 200);
  EXPECT_EQ(cfg.json["input"]["tile"], 200);  // what is broadcast to the other ranks
  ASSERT_EQ(cfg.notes.size(), 1U);
  EXPECT_NE(cfg.notes[0].find("tile 200: the default, 512, is larger than the 300x200 image"),
            std::string::npos)
      << cfg.notes[0];

  // A file's size comes later: only a default tile follows it, and only down.
  auto file = core::resolve_config(nullptr, "defaults", {});
  core::fit_default_tile(file, {676, 449});
  EXPECT_EQ(file.input.tile, 449);
  auto big = core::resolve_config(nullptr, "defaults", {});
  core::fit_default_tile(big, {4096, 4096});
  EXPECT_EQ(big.input.tile, 512);
  EXPECT_TRUE(big.notes.empty());
  const std::vector<core::Override> given{{"input.tile", 600, "--tile"}};
  auto explicit_tile = core::resolve_config(nullptr, "defaults", given);
  EXPECT_FALSE(explicit_tile.tile_is_default);
  core::fit_default_tile(explicit_tile, {676, 449});
  EXPECT_EQ(explicit_tile.input.tile, 600);  // refused later, by the plan, naming it
}

TEST(Config, ImageLargerThanMemoryIsRefused) {
  const std::vector<core::Override> o{{"input.synthetic", "1048576x1048576:f32", "--synthetic"}};
  try {
    (void)core::resolve_config(nullptr, "f", o);
    FAIL() << "no error";
  } catch (const nsperf::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("needs 4 TiB"), std::string::npos) << e.what();
  }
}

TEST(Config, ParseAssignment) {
  auto o = core::parse_assignment("input.tile=256", "--set");
  EXPECT_EQ(o.key, "input.tile");
  EXPECT_EQ(o.value, 256);
  EXPECT_EQ(core::parse_assignment("optimization_level=aggressive", "--set").value, "aggressive");
  EXPECT_EQ(core::parse_assignment("optimizers.cpu.strategies=scalar,openmp", "--set").value,
            json({"scalar", "openmp"}));
  EXPECT_EQ(core::parse_assignment("optimizers.cpu.strategies=[\"openmp\"]", "--set").value,
            json({"openmp"}));
  EXPECT_EQ(core::parse_assignment("optimizers.cpu.enabled=false", "--set").value, false);
  EXPECT_THROW(core::parse_assignment("input.tile", "--set"), nsperf::UsageError);
  EXPECT_THROW(core::parse_assignment("=3", "--set"), nsperf::UsageError);
}

TEST(Config, SetKeyThroughAValueIsAConfigError) {
  // config --set input=3 --set input.tile=5: found by fuzzing (fuzz/config_fuzz.cpp),
  // it escaped as a JSON library error.
  json doc = {{"schema_version", 1}};
  core::set_key(doc, core::parse_assignment("input=3", "--set"));
  try {
    core::set_key(doc, core::parse_assignment("input.tile=5", "--set"));
    FAIL() << "no error";
  } catch (const nsperf::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--set input.tile: cannot set 'input.tile': "
                                         "'input' is number 3, not an object"),
              std::string::npos)
        << e.what();
  }
  json list = json::array();
  EXPECT_THROW(core::set_key(list, core::parse_assignment("input.tile=5", "--set")),
               nsperf::ConfigError);
  // '~' is an escape in JSON pointers, not in keys.
  core::set_key(doc, core::parse_assignment("a~b.c=1", "--set"));
  EXPECT_EQ(doc["a~b"]["c"], 1);
  EXPECT_FALSE(core::validate_config(doc, "f.json").empty());
}

TEST(Config, ValuesThatAreNotUtf8AreRefused) {
  // Found by fuzzing: such a value passed validation, then failed when the config was written
  // as JSON (the broadcast to other ranks, config --show).
  const std::vector<core::Override> o = {core::parse_assignment("input.image=\xff.fits", "--set")};
  try {
    (void)core::resolve_config(json(), "defaults", o);
    FAIL() << "no error";
  } catch (const nsperf::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'input.image' must be UTF-8 text"), std::string::npos)
        << e.what();
  }
}

TEST(Config, FileRoundTripIsAtomicAndReadable) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("nsperf_config_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / "optimization_config.json";
  json doc = {{"schema_version", 1}};
  core::set_key(doc, core::parse_assignment("input.tile=64", "--set"));
  core::write_config_file(path, doc);
  EXPECT_EQ(core::read_config_file(path), doc);
  // Only the file itself is left: the temporary was renamed into place.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir),
                          std::filesystem::directory_iterator()),
            1);
  EXPECT_THROW(core::write_config_file(dir / "missing" / "c.json", doc), nsperf::InputError);
  std::ofstream(dir / "bad.json") << "{\"schema_version\": 1,,}";
  try {
    (void)core::read_config_file(dir / "bad.json");
    FAIL() << "no error";
  } catch (const nsperf::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.json: not valid JSON"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("line 1"), std::string::npos) << e.what();
  }
  // Found by fuzzing: a number too large for a double escaped as json::out_of_range.
  std::ofstream(dir / "huge.json") << "{\"schema_version\": 1, \"benchmark\": {\"tile\": 1e999}}";
  try {
    (void)core::read_config_file(dir / "huge.json");
    FAIL() << "no error";
  } catch (const nsperf::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("huge.json: not valid JSON: number overflow"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(core::read_config_file(dir / "absent.json"), nsperf::InputError);
  std::filesystem::remove_all(dir);
}

TEST(Config, EveryKeyIsDocumented) {
  for (const auto& k : core::config_keys()) {
    EXPECT_FALSE(k.description.empty()) << k.key;
    EXPECT_LE(k.key.size(), 64u) << k.key;
  }
}
