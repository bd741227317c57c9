#include "metrics_session.hpp"

#include <iostream>

#include "nsperf/core/error.hpp"
#include "nsperf/mpi/phase.hpp"

namespace nsperf::cli {

namespace po = boost::program_options;

po::options_description metrics_options() {
  po::options_description o("Monitoring (Prometheus; rank 0 publishes, docs/monitoring.md)");
  o.add_options()("metrics-push", po::value<std::string>()->value_name("URL"),
                  "push the run's metrics to this Prometheus Pushgateway when it ends, and every "
                  "--metrics-interval during it, e.g. http://gateway:9091 (grouping key job "
                  "nsperf, instance, run_id; credentials from NSPERF_METRICS_PUSH_USER and "
                  "NSPERF_METRICS_PUSH_PASSWORD or _PASSWORD_FILE). A failed push is a warning")(
      "metrics-listen", po::value<std::string>()->value_name("[HOST:]PORT"),
      "serve /metrics for the length of the run, for a Prometheus that scrapes (HOST "
      "default 127.0.0.1; a port in use is an error before any work)")(
      "metrics-file", po::value<std::string>()->value_name("FILE.prom"),
      "write the metrics in node_exporter's textfile format (whole: written beside it and "
      "renamed) when the run ends, and every --metrics-interval")(
      "metrics-interval", po::value<double>()->value_name("SECONDS"),
      "how often --metrics-push and --metrics-file publish during the run (default 15; 0: "
      "only at the end)");
  return o;
}

metrics::PublishOptions publish_options(const po::variables_map& vm) {
  metrics::PublishOptions o;
  // The forms are checked here, on every rank, with the other options; what needs the
  // network or the file system, on rank 0 when the session opens.
  if (vm.count("metrics-push")) {
    o.push_url = vm["metrics-push"].as<std::string>();
    metrics::parse_push_url(o.push_url);
  }
  if (vm.count("metrics-listen")) {
    o.listen = vm["metrics-listen"].as<std::string>();
    metrics::parse_listen(o.listen);
  }
  if (vm.count("metrics-file")) o.file = vm["metrics-file"].as<std::string>();
  o.interval_s = 15;
  if (vm.count("metrics-interval")) {
    o.interval_s = vm["metrics-interval"].as<double>();
    if (!(o.interval_s >= 0) || o.interval_s > 86400)
      throw UsageError("--metrics-interval " + std::to_string(o.interval_s) +
                       ": valid: 0 (only at the end) to 86400 seconds");
    if (o.push_url.empty() && o.file.empty())
      throw UsageError(
          "--metrics-interval: only --metrics-push and --metrics-file publish at "
          "intervals, and neither is given");
  }
  return o;
}

// The progress line and the progress metrics, from one sink.
class MetricsSession::Tee final : public mpi::ProgressSink {
 public:
  Tee(mpi::ProgressSink* inner, std::string unit, MetricsSession& session)
      : inner_(inner), unit_(std::move(unit)), session_(session) {}
  void update(std::int64_t done, std::int64_t total, std::string_view label) override {
    if (session_.metrics_) session_.metrics_->progress(done, total, unit_);
    if (inner_ != nullptr) inner_->update(done, total, label);
  }
  void finish() override {
    if (inner_ != nullptr) inner_->finish();
  }
  void tiles(std::int64_t done, std::int64_t total) override {
    if (session_.metrics_) session_.metrics_->tiles(done, total);
    if (inner_ != nullptr) inner_->tiles(done, total);
  }

 private:
  mpi::ProgressSink* inner_;
  std::string unit_;
  MetricsSession& session_;
};

MetricsSession::MetricsSession(const boost::mpi::communicator& world,
                               const metrics::PublishOptions& options) {
  mpi::run_phase(world, "metrics", [&] {
    if (world.rank() == 0 && options.any())
      publisher_ = std::make_unique<metrics::Publisher>(options);
  });
}

MetricsSession::~MetricsSession() = default;

mpi::ProgressSink* MetricsSession::progress(mpi::ProgressSink* inner, std::string unit) {
  if (!publisher_) return inner;
  tee_ = std::make_unique<Tee>(inner, std::move(unit), *this);
  return tee_.get();
}

void MetricsSession::start(const core::Provenance& provenance) {
  if (!publisher_) return;
  const auto attributes = provenance.attributes();
  metrics_.emplace(metrics::labels_of(attributes));
  publisher_->attach(*metrics_);
}

void MetricsSession::finish(const std::function<void(metrics::Metrics&)>& fill, int exit_code) {
  if (!publisher_ || !metrics_) return;
  fill(*metrics_);
  metrics_->exit_code(exit_code);
  const auto finished = publisher_->finish();
  for (const auto& done : finished.done) std::cout << "metrics: " << done << "\n";
  std::cout << std::flush;  // the report before any warning, in a log of both streams
  for (const auto& warning : finished.warnings)
    std::cerr << "warning: " << warning << " (the run's results are not affected)\n";
}

void MetricsSession::failed(const std::exception& e) {
  const auto* error = dynamic_cast<const Error*>(&e);
  finish([](metrics::Metrics&) {},
         static_cast<int>(error != nullptr ? error->exit_code() : ExitCode::runtime));
}

}  // namespace nsperf::cli
