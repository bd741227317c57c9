// The distributed job as SimGrid actors, one per rank, doing what mpi/distributed does:
//  - static partitioners: rank 0 cuts every other rank's tiles out of the image and sends them
//    (nonblocking), then cuts and computes its own; the others post a receive for each of their
//    tiles and compute stage A on each as it arrives;
//  - self-scheduled ones: each rank asks rank 0 for a chunk (one ahead); rank 0 computes its own
//    chunks and serves the requests waiting between its tiles, each found by its second probe
//    after it arrived (as Open MPI's MPI_Iprobe finds them);
//  - then the global stage: an all-reduce of the maximum, every rank's histograms, an all-reduce
//    of the 256-bin histogram, stage B.
// Compute is an execution of the measured seconds at the speed of the platform's first host
// (the measuring machine's core), on as many cores as the measured rank had threads, so ranks
// sharing a node share its cores as SimGrid shares them. Messages are flows on the platform's
// links with SimGrid's latency and bandwidth factors set to 1, so a link's figures are the
// measured ones; within rank 0's node the receiver also spends the copy out of rank 0's memory
// (shared memory, single copy) at the node's link bandwidth. A waiting rank takes no core: on a
// node with more ranks than cores Open MPI yields the processor while it polls
// (mpi_yield_when_idle), and a rank that computes gets its core back (measured on a skewed image, 4
// ranks on 2 cores: the busy rank ran at full speed, where busy polling would have halved it).
// But a polling rank stays runnable, so Linux sees every core equally loaded and moves no rank:
// each keeps the core it started on, sharing it with that core's other ranks only, while
// another core may have only waiting ones (4 ranks on 2 cores, skewed image: the launches that
// put the two busy ranks on one core took 40% longer). On such a node each core is a host of
// its own (cores_are_hosts), the ranks put on them in turn or in a shuffled order (predict.cpp
// takes the median over placements: which ranks share a core is the OS's choice per launch).
// What SimGrid's sharing leaves out is the hand-over itself: rank 0's MPI calls between tiles
// (the test after a send, the probe for requests) find nothing to do most times and yield the
// core, and on a core shared with another rank each costs what the network optimizer's
// shared-core probe measured: two context switches and, if that rank waits in MPI, one pass of
// its polling (mpi/network/shared_core.cpp). The other ranks' calls between tiles find their
// tile arrived or send a small message, and do not yield.
// Nor does SimGrid know that a waiting rank sees its message only when it gets the core: while
// the other rank of its core computes without an MPI call, that is when the scheduler ends
// that rank's time slice (traced: 4 ranks on 2 cores, guided, a rank took its first chunk 2.5
// ms after it arrived while its core's other rank computed 27 tiles). A rank whose wait ended
// after it blocked waits on for the other ranks of its host while they compute (as many as
// its cores), until one of them enters an MPI wait or finishes, or for as long as the same
// probe measured a waiting rank to go without a turn (the slice's rest, on average). Rank 0's
// yielding calls between tiles do not end that wait here: counted as ending it, the replay
// orders fewer of the measured partitioner pairs as measured (docs/whatif.md), though a yield
// should give the core to a rank that had less of it; why is not known.
#include <simgrid/s4u.hpp>

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <numeric>
#include <random>
#include <string>

#include "detail.hpp"
#include "nsperf/core/error.hpp"

namespace sg4 = simgrid::s4u;

