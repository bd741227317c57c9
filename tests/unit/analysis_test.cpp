// The analysis library without files or processes: the comparison's statistics and verdicts,
// the reporters behind --format, nsperf-exec's report, export's CSV and JSON.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nsperf/analysis/compare.hpp"
#include "nsperf/analysis/export.hpp"
#include "nsperf/analysis/external_command.hpp"
#include "nsperf/core/error.hpp"

namespace analysis = nsperf::analysis;

namespace {

// `n` times around `center`, spread by a few per cent, the same spread on every call.
std::vector<double> around(double center, int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(center * (1.0 + 0.01 * ((i * 7) % 5 - 2)));
  return v;
}

const analysis::BenchmarkKey kFused{"cpu", "fused", "pipeline", "512x512:u8"};
const analysis::BenchmarkKey kScalar{"cpu", "scalar", "pipeline", "512x512:u8"};

}  // namespace

analysis::CompareOptions with(double threshold, double drift = analysis::kDefaultDrift) {
  analysis::CompareOptions o;
  o.threshold = threshold;
  o.drift = drift;
  return o;
}

const analysis::Compared& row_named(const analysis::Comparison& c, const std::string& part) {
  for (const auto& r : c.rows)
    if (r.name.find(part) != std::string::npos) return r;
  throw std::runtime_error("no row " + part);
}

TEST(Compare, ASignificantSlowdownBeyondThresholdAndDriftIsARegression) {
  const analysis::BenchmarkTimes base{{kFused, around(1e-3, 10)}, {kScalar, around(5e-3, 10)}};
  const analysis::BenchmarkTimes next{{kFused, around(1.3e-3, 10)}, {kScalar, around(5e-3, 10)}};
  const auto c = analysis::compare_times(base, next, with(0.05));
  ASSERT_EQ(c.rows.size(), 2U);
  EXPECT_EQ(c.in_both, 2);
  EXPECT_EQ(c.regressions, 1);
  const auto& fused = row_named(c, "fused");
  EXPECT_EQ(fused.verdict, "regression");
  EXPECT_NEAR(fused.ratio, 1.3, 1e-12);
  EXPECT_LT(fused.ratio_ci.low, fused.ratio);
  EXPECT_GT(fused.ratio_ci.high, fused.ratio);
  EXPECT_GE(fused.ratio_ci.level, 0.95);
  EXPECT_LT(fused.p, analysis::kAlpha);
  EXPECT_EQ(row_named(c, "scalar").verdict, "same");
  EXPECT_NEAR(c.geometric_mean, std::sqrt(1.3), 0.02);
  EXPECT_TRUE(c.warnings.empty());
}

TEST(Compare, BeyondTheThresholdButWithinDriftIsSaidAndNotARegression) {
  const analysis::BenchmarkTimes base{{kFused, around(1e-3, 10)}};
  const analysis::BenchmarkTimes next{{kFused, around(1.1e-3, 10)}};
  const auto c = analysis::compare_times(base, next, with(0.05, 0.2));
  EXPECT_EQ(c.rows.at(0).verdict, "within drift");
  EXPECT_EQ(c.regressions, 0);
  const auto faster = analysis::compare_times(next, base, with(0.05, 0.2));
  EXPECT_EQ(faster.rows.at(0).verdict, "within drift");
  // Told that the machine does not drift, the same change is a regression.
  EXPECT_EQ(analysis::compare_times(base, next, with(0.05, 0)).regressions, 1);
  EXPECT_EQ(analysis::compare_times(next, base, with(0.05, 0)).rows.at(0).verdict, "improvement");
}

TEST(Compare, ASmallChangeWithinTheThresholdIsNotARegression) {
  const analysis::BenchmarkTimes base{{kFused, around(1e-3, 10)}};
  const analysis::BenchmarkTimes next{{kFused, around(1.03e-3, 10)}};
  const auto c = analysis::compare_times(base, next, with(0.05, 0));
  ASSERT_EQ(c.rows.size(), 1U);
  EXPECT_EQ(c.rows[0].verdict, "same");
  EXPECT_EQ(c.regressions, 0);
  const auto faster = analysis::compare_times(next, base, with(0.01, 0));
  EXPECT_EQ(faster.rows[0].verdict, "improvement");
}

