#pragma once
// Plain MPI between rank 0 and one peer, the methods of the OSU micro-benchmarks: what the
// network optimizer's references and its message-size sweep measure (internal to nsperf::mpi).
//
// Each call takes the messages as spans: distinct tiles (nsperf's access pattern), or the same
// buffer again and again (OSU's method, the MPI library's own figure). The two differ only in
// where the bytes lie, so a reference of each kind tells the library's speed and the cost of
// the access pattern apart.

#include <mpi.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "nsperf/core/records.hpp"

namespace nsperf::mpi::plain {

/// osu_bw's window: sends in flight before the sender waits for them and the peer's ack.
inline constexpr std::size_t kWindow = 64;

/// Ping-pong, osu_latency's method: rank 0 sends each message to `peer` with MPI_Send and
/// receives the echo into `back` (as large as the largest message) with MPI_Recv.
void ping_pong_send(MPI_Comm comm, int peer, std::span<const std::span<const std::byte>> messages,
                    std::span<std::byte> back);
/// The peer's side: receives each message from rank 0 into its span of `into` and answers with
/// the same-sized span of `replies`: `into` itself (the tile goes back), or a buffer of its own
/// that is never written, as osu_latency's reply is (whose bytes cross the cache cleanly).
void ping_pong_echo(MPI_Comm comm, std::span<const std::span<std::byte>> into,
                    std::span<const std::span<const std::byte>> replies);

/// Streaming, osu_bw's method: rank 0 posts MPI_Isend of up to kWindow messages, waits for
/// them, and after the last window waits for the peer's one-byte ack.
void stream_send(MPI_Comm comm, int peer, std::span<const std::span<const std::byte>> messages);
/// The peer's side: MPI_Irecv into each span, kWindow at a time, then the ack.
void stream_receive(MPI_Comm comm, std::span<const std::span<std::byte>> into);

/// `count` views of the first `size` bytes of `buffer`: one buffer sent again and again.
template <class Byte>
std::vector<std::span<Byte>> repeated(std::span<Byte> buffer, std::size_t size, std::size_t count) {
  return std::vector<std::span<Byte>>(count, buffer.first(size));
}

/// Rank 0 and rank 1 of `comm` (the other ranks return at once): the message-size sweep, one reused
/// buffer each: for every size of `sizes` and `tile_bytes` (marked as the tile), `warmup`
/// unmeasured and `repetitions` measured rounds of ping-pong and streaming, the sizes interleaved
/// within each round so that a slow spell spreads over all of them. `step(done, total)` is called
/// on rank 0 after each size of each round. Rank 0 returns one row per size, the other ranks
/// nothing.
std::vector<core::MessageSize> sweep(MPI_Comm comm, std::vector<std::int64_t> sizes,
                                     std::int64_t tile_bytes, int repetitions, int warmup,
                                     const std::function<void(std::int64_t, std::int64_t)>& step);

/// This process's node name as the run records it (node_name(): SLURM's, where emulated nodes of
/// one machine share a host name), in a fixed buffer that a message carries.
constexpr std::size_t kNodeNameBytes = 256;
std::array<char, kNodeNameBytes> node_name_message();

/// What an MPI call that yields the processor costs on a core two ranks share (shared_core.cpp).
struct SharedCore {
  double waiting_s = 0;    ///< per call, the other rank of the core waiting in MPI (polling)
  double computing_s = 0;  ///< per call, the other rank computing
  double slice_s = 0;      ///< a waiting rank's mean wait for the core while the other computes
  int rounds = 0;          ///< rounds measured (0: not measured)
  int cpu = -1;            ///< the CPU the two ranks shared
  std::string skipped;     ///< rank 0: why not measured
};

/// Collective over `comm`: rank 0 and rank 1 pinned to rank 0's first CPU for `rounds` rounds
/// of three passes of about 8 ms each and one of 50 ms, then back to their CPUs; the other ranks
/// wait. Rank 0 returns the figures (medians over the rounds) or why none were measured (one rank,
/// two nodes, other ranks on their node, pinning refused); the other ranks an empty result.
SharedCore shared_core(MPI_Comm comm, int rounds);

/// Rank 0's time inside MPI calls per byte it streams to rank 1 on another node while both
/// compute (send_cost.cpp).
struct SendCost {
  double s_per_byte = 0;  ///< seconds a byte, the median over the rounds
  int rounds = 0;         ///< rounds measured (0: not measured)
  int messages = 0;       ///< a round's messages
  std::string skipped;    ///< rank 0: why not measured
};

/// Collective over `comm`: where rank 1 runs on another node than rank 0, `rounds` rounds of
/// rank 0 streaming `to_one` (rank 0's messages for rank 1: the first up to 64 MiB, as often as
/// makes 64 messages, at most 64 MiB) into `into` (rank 1's buffers, as many and as large, in
/// the same order), both ranks calling `piece(i)`
/// (stage A on message i's tile) between their MPI calls, as the static partitioners do; the
/// other ranks wait. Rank 0 returns the figure or why none was measured (one rank, ranks 0 and
/// 1 on one node, no tiles for rank 1); the other ranks an empty result.
SendCost send_cost(MPI_Comm comm, std::span<const std::span<const std::byte>> to_one,
                   std::span<const std::span<std::byte>> into, int rounds,
                   const std::function<void(std::size_t)>& piece);

}  // namespace nsperf::mpi::plain
