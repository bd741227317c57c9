// nsperf::metrics without servers: labels from a provenance, the families a summary row makes,
// and the option forms (docs/monitoring.md). The servers are in test_monitoring.py.
#include <gtest/gtest.h>

#include <string>

#include "nsperf/core/error.hpp"
#include "nsperf/metrics/metrics.hpp"
#include "nsperf/metrics/publisher.hpp"

namespace nsperf::metrics {
namespace {

core::Provenance provenance() {
  core::Provenance p;
  p.run_id = "20261206T000000Z-abcd";
  p.command_line = "/opt/bin/nsperf benchmark --cpu";
  p.image = "synthetic 64x64:u8 seed 1";
  p.ranks = 4;
  p.threads_per_rank = 2;
  p.hosts = "node7:2,node8:2";
  p.slurm_job = "SLURM_JOB_ID=42;SLURM_ARRAY_TASK_ID=3;SLURM_CLUSTER_NAME=hpc";
  return p;
}

TEST(Metrics, LabelsComeFromTheProvenance) {
  const auto attributes = provenance().attributes();
  const RunLabels l = labels_of(attributes);
  EXPECT_EQ(l.run_id, "20261206T000000Z-abcd");
  EXPECT_EQ(l.command, "benchmark");
  EXPECT_EQ(l.input, "synthetic 64x64:u8 seed 1");
  EXPECT_EQ(l.ranks, 4);
  EXPECT_EQ(l.threads, 2);
  EXPECT_EQ(l.host, "node7");
  EXPECT_EQ(l.slurm_job_id, "42");
  EXPECT_EQ(l.slurm_array_task_id, "3");
  EXPECT_EQ(l.slurm_cluster, "hpc");
}

TEST(Metrics, ASummaryRowMakesOnlyTheSeriesItMeasured) {
  auto p = provenance();
  p.slurm_job.clear();
  const auto attributes = p.attributes();
  Metrics m(labels_of(attributes));
  core::SummaryRow baseline;
  baseline.optimizer = "cpu";
  baseline.strategy = "scalar";
  baseline.kernel = "pipeline";
  baseline.seconds.median = 0.25;
  baseline.seconds.ci = {0.2, 0.3, 0.96};
  baseline.seconds.count = 10;
  baseline.pixels = 4096;
  baseline.mpixel_per_s = 4096 / 0.25 / 1e6;
  baseline.check = core::CheckStatus::passed;
  core::SummaryRow fast = baseline;
  fast.strategy = "fused";
  fast.speedup = 2.5;
  fast.speedup_ci = {2.25, 2.75, 0.96};
  fast.check = core::CheckStatus::failed;
  const core::SummaryRow rows[] = {baseline, fast};
  m.benchmark(rows, 12.5);
  const std::string text = m.text();
  EXPECT_NE(
      text.find("nsperf_bandwidth_ceiling_bytes_per_second{command=\"benchmark\",host=\"node7\","
                "input=\"synthetic 64x64:u8 seed 1\",ranks=\"4\",run_id=\"20261206T000000Z-"
                "abcd\",threads=\"2\"} 12500000000\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("strategy=\"fused\",threads=\"2\"} 2.5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("nsperf_benchmark_check_passed{"), std::string::npos);
  EXPECT_NE(text.find("strategy=\"fused\",threads=\"2\"} 0\n"), std::string::npos) << text;
  // The baseline has no speedup of its own, nothing counts bytes, and no SLURM labels here.
  const auto begin = text.find("# TYPE nsperf_benchmark_speedup_ratio gauge");
  ASSERT_NE(begin, std::string::npos);
  const std::string speedups = text.substr(begin, text.find("# HELP", begin) - begin);
  EXPECT_NE(speedups.find("strategy=\"fused\""), std::string::npos) << speedups;
  EXPECT_EQ(speedups.find("strategy=\"scalar\""), std::string::npos) << speedups;
  EXPECT_EQ(text.find("nsperf_benchmark_throughput_bytes_per_second"), std::string::npos);
  EXPECT_EQ(text.find("slurm_"), std::string::npos);
}

TEST(Metrics, RunsShareOneRegistryAndEachFamilyIsWrittenOnce) {
  const auto attributes = provenance().attributes();
  Metrics first(labels_of(attributes));
  RunLabels other = labels_of(attributes);
  other.run_id = "20261206T000001Z-ef01";
  Metrics second = first.with_run(other);
  first.exit_code(0);
  second.exit_code(1);
  const std::string text = first.text();
  EXPECT_EQ(text, second.text());
  EXPECT_EQ(text.find("# TYPE nsperf_exit_code gauge"),
            text.rfind("# TYPE nsperf_exit_code gauge"));
  EXPECT_NE(text.find("run_id=\"20261206T000001Z-ef01\""), std::string::npos);
}

TEST(Publisher, PushURLsAndListenAddresses) {
  const auto t = parse_push_url("http://gateway.example:9091");
  EXPECT_EQ(t.scheme, "http");
  EXPECT_EQ(t.host, "gateway.example");
  EXPECT_EQ(t.port, "9091");
  EXPECT_EQ(parse_push_url("https://gw/").port, "443");
  EXPECT_EQ(parse_push_url("http://[::1]:9091").host, "[::1]");
  for (const char* bad : {"gateway:9091", "http://", "ftp://gw:21", "http://gw:0",
                          "http://gw:99999", "http://gw:9091/metrics", "http://user@gw:9091"}) {
    EXPECT_THROW(parse_push_url(bad), UsageError) << bad;
  }
  EXPECT_EQ(parse_listen("9464"), "127.0.0.1:9464");
  EXPECT_EQ(parse_listen("0.0.0.0:9464"), "0.0.0.0:9464");
  for (const char* bad : {"", "port", "host:", ":9464", "h:70000", "h:0"}) {
    EXPECT_THROW(parse_listen(bad), UsageError) << bad;
  }
}

}  // namespace
}  // namespace nsperf::metrics
