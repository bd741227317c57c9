// The network optimizer's sending probe (benchmark --network, ranks 0 and 1 on different
// nodes): rank 0's time inside MPI calls per byte it streams to a rank that computes, which
// `nsperf whatif` charges rank 0 for every tile it sends to another node.
//
// A transport that moves the bytes with the host's processor costs the sender time a byte: over
// TCP the kernel copies every byte into its socket buffers inside the sender's MPI calls (Open
// MPI has no progress thread), with RDMA the adapter reads the memory itself. SimGrid's links
// carry bytes but take no processor, so without this figure a rank 0 feeding other nodes over
// TCP looked free (two emulated nodes over TCP, synthetic 4096², tiles of 69 KiB: rank 0 spent
// 3.3-5.2 ms in its sends and probes for 9 MB in the job, none in the replay).
//
// The pattern is the static partitioners': rank 1 posts a receive for each of its tiles and
// computes stage A on each as it arrives; rank 0 cuts each into a buffer of its own and posts
// its send, testing the oldest after each, then computes stage A on the same tiles with a test
// after each, and waits for the last. Rank 0's seconds inside those MPI calls over the bytes, the
// median over rounds.
#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "nsperf/core/statistics.hpp"
#include "nsperf/core/timer.hpp"
#include "plain_mpi.hpp"

namespace nsperf::mpi::plain {
namespace {

constexpr int kReady = 7311;           // rank 1 -> rank 0: a pass's receives are posted
constexpr int kMessage = 7312;         // the pass's messages
constexpr int kHostTag = 7313;         // rank 1 -> rank 0: its host's name
constexpr std::size_t kMessages = 64;  // at least this many a round
constexpr std::size_t kRoundBytes = std::size_t{64} << 20;  // ... unless that is more bytes

// Seconds of `call`, added to `total`.
template <class Call>
void timed(double& total, Call&& call) {
  const core::Stopwatch clock;
  call();
  total += clock.elapsed_s();
}

}  // namespace

SendCost send_cost(MPI_Comm comm, std::span<const std::span<const std::byte>> to_one,
                   std::span<const std::span<std::byte>> into, int rounds,
                   const std::function<void(std::size_t)>& piece) {
  int me = 0;
  int size = 0;
  MPI_Comm_rank(comm, &me);
  MPI_Comm_size(comm, &size);
  SendCost out;
  // Rank 0 decides whether the probe runs (rank 1 on another node, with tiles), over how many
  // of rank 1's first tiles a pass goes and how many passes a round takes, and tells every
  // rank: all take the same path.
  std::array<std::int64_t, 3> plan{0, 0, 0};  // [runs, passes a round, tiles a pass]
  std::string why;
  if (size >= 2 && me <= 1) {
    constexpr int kHost = static_cast<int>(kNodeNameBytes);
    const auto host = node_name_message();
    if (me == 1) {
      MPI_Send(host.data(), kHost, MPI_CHAR, 0, kHostTag, comm);
    } else {
      std::array<char, kNodeNameBytes> theirs{};
      MPI_Recv(theirs.data(), kHost, MPI_CHAR, 1, kHostTag, comm, MPI_STATUS_IGNORE);
      // A pass: rank 1's first tiles up to 64 MiB (at least one).
      std::size_t tiles = 0;
      std::size_t bytes = 0;
      while (tiles < to_one.size() && (tiles == 0 || bytes + to_one[tiles].size() <= kRoundBytes))
        bytes += to_one[tiles++].size();
      if (std::strncmp(theirs.data(), host.data(), kHost) == 0) {
        why =
            "ranks 0 and 1 share a node (there the receiver copies the bytes, which whatif "
            "models; the probe is for a transport between nodes)";
      } else if (to_one.empty() || bytes == 0) {
        why = "rank 1 has no tiles";
      } else {
        const std::size_t by_count = (kMessages + tiles - 1) / tiles;
        const std::size_t by_bytes = std::max<std::size_t>(1, kRoundBytes / bytes);
        plan = {1,
                static_cast<std::int64_t>(std::max<std::size_t>(1, std::min(by_count, by_bytes))),
                static_cast<std::int64_t>(tiles)};
      }
    }
  }
  MPI_Bcast(plan.data(), 3, MPI_INT64_T, 0, comm);
  if (plan[0] == 0) {
    out.skipped = me == 0 ? (size < 2 ? std::string("one rank") : why) : std::string();
    return out;
  }
  std::vector<double> per_byte;
  if (me <= 1) {
    const auto count = static_cast<std::size_t>(plan[2]);  // rank 1's first tiles
    std::vector<MPI_Request> requests(count, MPI_REQUEST_NULL);
    for (int round = 0; round < rounds; ++round) {
      double in_mpi = 0;  // rank 0's seconds inside MPI calls this round
      double bytes = 0;
      for (std::int64_t pass = 0; pass < plan[1]; ++pass) {
        int ready = 0;
        if (me == 1) {
          for (std::size_t i = 0; i < count; ++i)
            MPI_Irecv(into[i].data(), static_cast<int>(into[i].size()), MPI_BYTE, 0, kMessage, comm,
                      &requests[i]);
          MPI_Send(&ready, 1, MPI_INT, 0, kReady, comm);
          for (std::size_t i = 0; i < count; ++i) {
            MPI_Wait(&requests[i], MPI_STATUS_IGNORE);
            piece(i);
          }
          continue;
        }
        MPI_Recv(&ready, 1, MPI_INT, 1, kReady, comm, MPI_STATUS_IGNORE);
        std::size_t oldest = 0;
        std::size_t posted = 0;
        auto progress = [&] {
          while (oldest < posted) {
            int done = 0;
            MPI_Test(&requests[oldest], &done, MPI_STATUS_IGNORE);
            if (done == 0) return;
            ++oldest;
          }
        };
        // Each message cut into a buffer of its own first, as the job cuts each tile out of the
        // image before sending it: sent from the long-lived buffers instead, the figure was
        // 0.25-0.35 ns a byte against 0.39-0.44 (the job's rank 0: 0.37-0.6).
        std::vector<std::vector<std::byte>> cut(count);
        for (std::size_t i = 0; i < count; ++i) {
          cut[i].assign(to_one[i].begin(), to_one[i].end());
          timed(in_mpi, [&] {
            MPI_Isend(cut[i].data(), static_cast<int>(cut[i].size()), MPI_BYTE, 1, kMessage, comm,
                      &requests[i]);
            ++posted;
            progress();
          });
          bytes += static_cast<double>(to_one[i].size());
        }
        for (std::size_t i = 0; i < count; ++i) {
          piece(i);
          timed(in_mpi, progress);
        }
        timed(in_mpi,
              [&] { MPI_Waitall(static_cast<int>(count), requests.data(), MPI_STATUSES_IGNORE); });
      }
      if (me == 0) per_byte.push_back(in_mpi / bytes);
    }
  }
  if (me == 0) {
    out.s_per_byte = core::median(per_byte);
    out.rounds = static_cast<int>(per_byte.size());
    out.messages = static_cast<int>(plan[1] * plan[2]);
  }
  MPI_Barrier(comm);
  return out;
}

}  // namespace nsperf::mpi::plain
