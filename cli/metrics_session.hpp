#pragma once
// --metrics-push, --metrics-listen, --metrics-file and --metrics-interval for the MPI commands
// (benchmark, run, profile): the options, and rank 0's publisher for the length of the job.

#include <boost/mpi/communicator.hpp>
#include <boost/program_options.hpp>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "nsperf/core/provenance.hpp"
#include "nsperf/metrics/metrics.hpp"
#include "nsperf/metrics/publisher.hpp"
#include "nsperf/mpi/optimizer.hpp"

namespace nsperf::cli {

/// The "Monitoring (Prometheus)" options.
boost::program_options::options_description metrics_options();

/// What they ask for. Throws UsageError for a bad --metrics-interval.
metrics::PublishOptions publish_options(const boost::program_options::variables_map& vm);

/// Rank 0's metrics for one job; on other ranks every call does nothing.
class MetricsSession {
 public:
  /// Collective over `world`, before any work: rank 0 checks the options and opens the listener;
  /// every rank throws PhaseFailed (exit 2) if that fails.
  MetricsSession(const boost::mpi::communicator& world, const metrics::PublishOptions& options);
  MetricsSession(const MetricsSession&) = delete;
  MetricsSession& operator=(const MetricsSession&) = delete;
  ~MetricsSession();

  /// A progress sink that also sets the progress metrics, in `unit`, then calls `inner`.
  mpi::ProgressSink* progress(mpi::ProgressSink* inner, std::string unit);

  /// The run has an id: its metrics start (served, pushed and written from now on).
  void start(const core::Provenance& provenance);

  /// Rank 0: `fill` sets the final figures, `exit_code` is how the command ends; then the final
  /// push and textfile. A failure is a warning on stderr, never an error.
  void finish(const std::function<void(metrics::Metrics&)>& fill, int exit_code);

  /// Runs `job`; if it throws, rank 0 first publishes what the metrics hold so far with the
  /// exit code the error ends the job with (so a dashboard sees failed runs too), then the
  /// error goes on.
  template <class Job>
  auto guard(Job&& job) {
    try {
      return job();
    } catch (const std::exception& e) {
      failed(e);
      throw;
    }
  }

 private:
  void failed(const std::exception& e);
  class Tee;
  std::unique_ptr<metrics::Publisher> publisher_;
  std::optional<metrics::Metrics> metrics_;
  std::unique_ptr<Tee> tee_;
};

}  // namespace nsperf::cli
