// The busy-cores probe: how much slower a core computes the pipeline while the node's other
// cores compute too. Cores share the last-level cache and the memory bus, and a virtual
// machine's may be threads of one physical core: here (a 2-core KVM guest) a 1-rank run's tiles
// took 0-50% longer, launch to launch, while another process computed on the other core. A run
// with one rank on its node times its tiles alone; nsperf whatif scales them by this figure
// where it puts more ranks on a node.
//
// Rank 0 pins its thread to the CPU it is on and starts a thread pinned to each other CPU of the
// node it may use, each with its own copy of the tiles and its own instance of the strategy.
// Passes alone (the others sleeping) and busy (the others computing the same tiles) alternate,
// 15 of each, after a warm-up of each; the figure is the median of each pair's ratio: a pass
// here took 6.7-9.9 ms from launch to launch and moved 10% within one, so only neighbours
// compare.
#include "busy_cores.hpp"

#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "affinity.hpp"
#include "nsperf/core/statistics.hpp"
#include "nsperf/core/timer.hpp"

namespace nsperf::mpi {
namespace {

constexpr int kPasses = 15;  // of each kind, after one warm-up of each

// One pass over the tiles: what the job does to each tile it holds. The threshold is any fixed
// one: the morphology costs the same whatever the mask.
void pass(kernels::CpuStrategy& strategy, std::vector<kernels::TileWork<float>>& tiles,
          const std::atomic<int>* go = nullptr) {
  for (auto& t : tiles) {
    if (go != nullptr && go->load(std::memory_order_relaxed) == 0) return;
    strategy.stage_a(t);
    const float scale = kernels::histogram_scale(t.max_magnitude);
    strategy.stage_histogram(t, scale);
    strategy.stage_b(t, scale, 64);
  }
}

// The other cores' threads: each pinned to its CPU (or gone, when the node does not let this
// process run there), computing passes while `go` is 1 and sleeping while it is 0.
class Helpers {
 public:
  Helpers(const std::vector<kernels::TileWork<float>>& tiles, const std::string& strategy,
          int own_cpu) {
    const long cpus = ::sysconf(_SC_NPROCESSORS_CONF);
    for (int cpu = 0; cpu < cpus; ++cpu) {
      if (cpu == own_cpu) continue;
      threads_.emplace_back([this, &tiles, &strategy, cpu] { work(tiles, strategy, cpu); });
    }
    // Every thread has pinned itself (or failed to) and copied its tiles.
    while (settled_.load() < static_cast<int>(threads_.size())) std::this_thread::yield();
  }
  Helpers(const Helpers&) = delete;
  Helpers& operator=(const Helpers&) = delete;
  ~Helpers() {
    quit_ = true;
    go_ = 0;
    for (auto& t : threads_) t.join();
  }

  [[nodiscard]] int pinned() const { return pinned_.load(); }

  // Until `computing` returns: the others compute (started before it returns) or sleep (every
  // one of them between tiles no longer).
  void set_computing(bool on) {
    go_ = on ? 1 : 0;
    const int want = on ? pinned() : 0;
    while (computing_.load() != want) std::this_thread::yield();
  }

 private:
  std::vector<std::thread> threads_;
  std::atomic<int> settled_{0};
  std::atomic<int> pinned_{0};
  std::atomic<int> computing_{0};
  std::atomic<int> go_{0};
  std::atomic<bool> quit_{false};

  void work(const std::vector<kernels::TileWork<float>>& prototype, const std::string& name,
            int cpu) {
    if (!pin_this_thread(cpu)) {
      ++settled_;
      return;
    }
    auto tiles = prototype;
    auto strategy = kernels::cpu_strategies().at(name, "cpu strategy").make({1});
    ++pinned_;
    ++settled_;
    while (!quit_) {
      if (go_.load() == 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        continue;
      }
      ++computing_;
      while (go_.load() == 1) pass(*strategy, tiles, &go_);
      --computing_;
    }
  }
};

}  // namespace

BusyCores measure_busy_cores(const std::vector<kernels::TileWork<float>>& tiles,
                             const std::string& strategy) {
  BusyCores out;
  if (tiles.empty()) {
    out.skipped = "rank 0 holds no tile with signal";
    return out;
  }
  const int own_cpu = sched_getcpu();
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (own_cpu < 0 || sched_getaffinity(0, sizeof mask, &mask) != 0 || !pin_this_thread(own_cpu)) {
    out.skipped = "rank 0 could not pin itself to its CPU";
    return out;
  }
  {
    Helpers helpers(tiles, strategy, own_cpu);
    if (helpers.pinned() == 0) {
      out.skipped = "no other CPU of rank 0's node lets this process run on it";
    } else {
      auto mine = tiles;
      auto cpu = kernels::cpu_strategies().at(strategy, "cpu strategy").make({1});
      std::vector<double> ratios;
      for (int k = 0; k <= kPasses; ++k) {
        double seconds[2] = {0, 0};
        for (const bool on : {false, true}) {
          helpers.set_computing(on);
          core::Stopwatch clock;
          pass(*cpu, mine);
          seconds[on ? 1 : 0] = clock.elapsed_s();
        }
        if (k > 0 && seconds[0] > 0) ratios.push_back(seconds[1] / seconds[0]);
      }
      helpers.set_computing(false);
      out.slowdown = core::median(ratios);
      out.cores = helpers.pinned() + 1;
    }
  }
  sched_setaffinity(0, sizeof mask, &mask);
  return out;
}

}  // namespace nsperf::mpi