namespace nsperf::sim::detail {
namespace {

// SimGrid's own defaults model TCP (a latency factor of 13, a bandwidth factor of 0.97, the
// reverse flow of acknowledgements); whatif feeds it measured MPI figures instead.
#if defined(__SANITIZE_ADDRESS__)
#define NSPERF_SIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NSPERF_SIM_ASAN 1
#endif
#endif

void start_engine() {
  static std::vector<std::string> args = {
      "nsperf-whatif",
      "--log=root.thresh:critical",
      "--log=no_loc",
      "--cfg=network/latency-factor:1",
      "--cfg=network/bandwidth-factor:1",
      "--cfg=network/crosstraffic:0",
      "--cfg=contexts/stack-size:256",
#ifdef NSPERF_SIM_ASAN
      // AddressSanitizer cannot follow SimGrid's own stack
      // switching: one system thread per actor instead.
      "--cfg=contexts/factory:thread",
#endif
  };
  static std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  static int argc = static_cast<int>(argv.size());
  static sg4::Engine engine(&argc, argv.data());
}

void load(const std::filesystem::path& platform) {
  start_engine();
  try {
    sg4::Engine::get_instance()->load_platform(platform.string());
  } catch (const std::exception& e) {
    throw InputError(platform.string() + ": SimGrid cannot load it as a platform: " + e.what());
  }
  if (sg4::Engine::get_instance()->get_host_count() == 0)
    throw InputError(platform.string() + ": the platform has no host");
}

struct Token {};  // what every simulated message carries: only its size matters

// The replay's shared state (one process, one simulation).
class Job {
 public:
  Job(const core::MeasuredJob& measured, const Scenario& scenario,
      const std::vector<core::TileCost>& tiles, bool cores_are_hosts, int placement, int draw,
      int draws)
      : measured_(measured), scenario_(scenario), tiles_(tiles), cores_are_hosts_(cores_are_hosts) {
    auto hosts = sg4::Engine::get_instance()->get_all_hosts();
    reference_flops_ = hosts.front()->get_speed();
    const int threads = threads_per_rank();
    // Ranks fill each host's cores (threads per rank at a time), or the scenario's ranks per
    // node, in turn; beyond every slot they wrap around (oversubscribed, as mpirun
    // --oversubscribe places them).
    std::vector<sg4::Host*> slots;
    for (auto* h : hosts) {
      const int fits = cores_are_hosts_              ? 1
                       : scenario.ranks_per_node > 0 ? scenario.ranks_per_node
                                                     : std::max(1, h->get_core_count() / threads);
      for (int s = 0; s < fits; ++s) slots.push_back(h);
    }
    host_of_.resize(static_cast<std::size_t>(scenario.ranks));
    if (cores_are_hosts_ && scenario.core_of_rank.size() == host_of_.size()) {
      // Bound as measured: the node's distinct CPUs in order are its cores (core-0, core-1, ...).
      std::vector<int> cpus = scenario.core_of_rank;
      std::sort(cpus.begin(), cpus.end());
      cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
      for (std::size_t r = 0; r < host_of_.size(); ++r) {
        const auto at = static_cast<std::size_t>(
            std::lower_bound(cpus.begin(), cpus.end(), scenario.core_of_rank[r]) - cpus.begin());
        host_of_[r] = sg4::Host::by_name("core-" + std::to_string(at % hosts.size()));
      }
    } else {
      // The ranks in turn on the slots, or (another placement on a node's cores) in an order
      // shuffled with the placement as the seed.
      std::vector<std::size_t> order(host_of_.size());
      std::iota(order.begin(), order.end(), std::size_t{0});
      if (cores_are_hosts_ && placement > 0) {
        std::mt19937 shuffle(static_cast<std::mt19937::result_type>(placement));
        std::shuffle(order.begin(), order.end(), shuffle);
      }
      for (std::size_t k = 0; k < order.size(); ++k) host_of_[order[k]] = slots[k % slots.size()];
    }
    node_link_bytes_per_s_ = route_bandwidth(host_of_[0], host_of_[0]);
    if (!(node_link_bytes_per_s_ > 0))
      node_link_bytes_per_s_ = measured_.bandwidth_bytes_per_s.value;
    std::vector<sg4::Host*> used(host_of_.begin(), host_of_.end());
    std::sort(used.begin(), used.end());
    nodes_ = cores_are_hosts_
                 ? 1
                 : static_cast<int>(std::unique(used.begin(), used.end()) - used.begin());
    busy_.assign(static_cast<std::size_t>(scenario.ranks), 0.0);
    waiting_.assign(static_cast<std::size_t>(scenario.ranks), 0);
    finished_.assign(static_cast<std::size_t>(scenario.ranks), 0);
    for (std::size_t r = 1; r < host_of_.size(); ++r)
      if (host_of_[r] == host_of_[0]) rank_0_neighbours_.push_back(r);
    if (static_cast<int>(rank_0_neighbours_.size()) + 1 <= host_of_[0]->get_core_count())
      rank_0_neighbours_.clear();
    end_.assign(static_cast<std::size_t>(scenario.ranks), 0.0);
    wants_turn_.assign(static_cast<std::size_t>(scenario.ranks), 0);
    turn_.resize(static_cast<std::size_t>(scenario.ranks));
    if (measured_.handover_slice_s.value > 0)
      for (std::size_t r = 0; r < host_of_.size(); ++r)
        if (std::count(host_of_.begin(), host_of_.end(), host_of_[r]) >
            host_of_[r]->get_core_count())
          turn_[r] = sg4::Semaphore::create(0);
    // Each rank's tiles scaled to its node's computing cores (MeasuredJob::contention): one
    // node's cores as hosts are all of that node's. And, in draw k of n, to its core's speed in
    // this repetition: Latin hypercube sampling of the measured speeds, each core going through
    // all n strata (of quantiles) over the n draws in an order of its own, so that the median of
    // the draws is not itself a coin toss (a job that waits on one core gets that core's median
    // speed exactly; random draws moved 15 draws' median by about 4% here). Ranks sharing a core
    // as hosts share its speed.
    std::vector<double> speed(host_of_.size(), 1.0);
    if (draw >= 0 && draws > 0 && !measured_.core_speeds.empty()) {
      const std::vector<double>& sorted = measured_.core_speeds;  // ascending
      std::vector<int> strata(static_cast<std::size_t>(draws));
      auto speed_of = [&](std::size_t core) {
        std::iota(strata.begin(), strata.end(), 0);
        std::mt19937 rng(static_cast<std::mt19937::result_type>(7919 + core));
        std::shuffle(strata.begin(), strata.end(), rng);
        // The measured speed at the stratum's middle quantile (the middle stratum's: the middle
        // speed, whatif_inputs' 1).
        const double u = (strata[static_cast<std::size_t>(draw % draws)] + 0.5) / draws;
        const double rank = std::ceil(u * static_cast<double>(sorted.size()));
        const auto at = static_cast<std::size_t>(std::max(1.0, rank)) - 1;
        return sorted[std::min(at, sorted.size() - 1)];
      };
      std::map<sg4::Host*, double> of_core;
      for (std::size_t r = 0; r < host_of_.size(); ++r) {
        if (cores_are_hosts_) {
          auto [it, fresh] = of_core.emplace(host_of_[r], 0.0);
          if (fresh) it->second = speed_of(of_core.size() - 1);
          speed[r] = it->second;
        } else {
          speed[r] = speed_of(r);
        }
      }
    }
    std::map<sg4::Host*, std::int64_t> ranks_on;
    for (auto* h : host_of_) ++ranks_on[h];
    tile_factor_.resize(host_of_.size());
    for (std::size_t r = 0; r < host_of_.size(); ++r) {
      const auto busy = cores_are_hosts_ ? std::min<std::int64_t>(scenario.ranks, std::ssize(hosts))
                                         : std::min<std::int64_t>(ranks_on[host_of_[r]] * threads,
                                                                  host_of_[r]->get_core_count());
      tile_factor_[r] = measured_.contention(static_cast<int>(busy)) * speed[r];
    }
    owners_ = static_owners();
    rank_ids_.resize(static_cast<std::size_t>(scenario.ranks));
    std::iota(rank_ids_.begin(), rank_ids_.end(), 0);
  }

