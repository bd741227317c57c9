#include "nsperf/metrics/publisher.hpp"

#include <netdb.h>
#include <prometheus/exposer.h>
#include <prometheus/gateway.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "nsperf/core/error.hpp"

namespace nsperf::metrics {
namespace {

using Clock = std::chrono::steady_clock;

const char* const kPushValid =
    "valid: http://HOST[:PORT] or https://HOST[:PORT], e.g. http://pushgateway.example:9091";

// One push at a time, on its own thread: prometheus-cpp's Gateway sets no timeout, so a
// Pushgateway that accepts and never answers would hold the caller forever. The caller waits a
// bounded time; a push still hanging then is abandoned, its state kept alive by the thread.
struct PushState {
  std::unique_ptr<prometheus::Gateway> gateway;
  std::mutex mutex;
  std::condition_variable changed;
  bool in_flight = false;
  int code = 0;  // HTTP status of the last push, or -curl error
  bool any = false;
};

// Starts a push unless one is in flight; returns whether it started.
bool start_push(const std::shared_ptr<PushState>& state) {
  {
    std::lock_guard lock(state->mutex);
    if (state->in_flight) return false;
    state->in_flight = true;
  }
  std::thread([state] {
    const int code = state->gateway->Push();
    std::lock_guard lock(state->mutex);
    state->code = code;
    state->any = true;
    state->in_flight = false;
    state->changed.notify_all();
  }).detach();
  return true;
}

// Waits until no push is in flight, up to `until`; returns whether none is.
bool wait_push(const std::shared_ptr<PushState>& state, Clock::time_point until) {
  std::unique_lock lock(state->mutex);
  return state->changed.wait_until(lock, until, [&] { return !state->in_flight; });
}

std::string push_problem(int code) {
  if (code < 0) return "cannot reach it (curl error " + std::to_string(-code) + ")";
  if (code >= 200 && code < 300) return {};
  return "it answered HTTP " + std::to_string(code);
}

// The textfile, whole or not at all: written beside it (a name the collector ignores, as it
// reads *.prom only) and renamed.
std::string temporary_of(const std::string& path) {
  return path + "." + std::to_string(::getpid()) + ".tmp";
}

std::string write_textfile(const std::string& path, const std::string& text) {
  const std::string temporary = temporary_of(path);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      const std::string why = std::strerror(errno);
      std::remove(temporary.c_str());
      return "cannot write " + temporary + " (" + why + ")";
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(temporary.c_str());
    return "cannot rename " + temporary + " to " + path + " (" + why + ")";
  }
  return {};
}

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw UsageError("NSPERF_METRICS_PUSH_PASSWORD_FILE=" + path + ": cannot read it (" +
                     std::strerror(errno) + ")");
  }
  std::string line;
  std::getline(in, line);
  return line;
}

// Opens and closes a TCP connection to HOST:PORT (a wildcard host: this machine), ignoring
// any failure.
void knock(const std::string& address) {
  const auto colon = address.rfind(':');
  std::string host = address.substr(0, colon);
  if (host == "0.0.0.0" || host == "[::]") host = "127.0.0.1";
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), address.substr(colon + 1).c_str(), &hints, &found) != 0) return;
  const int fd = ::socket(found->ai_family, found->ai_socktype, found->ai_protocol);
  if (fd >= 0) {
    (void)::connect(fd, found->ai_addr, found->ai_addrlen);
    ::close(fd);
  }
  ::freeaddrinfo(found);
}

}  // namespace

PushTarget parse_push_url(const std::string& url) {
  static const std::regex form(
      R"(^(https?)://([A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(:([0-9]{1,5}))?/?$)");
  std::smatch m;
  if (!std::regex_match(url, m, form))
    throw UsageError("--metrics-push " + url + ": not a Pushgateway URL; " + kPushValid);
  PushTarget t{m[1], m[2], m[4]};
  if (t.port.empty()) t.port = t.scheme == "https" ? "443" : "80";
  const long port = std::stol(t.port);
  if (port < 1 || port > 65535)
    throw UsageError("--metrics-push " + url + ": port " + t.port + " is not 1-65535; " +
                     kPushValid);
  return t;
}

