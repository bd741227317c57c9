// The network optimizer's shared-core probe (benchmark --network --shared-core): what an MPI
// call that yields the processor costs on a core two ranks share, which `nsperf whatif` charges
// on nodes with more ranks than cores.
//
// Open MPI on such a node polls with mpi_yield_when_idle: a call that finds nothing to do
// gives the core to the other rank of the core, which runs until a call of its own yields. The
// time that rank computes SimGrid shares out; the hand-over itself it cannot know: two context
// switches, and, when the other rank waits in MPI, one pass of its polling. Rank 0 and rank 1
// are pinned to one CPU (rank 0's first) for a moment; rank 0 computes pieces of about 20 us,
// each followed by an MPI_Iprobe and a yield, as a call that finds nothing does; rank 1 either
// polls (MPI_Iprobe and a yield, as a waiting rank does) or computes the same pieces. Against the
// same pieces with rank 1 on a CPU of its own: the waiting case's extra time per call, and the
// computing case's beyond the two ranks' pieces run one after the other. The yields are
// explicit because a node with a core per rank (this run's) polls without them.
//
// A fourth pass measures what a yield cannot give: rank 1 computes 50 ms without a call,
// rank 0 polls as a waiting rank does, noting the time at every turn it gets. A message that
// arrives for rank 0 at a moment taken at random is seen at its next turn: on average the sum
// of the squared gaps between turns over twice their sum (the rest of rank 1's time slice;
// Linux preempts a computing task at a scheduler tick once its slice is used up).
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "affinity.hpp"
#include "nsperf/core/statistics.hpp"
#include "nsperf/core/timer.hpp"
#include "plain_mpi.hpp"