  void start() {
    for (int r = 0; r < scenario_.ranks; ++r)
      sg4::Actor::create("rank-" + std::to_string(r), host_of_[static_cast<std::size_t>(r)],
                         [this, r] { rank_main(r); });
  }

  [[nodiscard]] ReplayResult result() const {
    ReplayResult out;
    out.pipeline_s = *std::max_element(end_.begin(), end_.end());
    out.max_busy_s = *std::max_element(busy_.begin(), busy_.end());
    out.mean_busy_s =
        std::accumulate(busy_.begin(), busy_.end(), 0.0) / static_cast<double>(busy_.size());
    out.coordination_s = coordination_s_;
    out.network_s = network_s();
    out.nodes = nodes_;
    return out;
  }

 private:
  const core::MeasuredJob& measured_;
  const Scenario& scenario_;
  const std::vector<core::TileCost>& tiles_;
  bool cores_are_hosts_ = false;  // the hosts are one node's cores
  double reference_flops_ = 1e9;
  std::vector<sg4::Host*> host_of_;
  double node_link_bytes_per_s_ = 0;  // rank 0's node's own link (its loopback)
  int nodes_ = 0;
  std::vector<double> busy_;
  std::vector<double> tile_factor_;  // per rank: its tiles' cost factor (contention, speed)
  std::vector<double> end_;
  std::vector<int> owners_;  // static partitioners: tile id -> rank; else empty
  double coordination_s_ = 0;
  double sent_bytes_ = 0;        // rank 0's pixels to other ranks
  std::vector<int> rank_ids_;    // what a request carries: the asking rank
  std::deque<double> asked_at_;  // when each request not yet received was sent, in order
  bool cut_yet_ = false;         // rank 0 has cut a tile
  std::size_t last_cut_ = 0;
  struct Chunk {
    std::int64_t first = 0;
    std::int64_t count = 0;
  };
  std::vector<Chunk> replies_;  // rank 0's answers, alive until the simulation ends
  Token token_;
  std::vector<char> waiting_;   // per rank: blocked in an MPI wait (polling, in the job)
  std::vector<char> finished_;  // per rank: through the pipeline
  // The other ranks on rank 0's host when they outnumber its cores with it (else none): those
  // a yielding call of rank 0 may hand its core to.
  std::vector<std::size_t> rank_0_neighbours_;
  // Per rank on a host with more ranks than cores (where the slice was measured): what wakes it
  // while it waits for a turn; else null.
  std::vector<sg4::SemaphorePtr> turn_;
  std::vector<char> wants_turn_;  // per rank: waiting for a turn now

