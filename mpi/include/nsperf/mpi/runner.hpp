#pragma once
/// \file The measurement runner: the one place that drives a benchmark's schedule. It owns the
/// warm-up and the shuffled rounds (core::measurement_schedule), the profiled region of each
/// run, the clock readings, progress, and the identity of every Sample; an optimizer supplies
/// only what is its own: what one run of an entry does, how its output is checked, and which
/// figures its samples carry. Google Benchmark's split between its runner and the benchmark
/// body is the model.
///
///   Runner runner(ctx, "memory", out);
///   runner.run(entries, [&](Trial& trial) {
///     const Timing t = trial.collective("memory", [&] { ... one run of trial.name() ... });
///     trial.check([&] { trial.record("pipeline", t).bytes = ...; });
///   });

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nsperf/core/records.hpp"
#include "nsperf/core/schedule.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/mpi/optimizer.hpp"
#include "nsperf/mpi/phase.hpp"
#include "nsperf/mpi/workload.hpp"

namespace nsperf::mpi {

/// When one run began and ended on this rank.
struct Timing {
  double start_s = 0;  ///< seconds since the run began, on rank 0's clock (RunClock)
  double end_s = 0;    ///< same clock
  double seconds = 0;  ///< this rank's time in between, by its own monotonic clock
};

/// What the runner measures: a strategy, or a reference measured beside the strategies (plain
/// MPI, say) in the same shuffled rounds.
struct RunEntry {
  std::string name;    ///< the strategy (or reference) measured
  std::string kernel;  ///< what of it, when one strategy has several entries ("transfer")
};

/// An entry for each name.
std::vector<RunEntry> strategy_entries(const std::vector<std::string>& names);

/// One run of one entry, as the runner hands it to an optimizer.
class Trial {
 public:
  [[nodiscard]] std::size_t index() const noexcept { return index_; }  ///< into the entries
  [[nodiscard]] const RunEntry& entry() const noexcept { return entry_; }
  [[nodiscard]] const std::string& name() const noexcept { return entry_.name; }
  [[nodiscard]] const core::Step& step() const noexcept { return step_; }
  [[nodiscard]] bool measured() const noexcept { return step_.measured(); }

  /// What the progress line shows: "memory pooled rep 2/5", "io posix write warm-up" (the
  /// entry's kernel when none is given).
  [[nodiscard]] std::string label(std::string_view kernel = {}) const;

  /// Every rank starts together: an agreed phase with nothing in it (faults are injected here,
  /// so that a rank fails before, not inside, the collective work that follows).
  void line_up(std::string_view phase) const {
    run_phase(comm(), phase, [] {});
  }

  /// Runs fn on every rank as run_collective does (fn may make collective calls; a failure
  /// inside must happen on every rank), timed.
  template <class Fn>
  Timing collective(std::string_view phase, Fn&& fn) const {
    Timing t;
    run_collective(comm(), phase, [&] { t = timed(std::forward<Fn>(fn)); });
    return t;
  }

  /// Runs fn, local work, in an agreed phase (run_phase), timed.
  template <class Fn>
  Timing local(std::string_view phase, Fn&& fn) const {
    Timing t;
    run_phase(comm(), phase, [&] { t = timed(std::forward<Fn>(fn)); });
    return t;
  }

  /// Runs fn, timed, where fn makes its own phases and collectives (a run of several steps).
  template <class Fn>
  Timing time(Fn&& fn) const {
    return timed(std::forward<Fn>(fn));
  }

  /// Collective over the ranks: from the earliest start to the latest end of `t` (the time of
  /// the run as a whole, when the ranks do different parts of it).
  [[nodiscard]] double span(const Timing& t) const;

  /// Runs fn, timed, in no phase: for point-to-point work where a rank cannot agree with a
  /// peer that may be blocked in a receive (see phase.hpp). A failure reaches main, which ends
  /// every rank. Faults named `fault` are injected just before.
  template <class Fn>
  Timing unagreed(std::string_view fault, Fn&& fn) const {
    return timed([&] {
      inject_fault(comm().rank(), fault);
      std::forward<Fn>(fn)();
    });
  }

  /// The check after a run, in an agreed phase on every rank, measured runs or not (so that
  /// the ranks line up for the next run); fn runs only in measured ones.
  template <class Fn>
  void check(Fn&& fn) {
    run_phase(comm(), "check", [&] {
      if (measured()) std::forward<Fn>(fn)();
    });
  }

  /// A sample of `kernel` from this measured run: its identity (optimizer, strategy, image,
  /// rank, repetition, this rank's tiles) and `t` filled in; the optimizer adds its figures.
  /// The runner keeps it, and sets its peak memory once the body has returned. The reference
  /// stays valid for the whole run.
  core::Sample& record(std::string_view kernel, const Timing& t);

  /// `done` of this run's progress units are done (for a run long enough to show progress
  /// inside it); the runner counts the run's whole units when it ends. Called inside timed
  /// work (once per tile), so it costs nothing where no progress is shown and builds its
  /// label once per kernel.
  void progress(std::int64_t done, std::string_view kernel = {}) const;

  [[nodiscard]] const bmpi::communicator& comm() const noexcept { return ctx_.comm; }

 private:
  friend class Runner;
  Trial(const OptimizerContext& ctx, const std::string& optimizer, std::size_t index,
        const RunEntry& entry, core::Step step, int repetitions, std::int64_t units_before)
      : ctx_(ctx),
        optimizer_(optimizer),
        index_(index),
        entry_(entry),
        step_(step),
        repetitions_(repetitions),
        units_before_(units_before) {}

  template <class Fn>
  Timing timed(Fn&& fn) const {
    Timing t;
    const core::Stopwatch clock;
    t.start_s = now();
    std::forward<Fn>(fn)();
    stretch(clock);
    t.end_s = now();
    t.seconds = clock.elapsed_s();
    return t;
  }
  [[nodiscard]] double now() const;
  // benchmark.slowdown_percent: spins until `clock` shows the run that much longer.
  void stretch(const core::Stopwatch& clock) const;

  const OptimizerContext& ctx_;
  const std::string& optimizer_;
  std::size_t index_;
  const RunEntry& entry_;
  core::Step step_;
  int repetitions_;
  std::int64_t units_before_;
  std::deque<core::Sample> samples_;
  mutable std::string progress_kernel_;  // the kernel progress_label_ was built for
  mutable std::string progress_label_;
};

/// Drives an optimizer's measurements. Collective over ctx.comm: every rank makes the same
/// calls in the same order.
class Runner {
 public:
  /// Samples go to `out`; progress counts from ctx.units_before.
  Runner(const OptimizerContext& ctx, std::string optimizer, OptimizerOutput& out);

  /// Runs the schedule over `entries`: warm-up rounds in list order, then the measured rounds,
  /// each entry once per round in an order shuffled from the seed (the same on every rank),
  /// calling body(trial) for each run inside the entry's profiled region. Each run is worth
  /// `units_per_run` progress units (0: the plan's tiles, one unit per tile computed once).
  void run(const std::vector<RunEntry>& entries, const std::function<void(Trial&)>& body,
           std::int64_t units_per_run = 0);

  /// Progress units done so far, from ctx.units_before.
  [[nodiscard]] std::int64_t units() const noexcept { return units_; }

 private:
  const OptimizerContext& ctx_;
  std::string optimizer_;
  OptimizerOutput& out_;
  std::int64_t units_;
};

}  // namespace nsperf::mpi