std::string parse_listen(const std::string& value) {
  static const std::regex form(R"(^(([A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]):)?([0-9]{1,5})$)");
  std::smatch m;
  const char* valid = "valid: PORT (on 127.0.0.1) or HOST:PORT, e.g. 9464 or 0.0.0.0:9464";
  if (!std::regex_match(value, m, form))
    throw UsageError("--metrics-listen " + value + ": not an address to listen on; " + valid);
  const long port = std::stol(m[3]);
  if (port < 1 || port > 65535)
    throw UsageError("--metrics-listen " + value + ": port " + std::string(m[3]) +
                     " is not 1-65535; " + valid);
  return (m[2].matched ? std::string(m[2]) : std::string("127.0.0.1")) + ":" + std::string(m[3]);
}

PushCredentials push_credentials_from_environment() {
  PushCredentials c;
  if (const char* user = std::getenv("NSPERF_METRICS_PUSH_USER")) c.user = user;
  if (const char* file = std::getenv("NSPERF_METRICS_PUSH_PASSWORD_FILE")) {
    c.password = read_first_line(file);
  } else if (const char* password = std::getenv("NSPERF_METRICS_PUSH_PASSWORD")) {
    c.password = password;
  }
  if (c.user.empty() && !c.password.empty())
    throw UsageError(
        "NSPERF_METRICS_PUSH_PASSWORD(_FILE) is set but NSPERF_METRICS_PUSH_USER is not");
  return c;
}

struct Publisher::Impl {
  PublishOptions options;
  std::optional<PushTarget> target;
  PushCredentials credentials;
  std::unique_ptr<prometheus::Exposer> exposer;
  std::optional<Metrics> metrics;
  std::shared_ptr<PushState> push;

  std::mutex mutex;  // guards stop, warnings, warned
  std::condition_variable wake;
  bool stop = false;
  std::thread ticker;
  std::vector<std::string> warnings;
  bool warned_push = false;
  bool warned_file = false;

  void warn_once(bool& flag, std::string text) {
    std::lock_guard lock(mutex);
    if (flag) return;
    flag = true;
    warnings.push_back(std::move(text));
  }

  // Ends the interval thread, if any (idempotent).
  void stop_ticker() {
    if (!ticker.joinable()) return;
    {
      std::lock_guard lock(mutex);
      stop = true;
    }
    wake.notify_all();
    ticker.join();
  }

  // Every interval: the textfile, and a push unless the last one still hangs.
  void tick() {
    if (!options.file.empty()) {
      const auto problem = write_textfile(options.file, metrics->text());
      if (!problem.empty())
        warn_once(warned_file, "--metrics-file " + options.file + ": " + problem);
    }
    if (push) {
      {
        std::lock_guard lock(push->mutex);
        const auto problem = push->any ? push_problem(push->code) : std::string();
        if (!problem.empty())
          warn_once(warned_push, "--metrics-push " + options.push_url + ": " + problem);
      }
      start_push(push);
    }
  }
};

Publisher::Publisher(PublishOptions options) : impl_(std::make_unique<Impl>()) {
  auto& i = *impl_;
  i.options = std::move(options);
  if (!i.options.push_url.empty()) {
    i.target = parse_push_url(i.options.push_url);
    i.credentials = push_credentials_from_environment();
  }
  if (!i.options.file.empty()) {
    const std::filesystem::path file(i.options.file);
    if (file.extension() != ".prom")
      throw UsageError("--metrics-file " + i.options.file +
                       ": node_exporter's textfile collector reads only files named *.prom");
    std::filesystem::path folder = file.parent_path();
    if (folder.empty()) folder = ".";
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec))
      throw UsageError("--metrics-file " + i.options.file + ": no folder " + folder.string());
    // Its temporary file made and removed now (access() would let root through anywhere,
    // /proc too); the file itself is left as it is until there is something to write.
    const std::string temporary = temporary_of(i.options.file);
    std::ofstream probe(temporary, std::ios::binary | std::ios::trunc);
    if (!probe) {
      throw UsageError("--metrics-file " + i.options.file + ": cannot write " + temporary + " (" +
                       std::strerror(errno) + ")");
    }
    probe.close();
    std::remove(temporary.c_str());
  }
  if (!i.options.listen.empty()) {
    const std::string address = parse_listen(i.options.listen);
    try {
      i.exposer = std::make_unique<prometheus::Exposer>(address, 1);
    } catch (const std::exception& e) {
      throw UsageError("--metrics-listen " + i.options.listen + ": cannot listen on " + address +
                       " (the port is in use, or the address is not this machine's: " + e.what() +
                       ")");
    }
  }
}

