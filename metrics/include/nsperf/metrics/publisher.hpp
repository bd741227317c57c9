#pragma once
/// \file The three ways a run's metrics leave nsperf (docs/monitoring.md): pushed to a
/// Prometheus Pushgateway, served on /metrics for a Prometheus that scrapes, written as a
/// node_exporter textfile. Rank 0 only. Failures after the start are warnings: the run's own
/// results never depend on them.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nsperf/metrics/metrics.hpp"

namespace nsperf::metrics {

/// What the options ask for (empty strings: not asked).
struct PublishOptions {
  std::string push_url;   ///< --metrics-push URL (http://HOST[:PORT])
  std::string listen;     ///< --metrics-listen [HOST:]PORT
  std::string file;       ///< --metrics-file FILE.prom
  double interval_s = 0;  ///< --metrics-interval: also push and write this often (0: at the end)
  [[nodiscard]] bool any() const { return !push_url.empty() || !listen.empty() || !file.empty(); }
};

/// A Pushgateway's address, from --metrics-push.
struct PushTarget {
  std::string scheme;  ///< http or https
  std::string host;
  std::string port;  ///< as given, or the scheme's (80, 443)
};

/// Parses --metrics-push's URL: http(s)://HOST[:PORT][/]. Throws UsageError naming the option,
/// the value and what is valid.
PushTarget parse_push_url(const std::string& url);

/// Parses --metrics-listen: PORT (on 127.0.0.1) or HOST:PORT; returns "HOST:PORT". Throws
/// UsageError naming the option.
std::string parse_listen(const std::string& value);

/// Credentials for the Pushgateway, never on the command line: NSPERF_METRICS_PUSH_USER and
/// NSPERF_METRICS_PUSH_PASSWORD, or NSPERF_METRICS_PUSH_PASSWORD_FILE (a file whose first line
/// is the password). Empty user: none.
struct PushCredentials {
  std::string user;
  std::string password;
};
PushCredentials push_credentials_from_environment();

class Publisher {
 public:
  /// Before any work: checks the options (UsageError naming the option: a URL that is not one,
  /// a port already in use, a textfile folder that is missing or not writable) and opens the
  /// listener. Nothing is sent before attach().
  explicit Publisher(PublishOptions options);
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;
  /// Stops the interval thread and the listener (a push still in flight is abandoned).
  ~Publisher();

  /// The run's metrics, once it has an id: served from now on, pushed and written every
  /// interval_s.
  void attach(const Metrics& metrics);

  /// What the final publishing did.
  struct Finished {
    std::vector<std::string> warnings;  ///< one per way out that failed (interval ones too)
    std::vector<std::string> done;      ///< one per way out that worked, with its figures
  };
  /// The final push and textfile, waiting at most `timeout_s` for the Pushgateway. Never throws.
  Finished finish(double timeout_s = 10);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nsperf::metrics
