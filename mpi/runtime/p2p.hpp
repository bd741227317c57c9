#pragma once
// Point-to-point helpers shared by the tile paths (internal to nsperf::mpi).

#include <mpi.h>

#include <cstddef>
#include <span>

namespace nsperf::mpi::p2p {

// Message tags of the tile paths; each path uses its own so that stray messages cannot match.
enum Tag : int {
  kTileHeader = 101,
  kTilePixels = 102,
  kStreamPixels = 103,
  kStreamStatus = 104,
  kWorkRequest = 201,
  kWorkReply = 202,
  kWorkPixels = 203,
  kNetHeader = 301,
  kNetPixels = 302,
  kNetCompressed = 303,
  kPlain = 401,
  kPlainAck = 402,
};

// Throws MpiError naming `call` when `rc` is not MPI_SUCCESS.
void check(int rc, const char* call);

// Sends (receives) `bytes` in pieces small enough for an int count.
void send_bytes(MPI_Comm comm, int dest, int tag, std::span<const std::byte> bytes);
void recv_bytes(MPI_Comm comm, int source, int tag, std::span<std::byte> bytes);

// The largest message the single-request paths (Isend, persistent requests) take.
inline constexpr std::size_t kMaxMessageBytes = std::size_t{1} << 30;

/// Messages the pipelined transfers (nonblocking, persistent) keep in flight to a peer: one
/// being received while the next is on its way.
inline constexpr std::size_t kInFlight = 2;

}  // namespace nsperf::mpi::p2p