namespace nsperf::mpi::plain {
namespace {

constexpr int kStop = 7301;     // a pass is over: rank 0 -> rank 1, and rank 1's pieces done
constexpr int kSetup = 7303;    // the plan and each pass's pinning, between ranks 0 and 1
constexpr int kNothing = 7302;  // never sent: what the yielding calls probe for
constexpr int kPieces = 400;    // per pass: 400 pieces of ~20 us, 8 ms
constexpr double kPieceS = 20e-6;
constexpr int kSlicePieces = 2500;  // the slice pass: rank 1 computes 2500 pieces, 50 ms

volatile double sink = 0;

// A piece of arithmetic of `iterations` steps (no memory traffic: the probe is about the
// switch, not the caches).
void piece(std::int64_t iterations) {
  double x = 1.0;
  for (std::int64_t i = 0; i < iterations; ++i) x = x * 1.0000001 + 1e-9;
  sink = x;
}

// What an MPI call that finds nothing does under mpi_yield_when_idle.
void yielding_call(MPI_Comm comm, int from) {
  int flag = 0;
  MPI_Iprobe(from, kNothing, comm, &flag, MPI_STATUS_IGNORE);
  sched_yield();
}

enum class Partner : int { waiting = 0, computing = 1, slice = 2 };

// Rank 1's side of one pass: poll (waiting) or compute pieces (computing), a yielding call
// after each, until rank 0's stop; computing, it reports when its own pieces were done.
void partner_pass(MPI_Comm comm, Partner mode, std::int64_t iterations) {
  if (mode == Partner::slice) {
    // Without a call or a yield: only the scheduler hands the core to rank 0.
    for (int i = 0; i < kSlicePieces; ++i) piece(iterations);
    int stop = 1;
    MPI_Send(&stop, 1, MPI_INT, 0, kStop, comm);
    return;
  }
  int done_pieces = 0;
  for (;;) {
    if (mode == Partner::computing && done_pieces < kPieces) {
      piece(iterations);
      ++done_pieces;
      if (done_pieces == kPieces) MPI_Send(&done_pieces, 1, MPI_INT, 0, kStop, comm);
    }
    int flag = 0;
    MPI_Iprobe(0, kStop, comm, &flag, MPI_STATUS_IGNORE);
    if (flag != 0) {
      int stop = 0;
      MPI_Recv(&stop, 1, MPI_INT, 0, kStop, comm, MPI_STATUS_IGNORE);
      return;
    }
    sched_yield();
  }
}

// Rank 0's side: its pieces with a yielding call after each; computing, also waits for rank 1's
// pieces. Returns the pass's seconds.
double own_pass(MPI_Comm comm, Partner mode, std::int64_t iterations) {
  const core::Stopwatch clock;
  for (int i = 0; i < kPieces; ++i) {
    piece(iterations);
    yielding_call(comm, 1);
  }
  if (mode == Partner::computing) {
    int pieces = 0;
    MPI_Recv(&pieces, 1, MPI_INT, 1, kStop, comm, MPI_STATUS_IGNORE);
  }
  const double seconds = clock.elapsed_s();
  const int stop = 1;
  MPI_Send(&stop, 1, MPI_INT, 1, kStop, comm);
  return seconds;
}

// Rank 0's side of the slice pass: polls for rank 1's stop as a waiting rank does, noting when
// it runs. Returns the mean wait of a message arriving at a random moment for rank 0's next
// turn (0 when rank 1's pieces ended before rank 0 got a turn: nothing measured).
double slice_pass(MPI_Comm comm) {
  using clock = std::chrono::steady_clock;
  double squares = 0;  // of the gaps between turns
  double span = 0;     // their sum
  auto last = clock::now();
  for (;;) {
    const auto now = clock::now();
    const double gap = std::chrono::duration<double>(now - last).count();
    last = now;
    squares += gap * gap;
    span += gap;
    int flag = 0;
    MPI_Iprobe(1, kStop, comm, &flag, MPI_STATUS_IGNORE);
    if (flag != 0) break;
    sched_yield();
  }
  int stop = 0;
  MPI_Recv(&stop, 1, MPI_INT, 1, kStop, comm, MPI_STATUS_IGNORE);
  return span > 0 ? squares / (2 * span) : 0.0;
}

}  // namespace

SharedCore shared_core(MPI_Comm comm, int rounds) {
  int me = 0;
  int size = 0;
  MPI_Comm_rank(comm, &me);
  MPI_Comm_size(comm, &size);
  SharedCore out;
  // Rank 0 decides whether the probe can run (ranks 0 and 1 on one host, which has another
  // CPU for rank 1's reference passes) and tells every rank, so that all take the same path.
  // Whether the two may be pinned there (a batch system's cpuset may forbid it) the first
  // pass finds out.
  cpu_set_t original;
  CPU_ZERO(&original);
  sched_getaffinity(0, sizeof original, &original);
  auto first_cpu = [&](int other_than) {
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (c != other_than && CPU_ISSET(static_cast<std::size_t>(c), &original)) return c;
    return -1;
  };
  // Every rank's host, to know whether ranks 0 and 1 share one and have it to themselves.
  // By the node's name as the run records it, so that the probe does not pin ranks of two
  // emulated SLURM nodes of one machine together.
  constexpr int kHost = static_cast<int>(kNodeNameBytes);
  const auto host = node_name_message();
  std::vector<char> hosts(me == 0 ? static_cast<std::size_t>(size) * kHost : 0);
  MPI_Gather(host.data(), kHost, MPI_CHAR, hosts.data(), kHost, MPI_CHAR, 0, comm);
  // plan: [shared cpu, rank 1's own cpu, iterations per piece]; shared cpu < 0: not run.
  std::array<std::int64_t, 3> plan{-1, -1, 0};
  std::string why;
  if (me <= 1 && size >= 2) {
    if (me == 1) {
      const int cpu = first_cpu(-1);
      MPI_Send(&cpu, 1, MPI_INT, 0, kSetup, comm);
    } else {
      int theirs = -1;
      MPI_Recv(&theirs, 1, MPI_INT, 1, kSetup, comm, MPI_STATUS_IGNORE);
      int with_rank_0 = 0;  // ranks on rank 0's host, itself included
      for (int r = 0; r < size; ++r)
        with_rank_0 +=
            std::strncmp(&hosts[static_cast<std::size_t>(r) * kHost], host.data(), kHost) == 0 ? 1
                                                                                               : 0;
      const int mine = first_cpu(-1);
      // Rank 1's own CPU for the reference: where it runs, else another of rank 0's, else the
      // next the node has.
      int apart = theirs != mine ? theirs : first_cpu(mine);
      const long online = sysconf(_SC_NPROCESSORS_ONLN);
      if (apart < 0 && online > 1) apart = static_cast<int>((mine + 1) % online);
      if (std::strncmp(&hosts[kHost], host.data(), kHost) != 0) {
        why = "ranks 0 and 1 run on different nodes";
      } else if (with_rank_0 > 2) {
        // The others would poll beside them: the probe wants the node to the two of them.
        why = std::to_string(with_rank_0) +
              " ranks share rank 0's node; the probe needs ranks 0 and 1 alone on it (run it "
              "with 2 ranks)";
      } else if (mine < 0 || apart < 0) {
        why = "the node has one CPU";
      } else {
        // Iterations for a piece of ~20 us, on this CPU, before any pinning.
        const std::int64_t trial = 200000;
        const core::Stopwatch clock;
        piece(trial);
        const double per = std::max(1e-12, clock.elapsed_s() / static_cast<double>(trial));
        plan = {mine, apart, std::max<std::int64_t>(1, static_cast<std::int64_t>(kPieceS / per))};
      }
    }
  }
  MPI_Bcast(plan.data(), 3, MPI_INT64_T, 0, comm);
  if (plan[0] < 0) {
    out.skipped = me == 0 ? (size < 2 ? std::string("one rank") : why) : std::string();
    return out;
  }
  std::vector<double> waiting;
  std::vector<double> computing;
  std::vector<double> slice;
  if (me <= 1) {
    for (int round = 0; round < rounds; ++round) {
      // One pass of each: apart (the reference), shared with rank 1 waiting, shared with it
      // computing, shared with it computing without calls (the slice); in turn within every
      // round so that a slow spell spreads over all of them.
      std::array<double, 4> t{};  // each pass's seconds; the slice pass's mean wait
      for (int pass = 0; pass < 4; ++pass) {
        const bool shared = pass > 0;
        const Partner mode = pass == 3   ? Partner::slice
                             : pass == 2 ? Partner::computing
                                         : Partner::waiting;
        int pinned =
            pin_this_thread(static_cast<int>(me == 1 && !shared ? plan[1] : plan[0])) ? 1 : 0;
        int both = 0;
        // A refusal on either side ends the probe on both: no pass runs half pinned.
        if (me == 0) {
          int theirs = 0;
          MPI_Recv(&theirs, 1, MPI_INT, 1, kSetup, comm, MPI_STATUS_IGNORE);
          both = pinned & theirs;
          MPI_Send(&both, 1, MPI_INT, 1, kSetup, comm);
        } else {
          MPI_Send(&pinned, 1, MPI_INT, 0, kSetup, comm);
          MPI_Recv(&both, 1, MPI_INT, 0, kSetup, comm, MPI_STATUS_IGNORE);
        }
        if (both == 0) {
          why = "pinning ranks 0 and 1 to CPU " + std::to_string(plan[0]) +
                " was refused (sched_setaffinity)";
          round = rounds;
          break;
        }
        if (me == 0) {
          t[static_cast<std::size_t>(pass)] =
              mode == Partner::slice ? slice_pass(comm) : own_pass(comm, mode, plan[2]);
        } else {
          partner_pass(comm, mode, plan[2]);
        }
      }
      if (me == 0 && why.empty()) {
        // Per yielding call: the waiting partner's pass over the reference; the computing
        // one's beyond both ranks' pieces (the reference's pieces twice), over both ranks'
        // calls.
        waiting.push_back((t[1] - t[0]) / kPieces);
        computing.push_back((t[2] - 2 * t[0]) / (2 * kPieces));
        slice.push_back(t[3]);
      }
    }
    sched_setaffinity(0, sizeof original, &original);
  }
  if (me == 0) {
    if (!why.empty() || waiting.empty()) {
      out.skipped = why.empty() ? "no round completed" : why;
    } else {
      // A negative difference is noise around nothing: the figure is 0 then.
      out.waiting_s = std::max(0.0, core::median(waiting));
      out.computing_s = std::max(0.0, core::median(computing));
      out.slice_s = core::median(slice);
      out.rounds = static_cast<int>(waiting.size());
      out.cpu = static_cast<int>(plan[0]);
    }
  }
  MPI_Barrier(comm);
  return out;
}

}  // namespace nsperf::mpi::plain