TEST(Compare, TheChangeIsTheRatioOfTheMediansEvenWhenTheTimesAreBimodal) {
  // Two modes in different proportions: the medians fall 5x while most pairwise ratios are
  // near 1 (a shift estimate from those said -7.6% for such a row).
  const std::vector<double> base_times{2, 2, 2, 2, 10, 10, 10, 10, 10, 10};
  const std::vector<double> new_times{2, 2, 2, 2, 2, 2, 10, 10, 10, 10};
  const analysis::BenchmarkTimes base{{kScalar, base_times}};
  const analysis::BenchmarkTimes next{{kScalar, new_times}};
  const auto c = analysis::compare_times(base, next, with(0.05));
  const auto& r = c.rows.at(0);
  EXPECT_DOUBLE_EQ(r.base_median_s, 10);
  EXPECT_DOUBLE_EQ(r.new_median_s, 2);
  EXPECT_DOUBLE_EQ(r.ratio, 0.2);
  EXPECT_LE(r.ratio_ci.low, r.ratio);
  EXPECT_GE(r.ratio_ci.high, r.ratio);
}

TEST(Compare, StagesOfAPipelineTimedWholeAreListedButGatedOnlyWhenAsked) {
  const analysis::BenchmarkKey stage{"cpu", "fused", "gaussian5x5", "512x512:u8"};
  const analysis::BenchmarkTimes base{{kFused, around(1e-3, 10)}, {stage, around(1e-4, 10)}};
  const analysis::BenchmarkTimes next{{kFused, around(1e-3, 10)}, {stage, around(2e-4, 10)}};
  const auto c = analysis::compare_times(base, next, with(0.05));
  EXPECT_EQ(c.regressions, 0);
  EXPECT_FALSE(row_named(c, "gaussian").gated);
  EXPECT_TRUE(row_named(c, "pipeline").gated);
  EXPECT_EQ(row_named(c, "gaussian").verdict, "slower (not gated)");
  auto gate_all = with(0.05);
  gate_all.gate_stages = true;
  const auto gated = analysis::compare_times(base, next, gate_all);
  EXPECT_EQ(gated.regressions, 1);
  EXPECT_EQ(row_named(gated, "gaussian").verdict, "regression");
}

TEST(Compare, OneSidedBenchmarksAndFewRepetitionsAreSaid) {
  const analysis::BenchmarkTimes base{{kFused, around(1e-3, 5)}, {kScalar, around(5e-3, 5)}};
  const analysis::BenchmarkTimes next{{kFused, around(1e-3, 5)}};
  const auto c = analysis::compare_times(base, next, with(0.05));
  ASSERT_EQ(c.rows.size(), 2U);
  EXPECT_EQ(c.in_both, 1);
  int only_in_base = 0;
  for (const auto& r : c.rows) only_in_base += r.verdict == "only in base" ? 1 : 0;
  EXPECT_EQ(only_in_base, 1);
  ASSERT_EQ(c.warnings.size(), 1U);
  EXPECT_NE(c.warnings[0].find("fewer than 9 repetitions"), std::string::npos) << c.warnings[0];
  EXPECT_EQ(analysis::compare_times({}, next, with(0.05)).in_both, 0);
}