  // Rank `rank` in an MPI wait for what `wait` waits for. Unless what it waits for is `ready`
  // (arrived or queued), it blocks, polling and yielding its core, and then waits for its turn.
  template <class Wait>
  void mpi_wait(int rank, bool ready, Wait&& wait) {
    if (ready) {
      wait();
      return;
    }
    const auto r = static_cast<std::size_t>(rank);
    waiting_[r] = 1;
    yielded(rank);
    wait();
    if (turn_[r]) await_turn(rank);
    waiting_[r] = 0;
  }
  static bool done(std::vector<sg4::CommPtr>& comms) {
    return std::all_of(comms.begin(), comms.end(), [](auto& c) { return c->test(); });
  }

  // Ranks of `rank`'s host computing now (out of MPI, in the pipeline), itself left out.
  [[nodiscard]] int computing_beside(int rank) const {
    const auto* host = host_of_[static_cast<std::size_t>(rank)];
    int n = 0;
    for (std::size_t m = 0; m < host_of_.size(); ++m)
      if (static_cast<int>(m) != rank && host_of_[m] == host && waiting_[m] == 0 &&
          finished_[m] == 0)
        ++n;
    return n;
  }

  // Until a rank of its host computing now enters an MPI wait or finishes, or the slice's
  // rest has passed.
  void await_turn(int rank) {
    const auto r = static_cast<std::size_t>(rank);
    const double until = sg4::Engine::get_clock() + measured_.handover_slice_s.value;
    while (computing_beside(rank) >= host_of_[r]->get_core_count() &&
           sg4::Engine::get_clock() < until) {
      wants_turn_[r] = 1;
      turn_[r]->acquire_timeout(until - sg4::Engine::get_clock());
      wants_turn_[r] = 0;
    }
  }

  // `rank` gave its core up (an MPI wait, the end): its host's ranks waiting for a turn look
  // again.
  void yielded(int rank) {
    if (!turn_[static_cast<std::size_t>(rank)]) return;  // its host has a core for each rank
    const auto* host = host_of_[static_cast<std::size_t>(rank)];
    for (std::size_t m = 0; m < host_of_.size(); ++m)
      if (wants_turn_[m] != 0 && host_of_[m] == host) {
        wants_turn_[m] = 0;
        turn_[m]->release();
      }
  }

  // Rank 0's MPI call between tiles that finds nothing to do and yields the core: on a host
  // with more ranks in the pipeline than cores, the hand-over to another rank of it, waiting
  // in MPI or computing (the shared-core probe's figures; nothing where none was measured).
  void yielding_call() {
    // Rank 0's call comes after each tile: only the ranks of its host are looked at (none
    // where its host has a core for each, as on a cluster), not all of them.
    if (rank_0_neighbours_.empty()) return;
    int here = 1;  // rank 0 itself, in the pipeline while it calls
    bool other_waits = false;
    for (const std::size_t r : rank_0_neighbours_) {
      if (finished_[r] != 0) continue;
      ++here;
      if (waiting_[r] != 0) other_waits = true;
    }
    if (here <= host_of_[0]->get_core_count()) return;
    coordinate(other_waits ? measured_.handover_waiting_s.value
                           : measured_.handover_computing_s.value);
  }

  [[nodiscard]] bool self_scheduled() const { return owners_.empty(); }

  // A request for a chunk: its one-way time, and rank 0's to receive it and reply (the
  // small-message figure where measured, else the tile's latency, an upper bound).
  [[nodiscard]] double request_s() const {
    return measured_.request_s.value > 0 ? measured_.request_s.value : measured_.latency_s.value;
  }