Publisher::~Publisher() {
  impl_->stop_ticker();
  if (impl_->exposer) {
    // civetweb's listening thread notices a stop only when its poll returns, after up to 2 s
    // without a connection: a few connections from another thread end the wait at once.
    std::atomic<bool> stopped = false;
    std::thread waker([&stopped, address = parse_listen(impl_->options.listen)] {
      for (int i = 0; i < 100 && !stopped; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        knock(address);
      }
    });
    impl_->exposer.reset();
    stopped = true;
    waker.join();
  }
}

void Publisher::attach(const Metrics& metrics) {
  auto& i = *impl_;
  i.metrics = metrics;
  const std::weak_ptr<prometheus::Registry> registry = metrics.registry();
  if (i.exposer) i.exposer->RegisterCollectable(registry);
  if (i.target) {
    // Grouping key: job nsperf, the instance (rank 0's host) and the run, so that runs do not
    // replace each other's metrics on the Pushgateway.
    i.push = std::make_shared<PushState>();
    i.push->gateway = std::make_unique<prometheus::Gateway>(
        i.target->scheme + "://" + i.target->host, i.target->port, "nsperf",
        prometheus::Labels{{"instance", metrics.labels().host},
                           {"run_id", metrics.labels().run_id}},
        i.credentials.user, i.credentials.password);
    i.push->gateway->RegisterCollectable(registry);
  }
  if (i.options.interval_s > 0 && (i.push || !i.options.file.empty())) {
    i.ticker = std::thread([&i] {
      const auto period = std::chrono::duration<double>(i.options.interval_s);
      std::unique_lock lock(i.mutex);
      while (!i.wake.wait_for(lock, period, [&] { return i.stop; })) {
        lock.unlock();
        i.tick();
        lock.lock();
      }
    });
  }
}

Publisher::Finished Publisher::finish(double timeout_s) {
  auto& i = *impl_;
  i.stop_ticker();
  Finished out;
  {
    std::lock_guard lock(i.mutex);
    out.warnings = std::exchange(i.warnings, {});
  }
  if (!i.metrics) return out;
  const std::string text = i.metrics->text();
  std::size_t series = 0;  // the lines that are samples, not # HELP or # TYPE
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line[0] != '#') ++series;
  const std::string counted = std::to_string(series) + " series";
  if (!i.options.file.empty()) {
    const auto problem = write_textfile(i.options.file, text);
    if (problem.empty())
      out.done.push_back("written to " + i.options.file + " (" + counted + ")");
    else
      out.warnings.push_back("--metrics-file " + i.options.file + ": " + problem);
  }
  if (i.push) {
    const auto start = Clock::now();
    const auto until = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(timeout_s));
    // An interval push still on its way goes first; then the final values.
    const bool started = wait_push(i.push, until) && start_push(i.push);
    if (!started || !wait_push(i.push, until)) {
      out.warnings.push_back("--metrics-push " + i.options.push_url + ": no answer within " +
                             std::to_string(static_cast<int>(timeout_s)) + " s");
    } else {
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      std::lock_guard lock(i.push->mutex);
      const auto problem = push_problem(i.push->code);
      if (problem.empty()) {
        char took[32];
        std::snprintf(took, sizeof took, "%.1f ms", ms);
        out.done.push_back("pushed to " + i.options.push_url + " (" + counted + ", " + took + ")");
      } else {
        out.warnings.push_back("--metrics-push " + i.options.push_url + ": " + problem);
      }
    }
  }
  if (i.exposer)
    out.done.push_back("served on " + parse_listen(i.options.listen) + "/metrics until the end");
  return out;
}

}  // namespace nsperf::metrics