TEST(Compare, IdentityNamesWhatTwoRunsMeasuredDifferently) {
  const std::string config =
      R"({"input":{"tile":512,"skew":0,"raw":""},"optimizers":{"cpu":{"enabled":true,)"
      R"("strategies":["scalar"],"threads":0},"network":{"link_mbyte_per_s":0}}})";
  const analysis::RunAttributes base{{"image", std::string("/a/ihc.png: png 512x512 u8")},
                                     {"input_sha256", std::string("abc")},
                                     {"ranks", std::int64_t{2}},
                                     {"threads_per_rank", std::int64_t{1}},
                                     {"config", config}};
  auto same_elsewhere = base;
  same_elsewhere[0].second = std::string("/b/copy.png: png 512x512 u8");
  const auto id = analysis::run_identity(base, {"cpu"});
  ASSERT_FALSE(id.empty());
  EXPECT_TRUE(analysis::identity_differences(id, id).empty());
  // The same content read the same way, from another path: the same input.
  EXPECT_TRUE(
      analysis::identity_differences(id, analysis::run_identity(same_elsewhere, {"cpu"})).empty());
  auto other = base;
  other[1].second = std::string("def");  // other content
  other[2].second = std::int64_t{1};     // one rank
  const auto d = analysis::identity_differences(id, analysis::run_identity(other, {"cpu"}));
  ASSERT_EQ(d.size(), 2U);
  EXPECT_EQ(d[0].what, "input sha256");
  EXPECT_EQ(d[1].what, "ranks");
  EXPECT_EQ(d[1].base, "2");
  EXPECT_EQ(d[1].next, "1");
  // Settings count for the optimizers compared, not for others; which strategies ran does not.
  auto tiled = base;
  tiled[4].second =
      std::string(R"({"input":{"tile":256,"skew":0,"raw":""},"optimizers":{"cpu":{"enabled":true,)"
                  R"("strategies":["simd"],"threads":0},"network":{"link_mbyte_per_s":20}}})");
  const auto t = analysis::identity_differences(id, analysis::run_identity(tiled, {"cpu"}));
  ASSERT_EQ(t.size(), 1U);
  EXPECT_EQ(t[0].what, "input.tile");
  EXPECT_EQ(analysis::identity_differences(analysis::run_identity(base, {"network"}),
                                           analysis::run_identity(tiled, {"network"}))
                .size(),
            2U);
  // A run stored before inputs were hashed: matched by the description, path included.
  auto old = base;
  old.erase(old.begin() + 1);
  EXPECT_TRUE(analysis::identity_differences(id, analysis::run_identity(old, {"cpu"})).empty());
  const auto moved = analysis::identity_differences(analysis::run_identity(same_elsewhere, {"cpu"}),
                                                    analysis::run_identity(old, {"cpu"}));
  ASSERT_EQ(moved.size(), 1U);
  EXPECT_EQ(moved[0].what, "input");
}

TEST(Compare, TimesOfARunLeaveOutRepetitionsWithoutATime) {
  nsperf::core::Repetition r;
  r.optimizer = "cpu";
  r.strategy = "fused";
  r.kernel = "pipeline";
  r.image = {{512, 512}, nsperf::core::DType::u8};
  r.makespan_s = 2e-3;
  auto zero = r;
  zero.makespan_s = 0;
  const auto times = analysis::times_of({r, zero, r});
  ASSERT_EQ(times.size(), 1U);
  EXPECT_EQ(times.at(kFused), (std::vector<double>{2e-3, 2e-3}));
}

TEST(Reporters, FormatsAreParsedAndWrittenThroughOnePlace) {
  const auto& reporters = analysis::comparison_reporters();
  EXPECT_EQ(reporters.names(), "text, json, markdown");
  EXPECT_EQ(reporters.first(), analysis::Format::text);
  EXPECT_EQ(reporters.parse("markdown"), analysis::Format::markdown);
  try {
    (void)reporters.parse("csv");
    FAIL() << "no error";
  } catch (const nsperf::UsageError& e) {
    EXPECT_STREQ(e.what(), "--format csv: valid: text, json, markdown");
  }
  const analysis::BenchmarkTimes base{{kFused, around(1e-3, 10)}};
  const analysis::BenchmarkTimes next{{kFused, around(1.3e-3, 10)}};
  auto c = analysis::compare_times(base, next, with(0.05));
  c.base_file = "a.h5";
  c.new_file = "b.h5";
  std::ostringstream json;
  reporters.write(json, c, analysis::Format::json);
  const auto j = nlohmann::json::parse(json.str());
  EXPECT_EQ(j["regressions"], 1);
  EXPECT_EQ(j["benchmarks"][0]["verdict"], "regression");
  std::ostringstream markdown;
  reporters.write(markdown, c, analysis::Format::markdown);
  EXPECT_NE(markdown.str().find("| benchmark | base median |"), std::string::npos);
  EXPECT_NE(markdown.str().find("1 regression(s) beyond 20%"), std::string::npos);
  EXPECT_THROW(reporters.write(json, c, analysis::Format::csv), nsperf::UsageError);
}