  [[nodiscard]] std::vector<int> static_owners() const {
    if (scenario_.partitioner == "static-block" || scenario_.partitioner == "static-cyclic") {
      const core::Partition p{scenario_.partitioner == "static-block"
                                  ? core::Partitioner::static_block
                                  : core::Partitioner::static_cyclic,
                              1};
      return core::make_tile_plan(scenario_.image, scenario_.tile_size, measured_.halo,
                                  scenario_.ranks, p)
          .owner;
    }
    return {};
  }

  [[nodiscard]] int threads_per_rank() const {
    return std::max(1, scenario_.threads_per_rank > 0 ? scenario_.threads_per_rank
                                                      : measured_.threads_per_rank);
  }

  // Runs `seconds` of the measuring rank's compute on this actor's host: the measured rank's
  // core-seconds (its threads assumed busy throughout), spread over this rank's threads.
  void compute(double seconds) {
    if (!(seconds > 0)) return;
    const double core_seconds = seconds * std::max(1, measured_.threads_per_rank);
    sg4::this_actor::exec_init(core_seconds * reference_flops_)
        ->set_thread_count(threads_per_rank())
        ->wait();
  }

  // A tile's compute, scaled to its node's computing cores, counted as the rank's busy time
  // (its simulated duration: sharing shows).
  void busy(int rank, double seconds) {
    const double t0 = sg4::Engine::get_clock();
    compute(seconds * tile_factor_[static_cast<std::size_t>(rank)]);
    busy_[static_cast<std::size_t>(rank)] += sg4::Engine::get_clock() - t0;
  }

  // Rank 0's work for others: counted as coordination.
  void coordinate(double seconds) {
    const double t0 = sg4::Engine::get_clock();
    compute(seconds);
    coordination_s_ += sg4::Engine::get_clock() - t0;
  }

  // Rank 0 cutting a tile for itself, or for another rank (measured apart where the run had
  // other ranks: those tiles are cut ahead, into buffers that leave the cache before they are
  // sent, and cost more).
  // Where the run measured cutting every other tile (cut_apart_bytes_per_s), a tile not
  // adjacent to the one rank 0 cut before, for whichever rank, costs more again: the image is
  // read out of order. The order is rank 0's, over all its cuts: static-cyclic's at 2 ranks
  // cuts 1, 3, 5, ... for rank 1 and then 0, 2, 4, ... for itself, all apart; the
  // self-scheduled partitioners cut chunk after chunk in id order, whoever takes them. Its own
  // apart tiles pay the same extra seconds per byte as another rank's: in the benches' 2-rank
  // runs of build 743f1a9 (unskewed 4096², 3 rounds of 3 launches) static-cyclic's rank 0 cut
  // its own 128 tiles in 0.1-0.2 ms more than static-block's, and rank 1's in 0.1-0.25 ms more.
  [[nodiscard]] bool cut_apart(std::size_t i) {
    const bool apart = cut_yet_ && i != last_cut_ + 1;
    cut_yet_ = true;
    last_cut_ = i;
    return apart && measured_.cut_apart_bytes_per_s.value > 0;
  }
  [[nodiscard]] double ahead_rate() const {
    return measured_.cut_for_others_bytes_per_s.value > 0
               ? measured_.cut_for_others_bytes_per_s.value
               : measured_.cut_bytes_per_s.value;
  }
  [[nodiscard]] double cut_s(std::size_t i) {
    const auto bytes = static_cast<double>(tiles_[i].raw_bytes);
    double s = bytes / measured_.cut_bytes_per_s.value;
    if (cut_apart(i))
      s += std::max(0.0, bytes / measured_.cut_apart_bytes_per_s.value - bytes / ahead_rate());
    return s;
  }
  [[nodiscard]] double cut_for_others_s(std::size_t i) {
    const double rate = cut_apart(i) ? measured_.cut_apart_bytes_per_s.value : ahead_rate();
    return static_cast<double>(tiles_[i].raw_bytes) / rate;
  }

  static sg4::Mailbox* box(const char* what, int rank) {
    return sg4::Mailbox::by_name(std::string(what) + "-" + std::to_string(rank));
  }

