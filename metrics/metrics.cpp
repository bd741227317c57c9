#include "nsperf/metrics/metrics.hpp"

#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <sstream>

namespace nsperf::metrics {

using prometheus::Family;
using prometheus::Gauge;
using prometheus::Labels;

// Every family, built once per registry. All are gauges: each series is one run's value, set
// once (or, for progress, rising while the run goes on), never a count that only grows.
struct Metrics::State {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();

  Family<Gauge>& gauge(const char* name, const char* help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(*registry);
  }

  // Every command.
  Family<Gauge>& progress_done =
      gauge("nsperf_progress_done", "Work units done so far (unit label: what is counted).");
  Family<Gauge>& progress_units =
      gauge("nsperf_progress_units", "Work units of the whole command (unit label).");
  Family<Gauge>& exit_code =
      gauge("nsperf_exit_code", "How the command ended: 0 success, 1 a failed check or error.");
  Family<Gauge>& bandwidth = gauge("nsperf_bandwidth_ceiling_bytes_per_second",
                                   "Measured memory-bandwidth ceiling of the job (triad, every "
                                   "rank at once).");
  // nsperf benchmark: one series per optimizer, strategy and kernel.
  Family<Gauge>& median = gauge("nsperf_benchmark_median_seconds",
                                "Median over the repetitions of the slowest rank's time.");
  Family<Gauge>& median_low =
      gauge("nsperf_benchmark_median_lower_seconds",
            "Lower bound of the interval of that median (coverage 95% or more; [min, max] with "
            "fewer than 6 repetitions).");
  Family<Gauge>& median_high =
      gauge("nsperf_benchmark_median_upper_seconds",
            "Upper bound of the interval of that median (coverage 95% or more; [min, max] "
            "with fewer than 6 repetitions).");
  Family<Gauge>& speedup =
      gauge("nsperf_benchmark_speedup_ratio",
            "Median over paired rounds of baseline time / this time (only with a baseline).");
  Family<Gauge>& speedup_low =
      gauge("nsperf_benchmark_speedup_lower_ratio",
            "Lower bound of the interval of the speedup (as the median's).");
  Family<Gauge>& speedup_high =
      gauge("nsperf_benchmark_speedup_upper_ratio",
            "Upper bound of the interval of the speedup (as the median's).");
  Family<Gauge>& bytes_rate = gauge("nsperf_benchmark_throughput_bytes_per_second",
                                    "Bytes moved per repetition (all ranks) / median time.");
  Family<Gauge>& pixel_rate = gauge("nsperf_benchmark_throughput_pixels_per_second",
                                    "Pixels processed per repetition (all ranks) / median time.");
  Family<Gauge>& check = gauge("nsperf_benchmark_check_passed",
                               "1 if every output was checked and passed, 0 if one failed "
                               "(absent: not checked).");
  Family<Gauge>& imbalance =
      gauge("nsperf_benchmark_imbalance_ratio",
            "Median over repetitions of the slowest rank's busy time / the mean rank's.");
  Family<Gauge>& repetitions =
      gauge("nsperf_benchmark_repetitions", "Measured repetitions behind the median.");
  // nsperf run.
  Family<Gauge>& tiles = gauge("nsperf_run_tiles", "Tiles of the image.");
  Family<Gauge>& tiles_done = gauge("nsperf_run_tiles_done",
                                    "Tiles whose gradient is computed, every rank's (rises while "
                                    "the run goes on).");
  Family<Gauge>& stage = gauge("nsperf_run_stage_seconds",
                               "Seconds a rank spent in a stage of the job (start, read, "
                               "pipeline, check, write).");
  Family<Gauge>& read_bytes = gauge("nsperf_run_read_bytes",
                                    "Bytes a rank read from the image file (0: rendered or sent).");
  Family<Gauge>& written_bytes =
      gauge("nsperf_run_written_bytes", "Uncompressed bytes of the output's mask and gradient.");
  Family<Gauge>& file_bytes = gauge("nsperf_run_output_file_bytes", "Size of the output file.");
  Family<Gauge>& negative_space = gauge("nsperf_run_negative_space_ratio",
                                        "Fraction of the image's pixels that are negative space.");
  Family<Gauge>& threshold =
      gauge("nsperf_run_threshold_bin", "Otsu's threshold, a bin of 256 gradient-magnitude bins.");
  Family<Gauge>& images = gauge("nsperf_run_images",
                                "Images of a job of many images that ended with each status "
                                "(label status).");
  Family<Gauge>& wall = gauge("nsperf_run_wall_seconds",
                              "The launcher's start to the end of the job, as the user waits.");
};

namespace {

// NAME=VALUE out of "A=1;B=2".
std::string slurm_value(const std::string& slurm_job, std::string_view name) {
  std::istringstream in(slurm_job);
  for (std::string pair; std::getline(in, pair, ';');) {
    const auto eq = pair.find('=');
    if (eq != std::string::npos && pair.compare(0, eq, name) == 0) return pair.substr(eq + 1);
  }
  return {};
}

Labels base_labels(const RunLabels& r) {
  Labels l = {{"run_id", r.run_id},
              {"command", r.command},
              {"input", r.input},
              {"ranks", std::to_string(r.ranks)},
              {"threads", r.threads > 0 ? std::to_string(r.threads) : std::string("auto")},
              {"host", r.host}};
  if (!r.slurm_job_id.empty()) l["slurm_job_id"] = r.slurm_job_id;
  if (!r.slurm_array_task_id.empty()) l["slurm_array_task_id"] = r.slurm_array_task_id;
  if (!r.slurm_cluster.empty()) l["slurm_cluster"] = r.slurm_cluster;
  return l;
}

Labels with(Labels l, std::initializer_list<std::pair<const char*, std::string>> more) {
  for (const auto& [k, v] : more) l[k] = v;
  return l;
}

}  // namespace

RunLabels labels_of(core::Attributes attributes) {
  RunLabels r;
  r.run_id = core::attribute_text(attributes, "run_id");
  // "nsperf benchmark --cpu ...": the word after the program.
  std::istringstream words(core::attribute_text(attributes, "command_line"));
  std::string program;
  words >> program >> r.command;
  r.input = core::attribute_text(attributes, "image");
  r.ranks = static_cast<std::int64_t>(core::attribute_number(attributes, "ranks"));
  r.threads = static_cast<std::int64_t>(core::attribute_number(attributes, "threads_per_rank"));
  const std::string hosts = core::attribute_text(attributes, "hosts");  // "a:2,b:2"
  r.host = hosts.substr(0, hosts.find_first_of(":,"));
  const std::string slurm = core::attribute_text(attributes, "slurm_job");
  r.slurm_job_id = slurm_value(slurm, "SLURM_JOB_ID");
  r.slurm_array_task_id = slurm_value(slurm, "SLURM_ARRAY_TASK_ID");
  r.slurm_cluster = slurm_value(slurm, "SLURM_CLUSTER_NAME");
  return r;
}

struct Metrics::Live {
  std::string unit;
  Gauge* done = nullptr;
  Gauge* units = nullptr;
  Gauge* tiles = nullptr;
  Gauge* tiles_done = nullptr;
};

Metrics::Metrics(RunLabels labels)
    : state_(std::make_shared<State>()),
      labels_(std::move(labels)),
      live_(std::make_shared<Live>()) {}

Metrics::Metrics(std::shared_ptr<State> state, RunLabels labels)
    : state_(std::move(state)), labels_(std::move(labels)), live_(std::make_shared<Live>()) {}

Metrics Metrics::with_run(RunLabels labels) const { return {state_, std::move(labels)}; }

void Metrics::progress(std::int64_t done, std::int64_t total, std::string_view unit) {
  auto& live = *live_;
  if (live.done == nullptr || live.unit != unit) {
    const Labels l = with(base_labels(labels_), {{"unit", std::string(unit)}});
    live.unit = std::string(unit);
    live.done = &state_->progress_done.Add(l);
    live.units = &state_->progress_units.Add(l);
  }
  live.done->Set(static_cast<double>(done));
  live.units->Set(static_cast<double>(total));
}

void Metrics::tiles(std::int64_t done, std::int64_t total) {
  auto& live = *live_;
  if (live.tiles == nullptr) {
    const Labels base = base_labels(labels_);
    live.tiles = &state_->tiles.Add(base);
    live.tiles_done = &state_->tiles_done.Add(base);
  }
  live.tiles->Set(static_cast<double>(total));
  live.tiles_done->Set(static_cast<double>(done));
}

void Metrics::benchmark(std::span<const core::SummaryRow> rows, double bandwidth_gbyte_per_s) {
  auto& s = *state_;
  const Labels base = base_labels(labels_);
  if (bandwidth_gbyte_per_s > 0) s.bandwidth.Add(base).Set(bandwidth_gbyte_per_s * 1e9);
  for (const auto& r : rows) {
    const Labels l =
        with(base, {{"optimizer", r.optimizer}, {"strategy", r.strategy}, {"kernel", r.kernel}});
    s.median.Add(l).Set(r.seconds.median);
    s.median_low.Add(l).Set(r.seconds.ci.low);
    s.median_high.Add(l).Set(r.seconds.ci.high);
    s.repetitions.Add(l).Set(static_cast<double>(r.seconds.count));
    if (r.speedup > 0) {
      s.speedup.Add(l).Set(r.speedup);
      s.speedup_low.Add(l).Set(r.speedup_ci.low);
      s.speedup_high.Add(l).Set(r.speedup_ci.high);
    }
    if (r.bytes > 0 && r.gbyte_per_s > 0) s.bytes_rate.Add(l).Set(r.gbyte_per_s * 1e9);
    if (r.pixels > 0 && r.mpixel_per_s > 0) s.pixel_rate.Add(l).Set(r.mpixel_per_s * 1e6);
    if (r.check != core::CheckStatus::not_checked)
      s.check.Add(l).Set(r.check == core::CheckStatus::passed ? 1 : 0);
    if (r.imbalance >= 0) s.imbalance.Add(l).Set(r.imbalance);
  }
}

void Metrics::run(const RunFigures& f) {
  auto& s = *state_;
  const Labels base = base_labels(labels_);
  s.tiles.Add(base).Set(static_cast<double>(f.tiles));
  if (f.tiles_done >= 0) s.tiles_done.Add(base).Set(static_cast<double>(f.tiles_done));
  for (const auto& r : f.ranks) {
    const std::string rank = std::to_string(r.rank);
    for (const auto& [name, seconds] : {std::pair{"start", r.start_s},
                                        {"read", r.read_s},
                                        {"pipeline", r.pipeline_s},
                                        {"check", r.check_s},
                                        {"write", r.write_s}})
      s.stage.Add(with(base, {{"rank", rank}, {"stage", name}})).Set(seconds);
    s.read_bytes.Add(with(base, {{"rank", rank}})).Set(static_cast<double>(r.bytes_read));
  }
  s.written_bytes.Add(base).Set(static_cast<double>(f.written_bytes));
  s.file_bytes.Add(base).Set(static_cast<double>(f.file_bytes));
  s.negative_space.Add(base).Set(f.negative_space_fraction);
  s.threshold.Add(base).Set(static_cast<double>(f.threshold));
  s.wall.Add(base).Set(f.wall_s);
}

void Metrics::images(std::span<const std::pair<std::string, std::int64_t>> by_status) {
  const Labels base = base_labels(labels_);
  for (const auto& [status, count] : by_status)
    state_->images.Add(with(base, {{"status", status}})).Set(static_cast<double>(count));
}

void Metrics::exit_code(int code) { state_->exit_code.Add(base_labels(labels_)).Set(code); }

std::weak_ptr<prometheus::Registry> Metrics::registry() const { return state_->registry; }

std::string Metrics::text() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, state_->registry->Collect());
  return out.str();
}

}  // namespace nsperf::metrics