TEST(Export, CsvQuotesAndJsonHasNoNaN) {
  analysis::ExportedTable t{"r1", {}};
  t.table.columns = {"strategy", "seconds", "count", "sum"};
  t.table.rows.push_back({std::string("a,\"b\""), std::numeric_limits<double>::quiet_NaN(),
                          std::int64_t{-3}, std::uint64_t{18446744073709551615ULL}});
  t.table.rows.push_back({std::string("plain"), 0.1, std::int64_t{7}, std::uint64_t{0}});
  const auto& reporters = analysis::table_reporters();
  EXPECT_EQ(reporters.first(), analysis::Format::csv);
  std::ostringstream csv;
  reporters.write(csv, t, analysis::Format::csv);
  EXPECT_EQ(csv.str(),
            "run_id,strategy,seconds,count,sum\n"
            "r1,\"a,\"\"b\"\"\",nan,-3,18446744073709551615\n"
            "r1,plain,0.10000000000000001,7,0\n");
  std::ostringstream json;
  reporters.write(json, t, analysis::Format::json);
  const auto j = nlohmann::json::parse(json.str());
  ASSERT_EQ(j.size(), 2U);
  EXPECT_TRUE(j[0]["seconds"].is_null());
  EXPECT_EQ(j[1]["seconds"], 0.1);
  EXPECT_EQ(j[0]["run_id"], "r1");
}

TEST(ExternalCommand, HelperReportIsParsedAndCountersScaled) {
  // exit status 3: wait status 3 << 8; counters: cycles ran half the time, cache-misses never.
  const std::string line = "0 1500000000 1200000 30000 2048 10 1 4 5 " + std::to_string(3 << 8) +
                           " 0 1000 200 100 5000 200 200 7 200 0";
  const auto r = analysis::parse_helper_report(line);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->exec_errno, 0);
  const auto& e = r->execution;
  EXPECT_DOUBLE_EQ(e.wall_s, 1.5);
  EXPECT_DOUBLE_EQ(e.user_s, 1.2);
  EXPECT_DOUBLE_EQ(e.sys_s, 0.03);
  EXPECT_EQ(e.max_rss_bytes, 2048 * 1024);
  EXPECT_EQ(e.exit_code, 3);
  EXPECT_EQ(analysis::outcome(e), "exit 3");
  ASSERT_TRUE(e.counters[0].has_value());
  EXPECT_DOUBLE_EQ(*e.counters[0], 2000);
  EXPECT_DOUBLE_EQ(*e.counters[1], 5000);
  EXPECT_FALSE(e.counters[2].has_value());
  const auto killed = analysis::parse_helper_report("0 1 1 1 1 0 0 0 0 9 95");
  ASSERT_TRUE(killed.has_value());
  EXPECT_EQ(killed->execution.exit_code, -1);
  EXPECT_EQ(analysis::outcome(killed->execution), "killed by SIGKILL");
  EXPECT_FALSE(killed->execution.counters[0].has_value()) << "perf_event_open failed: unknown";
  EXPECT_FALSE(analysis::parse_helper_report("").has_value());
  EXPECT_FALSE(analysis::parse_helper_report("0 1 2 oops").has_value());
}

TEST(ExternalCommand, ProgramsAreFoundAsExecvpFindsThem) {
  EXPECT_EQ(analysis::resolve_program("sh", "/nonexistent:/bin"), "/bin/sh");
  EXPECT_EQ(analysis::resolve_program("/bin/sh", ""), "/bin/sh");
  EXPECT_FALSE(analysis::resolve_program("sh", "/nonexistent").has_value());
  EXPECT_FALSE(analysis::resolve_program("/etc/passwd", "/bin").has_value()) << "not executable";
  EXPECT_FALSE(analysis::resolve_program("bin", "/").has_value()) << "a folder";
}