  void rank_main(int r) {
    std::vector<std::size_t> mine;
    if (self_scheduled()) {
      r == 0 ? serve_and_compute(mine) : ask_and_compute(r, mine);
    } else {
      r == 0 ? send_and_compute(mine) : receive_and_compute(r, mine);
    }
    // The global stage.
    all_reduce(r, 0, 8);
    double histogram = 0;
    double stage_b = 0;
    for (auto i : mine) {
      histogram += tiles_[i].histogram_s;
      stage_b += tiles_[i].stage_b_s;
    }
    busy(r, histogram);
    all_reduce(r, 1, 256 * 8);
    busy(r, stage_b);
    end_[static_cast<std::size_t>(r)] = sg4::Engine::get_clock();
    finished_[static_cast<std::size_t>(r)] = 1;
    yielded(r);
  }

  void send_and_compute(std::vector<std::size_t>& mine) {
    std::vector<sg4::CommPtr> sends;
    std::size_t oldest = 0;  // sends before it have completed
    // The job tests the oldest pending send after each send and each of its own tiles
    // (mpi/distributed): a call while one is pending, which yields unless it completes one.
    auto progress = [&] {
      while (oldest < sends.size() && sends[oldest]->test()) ++oldest;
      if (oldest < sends.size()) yielding_call();
    };
    for (std::size_t i = 0; i < tiles_.size(); ++i) {
      if (owners_[i] == 0) continue;
      coordinate(cut_for_others_s(i));
      sends.push_back(send_tile(owners_[i], i));
      progress();
    }
    for (std::size_t i = 0; i < tiles_.size(); ++i) {
      if (owners_[i] != 0) continue;
      compute(cut_s(i));  // its own tile: rank 0's I/O, not coordination
      busy(0, tiles_[i].stage_a_s);
      mine.push_back(i);
      progress();
    }
    mpi_wait(0, done(sends), [&] { sg4::Comm::wait_all(sends); });
  }

  // A tile for `rank`. Where the receiver copies the pixels itself (copy_in), the message
  // carries only their address: the copy is the transfer, and timing the bytes over the link as
  // well charged them twice wherever the receiver waits for them (a self-scheduled rank posts a
  // chunk's receives after its reply, a static one all of them up front).
  // Between nodes rank 0 first spends the transport's processor time on the bytes (the sending
  // probe's figure: TCP copies them inside its MPI calls), then they travel.
  sg4::CommPtr send_tile(int rank, std::size_t i) {
    sent_bytes_ += static_cast<double>(tiles_[i].raw_bytes);
    if (!copies_in(rank))
      coordinate(static_cast<double>(tiles_[i].raw_bytes) * measured_.sending_s_per_byte.value);
    const auto bytes = copies_in(rank) ? 0 : static_cast<std::uint64_t>(tiles_[i].raw_bytes);
    return box("tiles", rank)->put_async(&token_, bytes);
  }

  void receive_and_compute(int r, std::vector<std::size_t>& mine) {
    for (std::size_t i = 0; i < tiles_.size(); ++i)
      if (owners_[i] == r) mine.push_back(i);
    // Every receive posted up front, as MPI_Irecv: the tiles stream behind one another, the
    // latency paid once (a receive-when-waiting model paid it per tile and put two emulated
    // nodes over TCP at 14x the measured makespan).
    std::vector<sg4::CommPtr> receives;
    std::vector<Token*> landed(mine.size());
    auto* tiles = box("tiles", r);
    for (std::size_t k = 0; k < mine.size(); ++k) receives.push_back(tiles->get_async(&landed[k]));
    for (std::size_t k = 0; k < mine.size(); ++k) {
      mpi_wait(r, receives[k]->test(), [&] { receives[k]->wait(); });
      copy_in(r, mine[k]);
      busy(r, tiles_[mine[k]].stage_a_s);
    }
  }

  // The next chunk's size, as mpi/distributed/partition_{dynamic,guided}.cpp take it.
  [[nodiscard]] std::int64_t take(std::int64_t remaining) const {
    if (remaining <= 0) return 0;
    const std::int64_t k = std::max<std::int64_t>(1, measured_.chunk);
    const std::int64_t n =
        scenario_.partitioner == "guided"
            ? std::max<std::int64_t>(k, remaining / (2 * std::max(1, scenario_.ranks)))
            : k;
    return std::min(remaining, n);
  }

