#include "nsperf/mpi/runner.hpp"

#include <boost/mpi/collectives.hpp>
#include <stdexcept>

#include "nsperf/core/memory.hpp"
#include "nsperf/core/profiler.hpp"
#include "nsperf/mpi/collective.hpp"

namespace nsperf::mpi {

std::vector<RunEntry> strategy_entries(const std::vector<std::string>& names) {
  std::vector<RunEntry> entries;
  entries.reserve(names.size());
  for (const auto& n : names) entries.push_back({n, {}});
  return entries;
}

std::string Trial::label(std::string_view kernel) const {
  std::string text = optimizer_ + " " + entry_.name;
  if (kernel.empty()) kernel = entry_.kernel;
  if (!kernel.empty()) text += " " + std::string(kernel);
  if (measured())
    text += " rep " + std::to_string(step_.repetition + 1) + "/" + std::to_string(repetitions_);
  else
    text += " warm-up";
  return text;
}

core::Sample& Trial::record(std::string_view kernel, const Timing& t) {
  // A warm-up run is not a measurement; recording one is a bug in the optimizer.
  if (!measured())
    throw std::logic_error(optimizer_ + " " + entry_.name + ": a sample recorded in a warm-up run");
  core::Sample& s = samples_.emplace_back();
  s.optimizer = optimizer_;
  s.strategy = entry_.name;
  s.kernel = std::string(kernel);
  s.image = ctx_.workload.image;
  s.rank = ctx_.comm.rank();
  s.repetition = step_.repetition;
  s.tiles = static_cast<std::int64_t>(ctx_.workload.tiles.size());
  s.seconds = t.seconds;
  s.start_s = t.start_s;
  s.end_s = t.end_s;
  return s;
}

void Trial::progress(std::int64_t done, std::string_view kernel) const {
  if (!ctx_.progress.shown()) return;
  if (progress_label_.empty() || progress_kernel_ != kernel) {
    progress_kernel_ = std::string(kernel);
    progress_label_ = label(kernel);
  }
  ctx_.progress.set(units_before_ + done, progress_label_);
}

double Trial::span(const Timing& t) const {
  const double start = bmpi::all_reduce(comm(), t.start_s, bmpi::minimum<double>());
  const double end = bmpi::all_reduce(comm(), t.end_s, bmpi::maximum<double>());
  return end - start;
}

double Trial::now() const { return ctx_.clock.now(); }

void Trial::stretch(const core::Stopwatch& clock) const {
  const int percent = ctx_.config.benchmark.slowdown_percent;
  if (percent <= 0) return;
  // Spinning, not sleeping: the run stays on its core as a slower code path would.
  const double until = clock.elapsed_s() * (1 + percent / 100.0);
  while (clock.elapsed_s() < until) {
  }
}

Runner::Runner(const OptimizerContext& ctx, std::string optimizer, OptimizerOutput& out)
    : ctx_(ctx), optimizer_(std::move(optimizer)), out_(out), units_(ctx.units_before) {}

void Runner::run(const std::vector<RunEntry>& entries, const std::function<void(Trial&)>& body,
                 std::int64_t units_per_run) {
  const auto& b = ctx_.config.benchmark;
  if (units_per_run <= 0)
    units_per_run = static_cast<std::int64_t>(ctx_.workload.plan.tiles.size());
  for (const auto& step : core::measurement_schedule(static_cast<int>(entries.size()), b.warmup,
                                                     b.repetitions, ctx_.config.input.seed)) {
    const auto index = static_cast<std::size_t>(step.strategy);
    Trial trial(ctx_, optimizer_, index, entries[index], step, b.repetitions, units_);
    {
      const auto& e = entries[index];
      NSPERF_REGION(e.kernel.empty() ? e.name : e.name + " " + e.kernel);
      body(trial);
    }
    // After the body's checks: the rank's peak memory with this run in it.
    const auto peak = static_cast<std::int64_t>(core::peak_rss_bytes());
    for (auto& s : trial.samples_) {
      s.peak_rss_bytes = peak;
      out_.samples.push_back(std::move(s));
    }
    units_ += units_per_run;
    if (ctx_.progress.shown()) ctx_.progress.set(units_, trial.label());
  }
}

}  // namespace nsperf::mpi
