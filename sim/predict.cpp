// Runs each simulation in a child process: SimGrid allows one engine per process, and a child
// keeps whatever SimGrid does (its logs, a fatal error) out of nsperf's own process.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include "detail.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/temporary_file.hpp"
#include "nsperf/core/timer.hpp"

namespace nsperf::sim {
namespace {

// What a child sends back: a status byte, then the result or a message.
struct Reply {
  bool ok = false;
  bool input_error = false;
  detail::ReplayResult result;
  std::string message;
};

void write_all(int fd, const void* data, std::size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

std::string read_all(int fd) {
  std::string out;
  char buffer[4096];
  for (;;) {
    const ssize_t r = ::read(fd, buffer, sizeof buffer);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    out.append(buffer, static_cast<std::size_t>(r));
  }
  return out;
}

// A forked simulation: its pid and the pipe it answers on.
struct Child {
  pid_t pid = -1;
  int fd = -1;
  std::size_t index = 0;
  core::Stopwatch started;
};

Child fork_child(std::size_t index, const std::function<detail::ReplayResult()>& body) {
  int fds[2];
  if (::pipe(fds) != 0) throw Error(std::string("whatif: pipe: ") + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) throw Error(std::string("whatif: fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::close(fds[0]);
    char status = 0;
    std::string payload;
    try {
      const detail::ReplayResult r = body();
      status = 'o';
      payload.assign(reinterpret_cast<const char*>(&r), sizeof r);
    } catch (const InputError& e) {
      status = 'i';
      payload = e.what();
    } catch (const std::exception& e) {
      status = 'e';
      payload = e.what();
    }
    write_all(fds[1], &status, 1);
    write_all(fds[1], payload.data(), payload.size());
    ::close(fds[1]);
    ::_exit(0);  // no destructors: SimGrid's engine and the parent's state stay untouched
  }
  ::close(fds[1]);
  return {pid, fds[0], index, core::Stopwatch{}};
}

// Runs `bodies` in children, `parallel` at a time; calls `done` with each reply in any order.
void run_children(
    const std::vector<std::function<detail::ReplayResult()>>& bodies, std::size_t parallel,
    const std::function<void(std::size_t, const Reply&, double, std::int64_t)>& done) {
  std::vector<Child> running;
  std::size_t next = 0;
  while (next < bodies.size() || !running.empty()) {
    while (next < bodies.size() && running.size() < parallel) {
      running.push_back(fork_child(next, bodies[next]));
      ++next;
    }
    // Wait for any child to end; its pipe holds a whole answer (smaller than a pipe's buffer).
    int status = 0;
    rusage usage{};  // the reaped child's own, its peak memory included
    const pid_t pid = ::wait4(-1, &status, 0, &usage);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw Error(std::string("whatif: wait4: ") + std::strerror(errno));
    }
    auto it =
        std::find_if(running.begin(), running.end(), [&](const Child& c) { return c.pid == pid; });
    if (it == running.end()) continue;  // not a simulation of ours
    const Child c = *it;
    running.erase(it);
    const std::string data = read_all(c.fd);
    ::close(c.fd);
    const double seconds = c.started.elapsed_s();
    Reply reply;
    if (data.empty()) {
      reply.message = WIFSIGNALED(status)
                          ? "the simulation died of signal " + std::to_string(WTERMSIG(status))
                          : "the simulation ended without an answer";
    } else if (data[0] == 'o' && data.size() == 1 + sizeof(detail::ReplayResult)) {
      reply.ok = true;
      std::memcpy(&reply.result, data.data() + 1, sizeof reply.result);
    } else {
      reply.input_error = data[0] == 'i';
      reply.message = data.substr(1);
    }
    done(c.index, reply, seconds, static_cast<std::int64_t>(usage.ru_maxrss) * 1024);
  }
}

}  // namespace

void check_platform(const std::filesystem::path& xml) {
  std::vector<std::function<detail::ReplayResult()>> body{[&] {
    detail::load_only(xml);
    return detail::ReplayResult{};
  }};
  run_children(body, 1, [&](std::size_t, const Reply& r, double, std::int64_t) {
    if (r.ok) return;
    if (r.input_error) throw InputError(r.message);
    throw InputError(xml.string() + ": SimGrid cannot load it as a platform: " + r.message);
  });
}

std::vector<Prediction> predict(const core::MeasuredJob& job, const PlatformSpec& platform,
                                std::span<const Scenario> scenarios,
                                const std::function<void(std::size_t, std::size_t)>& progress) {
  if (scenarios.empty()) return {};
  // The platform file: the user's, or a generated cluster big enough for the most ranks.
  std::filesystem::path xml = platform.xml;
  std::optional<core::TemporaryFile> generated;
  bool cores_are_hosts = false;
  if (xml.empty()) {
    int most = 0;
    for (const auto& s : scenarios) most = std::max(most, s.ranks);
    const int cores = platform.cores_per_node > 0 ? platform.cores_per_node : job.cores;
    int threads = job.threads_per_rank;
    for (const auto& s : scenarios)
      if (s.threads_per_rank > 0) threads = s.threads_per_rank;
    const int per_node = std::max(1, cores / std::max(1, threads));
    const int nodes = platform.nodes > 0 ? platform.nodes : (most + per_node - 1) / per_node;
    // A link's latency is a small message's, where measured (two emulated nodes over TCP: 29 us
    // one way at 69 KiB, 4.5 at 16 bytes, 3.25 GB/s: a tile took 50 us with the first). Within a
    // node a tile's message carries its address only (the receiver copies the pixels,
    // replay.cpp).
    const double small_latency = job.link_latency().value;
    const Link within = job.network_within_node
                            ? Link{job.bandwidth_bytes_per_s.value, small_latency}
                            : Link{10e9, 1e-6};
    Link between = platform.link;
    if (between.bytes_per_s <= 0)
      between = job.network_within_node ? kDefaultNodeLink
                                        : Link{job.bandwidth_bytes_per_s.value, small_latency};
    // One node with more single-threaded ranks than cores: its cores as hosts, each rank
    // keeping to its own (replay.cpp). On several nodes each stays one host of shared cores.
    cores_are_hosts = sim::cores_are_hosts(nodes, cores, threads, most);
    generated.emplace(std::filesystem::temp_directory_path() / "nsperf-whatif-platform", ".xml");
    std::ofstream(generated->path())
        << (cores_are_hosts ? node_of_cores_platform_xml(cores, 1e9, within)
                            : cluster_platform_xml(nodes, cores, 1e9, between, within));
    xml = generated->path();
  }

  std::vector<std::vector<core::TileCost>> workloads;
  std::map<std::pair<std::int64_t, std::pair<std::int64_t, std::int64_t>>, std::size_t> by_shape;
  std::vector<std::size_t> workload_of;
  for (const auto& s : scenarios) {
    const auto key = std::make_pair(s.tile_size, std::make_pair(s.image.width, s.image.height));
    auto it = by_shape.find(key);
    if (it == by_shape.end()) {
      workloads.push_back(workload_tiles(job, s.image, s.tile_size));
      it = by_shape.emplace(key, workloads.size() - 1).first;
    }
    workload_of.push_back(it->second);
  }

  // On an oversubscribed node which ranks share a core is the OS's choice at each launch, unless
  // they were bound: each such scenario is simulated with kPlacements placements of its ranks
  // on the cores (the first in turn, the others shuffled) and predicted as the median one.
  // A scenario whose ranks were bound to their cores has one placement, the measured one.
  // Where the measured run gives its cores' speeds from one repetition to the next, each
  // simulation draws every core's (a repetition of the job): the prediction is the median of
  // kSpeedDraws such repetitions, as the measured makespan is of the measured ones; past 256 ranks
  // of kSpeedDrawsMany, where the slowest of many cores varies little from draw to draw and a
  // simulation takes seconds.
  std::vector<std::size_t> first_body;
  std::vector<std::function<detail::ReplayResult()>> bodies;
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    const bool bound =
        scenarios[i].core_of_rank.size() == static_cast<std::size_t>(scenarios[i].ranks);
    const int placements = cores_are_hosts && !bound ? kPlacements : 1;
    const int draws = job.core_speeds.empty()     ? 0
                      : scenarios[i].ranks <= 256 ? kSpeedDraws
                                                  : kSpeedDrawsMany;
    first_body.push_back(bodies.size());
    for (int k = 0; k < std::max(placements, draws); ++k) {
      bodies.emplace_back([&, i, k, placements, draws] {
        return detail::replay(job, xml, scenarios[i], workloads[workload_of[i]], cores_are_hosts,
                              k % placements, draws > 0 ? k : -1, draws);
      });
    }
  }
  struct Done {
    detail::ReplayResult result;
    double seconds = 0;
    std::int64_t rss = 0;
  };
  std::vector<Done> done(bodies.size());
  std::string failure;
  bool input_failure = false;
  std::size_t finished = 0;
  const std::size_t parallel = std::max(1u, std::thread::hardware_concurrency());
  run_children(bodies, parallel,
               [&](std::size_t b, const Reply& r, double seconds, std::int64_t rss) {
                 ++finished;
                 if (progress) progress(finished, bodies.size());
                 if (!r.ok) {
                   if (failure.empty()) {
                     failure = r.message;
                     input_failure = r.input_error;
                   }
                   return;
                 }
                 done[b] = {r.result, seconds, rss};
               });
  if (!failure.empty()) {
    if (input_failure) throw InputError(failure);
    throw Error("whatif: a simulation failed: " + failure);
  }
  std::vector<Prediction> out(scenarios.size());
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    const std::size_t end = i + 1 < scenarios.size() ? first_body[i + 1] : bodies.size();
    std::vector<const Done*> runs;
    for (std::size_t b = first_body[i]; b < end; ++b) runs.push_back(&done[b]);
    std::sort(runs.begin(), runs.end(), [](const Done* x, const Done* y) {
      return x->result.pipeline_s < y->result.pipeline_s;
    });
    const detail::ReplayResult& r = runs[runs.size() / 2]->result;
    const Scenario& s = scenarios[i];
    Prediction& p = out[i];
    p.scenario = s;
    p.tiles = static_cast<std::int64_t>(workloads[workload_of[i]].size());
    p.nodes = r.nodes;
    p.pipeline_s = r.pipeline_s;
    // Without a write bandwidth the write is left out (the report says so).
    p.write_s = job.write_bytes_per_s.value > 0
                    ? static_cast<double>(s.image.pixels() * job.output_bytes_per_pixel) /
                          job.write_bytes_per_s.value
                    : 0.0;
    p.makespan_s = p.pipeline_s + p.write_s;
    p.compute_s = r.max_busy_s;
    p.coordination_s = r.coordination_s;
    p.network_s = r.network_s;
    p.imbalance = r.mean_busy_s > 0 ? r.max_busy_s / r.mean_busy_s : 1.0;
    p.coordination_share = p.makespan_s > 0 ? p.coordination_s / p.makespan_s : 0.0;
    const std::pair<double, const char*> parts[] = {{p.compute_s, "compute"},
                                                    {p.coordination_s, "coordination"},
                                                    {p.network_s, "network"},
                                                    {p.write_s, "write"}};
    p.bottleneck = std::max_element(std::begin(parts), std::end(parts))->second;
    for (const Done* d : runs) {
      p.simulated_in_s += d->seconds;  // the prediction's cost: all its placements
      p.simulation_rss_bytes = std::max(p.simulation_rss_bytes, d->rss);
    }
  }

  // Speedup and efficiency against the smallest rank count of the same partitioner, tile and
  // image.
  for (auto& p : out) {
    const Prediction* base = nullptr;
    for (const auto& q : out) {
      if (q.scenario.partitioner != p.scenario.partitioner ||
          q.scenario.tile_size != p.scenario.tile_size || !(q.scenario.image == p.scenario.image))
        continue;
      if (base == nullptr || q.scenario.ranks < base->scenario.ranks) base = &q;
    }
    p.speedup = base->makespan_s / p.makespan_s;
    p.efficiency = p.speedup * base->scenario.ranks / p.scenario.ranks;
  }
  return out;
}

}  // namespace nsperf::sim