  void serve_and_compute(std::vector<std::size_t>& mine) {
    const auto total = static_cast<std::int64_t>(tiles_.size());
    std::int64_t next = 0;
    int finished = 0;
    std::vector<sg4::CommPtr> sends;
    // The replies outlive this function (a worker reads its last one after rank 0 is done), and
    // never move: every request gets one, at most one per tile plus the final one per rank.
    replies_.reserve(static_cast<std::size_t>(scenario_.ranks) + tiles_.size());
    auto* requests = sg4::Mailbox::by_name("requests");
    // Open MPI's MPI_Iprobe (ob1) matches what the transport has already taken in and only
    // then, finding nothing, progresses it: a request that arrived while rank 0 computed a tile
    // is taken in by the probe after that tile and found by the next one. Traced here (2 ranks,
    // retina.jpg, chunks of 2, one clock for both ranks): every request was found by the second
    // probe after it arrived, so at the end of rank 0's chunk, where two probes follow each
    // other, not in its middle; the ranks then take chunks in turn, as the tiles tables show.
    // `progressed`: rank 0's last MPI call, which took in every request arrived by then.
    const double arrival = request_s();
    // On a core it shares, rank 0 leaves the line-up before the job after the others' first
    // requests have come in (4 ranks on 2 cores: another rank got tile 0 in 204 of the 264
    // runs of the benches' files; 2 ranks, each on its core: none of 264).
    if (!rank_0_neighbours_.empty()) sg4::this_actor::sleep_for(arrival);
    double progressed = sg4::Engine::get_clock();
    // asked_at_ holds a time for each request in the mailbox, in the mailbox's order.
    auto found = [&] { return !asked_at_.empty() && asked_at_.front() + arrival <= progressed; };
    auto serve = [&](bool block) {
      // The probe between tiles that finds no request at all yields (one that takes a request
      // in has progressed something, and does not).
      if (!block && !requests->listen()) yielding_call();
      while (block || found()) {
        const int* asker = nullptr;
        if (block) {
          mpi_wait(0, requests->listen(), [&] { asker = requests->get<int>(); });
        } else {
          asker = requests->get<int>();
        }
        asked_at_.pop_front();
        block = false;
        // Receiving the request, sending the reply.
        coordinate(request_s());
        const Chunk c{next, take(total - next)};
        next += c.count;
        if (c.count == 0) ++finished;
        replies_.push_back(c);
        box("reply", *asker)->put_init(&replies_.back(), sizeof(Chunk))->detach();
        for (std::int64_t id = c.first; id < c.first + c.count; ++id) {
          coordinate(cut_for_others_s(static_cast<std::size_t>(id)));
          sends.push_back(send_tile(*asker, static_cast<std::size_t>(id)));
        }
        progressed = sg4::Engine::get_clock();
      }
      progressed = sg4::Engine::get_clock();  // the probe that found nothing progressed
    };
    for (;;) {
      serve(false);
      const std::int64_t n = take(total - next);
      if (n == 0) break;
      const std::int64_t first = next;
      next += n;
      for (std::int64_t id = first; id < first + n; ++id) {
        const auto i = static_cast<std::size_t>(id);
        compute(cut_s(i));
        busy(0, tiles_[i].stage_a_s);
        mine.push_back(i);
        serve(false);
      }
    }
    while (finished < scenario_.ranks - 1) serve(true);
    mpi_wait(0, done(sends), [&] { sg4::Comm::wait_all(sends); });
  }

  void ask_and_compute(int r, std::vector<std::size_t>& mine) {
    auto* requests = sg4::Mailbox::by_name("requests");
    auto ask = [&] {
      asked_at_.push_back(sg4::Engine::get_clock());
      requests->put_init(&rank_ids_[static_cast<std::size_t>(r)], sizeof(int))->detach();
    };
    auto* replies = box("reply", r);
    auto* tiles = box("tiles", r);
    ask();
    for (;;) {
      const Chunk* c = nullptr;
      mpi_wait(r, replies->listen(), [&] { c = replies->get<Chunk>(); });
      if (c->count == 0) break;
      // The chunk's receives posted at once, as the job posts them.
      std::vector<sg4::CommPtr> receives;
      std::vector<Token*> landed(static_cast<std::size_t>(c->count));
      for (auto& t : landed) receives.push_back(tiles->get_async(&t));
      mpi_wait(r, done(receives), [&] { sg4::Comm::wait_all(receives); });
      for (std::int64_t id = c->first; id < c->first + c->count; ++id)
        copy_in(r, static_cast<std::size_t>(id));
      ask();  // one ahead: the next chunk travels while this one computes
      for (std::int64_t id = c->first; id < c->first + c->count; ++id) {
        const auto i = static_cast<std::size_t>(id);
        busy(r, tiles_[i].stage_a_s);
        mine.push_back(i);
      }
    }
  }

  // Within rank 0's node the receiver copies a tile's pixels out of rank 0's memory itself
  // (Open MPI's shared-memory transport, single copy): its own time, at the node's link
  // bandwidth, after the message (here 2 ranks on one node spent 3.4-3.8 ms of 24-28 receiving
  // 128 tiles of 69 KiB). Between nodes the network moves the data, and the receiver takes it
  // from the transport inside its MPI calls: over TCP one more copy of every byte, out of the
  // kernel, charged at the sender's per-byte time (the sending probe's: each end copies each
  // byte once; two emulated nodes here: rank 1 spent 0.32-0.36 ns a byte in its receives,
  // waiting included, where the probe gave rank 0 0.28-0.31), over RDMA hardly any (the probe
  // measures close to nothing there).
  [[nodiscard]] bool copies_in(int rank) const {
    return cores_are_hosts_ || host_of_[static_cast<std::size_t>(rank)] == host_of_[0];
  }
  void copy_in(int rank, std::size_t i) {
    const auto bytes = static_cast<double>(tiles_[i].raw_bytes);
    compute(copies_in(rank) ? bytes / node_link_bytes_per_s_
                            : bytes * measured_.sending_s_per_byte.value);
  }

  // The narrowest link on the route from `from` to `to` (0 when the route has none).
  static double route_bandwidth(const sg4::Host* from, const sg4::Host* to) {
    std::vector<sg4::Link*> links;
    double latency = 0;
    from->route_to(to, links, &latency);
    double bandwidth = 0;
    for (auto* l : links)
      bandwidth = bandwidth == 0 ? l->get_bandwidth() : std::min(bandwidth, l->get_bandwidth());
    return bandwidth;
  }

  // A binomial-tree reduce to rank 0 and broadcast back: Open MPI's shape for small messages
  // on many ranks (2 log2(ranks) steps of one message each).
  void all_reduce(int r, int phase, std::uint64_t bytes) {
    // Its messages are small: a rank in it waits, as it polls.
    mpi_wait(r, false, [&] { reduce_and_broadcast(r, phase, bytes); });
  }
  void reduce_and_broadcast(int r, int phase, std::uint64_t bytes) {
    const int n = scenario_.ranks;
    const std::string tag = std::to_string(phase);
    auto* up = sg4::Mailbox::by_name("reduce" + tag + "-" + std::to_string(r));
    int mask = 1;
    for (; mask < n; mask <<= 1) {
      if ((r & mask) != 0) {
        auto* parent = sg4::Mailbox::by_name("reduce" + tag + "-" + std::to_string(r - mask));
        parent->put(&token_, bytes);
        break;
      }
      if (r + mask < n) up->get<Token>();
    }
    // Broadcast: receive from the parent (the rank that lowest set bit points to), then send to
    // the children below it.
    auto* down = sg4::Mailbox::by_name("bcast" + tag + "-" + std::to_string(r));
    if (r != 0) down->get<Token>();
    for (mask >>= 1; mask > 0; mask >>= 1) {
      if (r + mask < n) {
        auto* child = sg4::Mailbox::by_name("bcast" + tag + "-" + std::to_string(r + mask));
        child->put(&token_, bytes);
      }
    }
  }

  // Rank 0's outgoing pixels over the bandwidth of its route to the first rank on another node
  // (or, on one node, to rank 1).
  [[nodiscard]] double network_s() const {
    if (scenario_.ranks < 2 || sent_bytes_ <= 0) return 0;
    const sg4::Host* from = host_of_[0];
    const sg4::Host* to = host_of_[1];
    for (auto* h : host_of_)
      if (h != from) {
        to = h;
        break;
      }
    const double bandwidth = route_bandwidth(from, to);
    return bandwidth > 0 ? sent_bytes_ / bandwidth : 0.0;
  }
};

}  // namespace

int load_only(const std::filesystem::path& platform) {
  load(platform);
  return static_cast<int>(sg4::Engine::get_instance()->get_host_count());
}

ReplayResult replay(const core::MeasuredJob& job, const std::filesystem::path& platform,
                    const Scenario& scenario, const std::vector<core::TileCost>& tiles,
                    bool cores_are_hosts, int placement, int draw, int draws) {
  load(platform);
  Job simulated(job, scenario, tiles, cores_are_hosts, placement, draw, draws);
  simulated.start();
  sg4::Engine::get_instance()->run();
  return simulated.result();
}

}  // namespace nsperf::sim::detail
