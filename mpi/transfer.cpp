#include "nsperf/mpi/transfer.hpp"

#include <chrono>
#include <thread>

#include "nsperf/core/error.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/kernels/buffers.hpp"
#include "p2p.hpp"

namespace nsperf::mpi {

core::Registry<TransferEntry>& transfer_strategies() {
  static core::Registry<TransferEntry> registry;
  return registry;
}

namespace detail {
bool register_transfer(core::StrategyInfo info, TransferEntry entry) {
  core::strategy_catalog().add(std::move(info));
  transfer_strategies().add(std::move(entry));
  return true;
}
}  // namespace detail

void pace(const Link& link, std::size_t bytes, double elapsed_s) {
  if (!link.emulated) return;
  const double wait = static_cast<double>(bytes) / link.bytes_per_s - elapsed_s;
  if (wait > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait));
}

void send_framed(MPI_Comm comm, int dest, std::span<const std::byte> payload, bool compressed,
                 const Link& link) {
  core::Stopwatch clock;
  const Framed header{static_cast<std::int64_t>(payload.size()), compressed ? 1 : 0};
  p2p::check(MPI_Send(&header, sizeof header, MPI_BYTE, dest, p2p::kNetHeader, comm), "MPI_Send");
  p2p::send_bytes(comm, dest, p2p::kNetPixels, payload);
  pace(link, payload.size(), clock.elapsed_s());
}

void receive_framed(MPI_Comm comm, core::Image& into, std::vector<std::byte>& wire, Received& r) {
  core::Stopwatch clock;
  Framed header;
  p2p::check(
      MPI_Recv(&header, sizeof header, MPI_BYTE, 0, p2p::kNetHeader, comm, MPI_STATUS_IGNORE),
      "MPI_Recv");
  const auto out = into.bytes();
  if (header.wire_bytes < 0 ||
      (header.compressed == 0 && static_cast<std::size_t>(header.wire_bytes) != out.size()))
    throw MpiError("network: rank 0 sent a tile of " + std::to_string(header.wire_bytes) +
                   " bytes where " + std::to_string(out.size()) + " were expected");
  if (header.compressed == 0) {
    p2p::recv_bytes(comm, 0, p2p::kNetPixels, out);
  } else {
    wire.resize(static_cast<std::size_t>(header.wire_bytes));
    p2p::recv_bytes(comm, 0, p2p::kNetPixels, wire);
    kernels::decompress_shuffled(wire, core::dtype_size(into.dtype()), out);
  }
  r.wire_bytes += header.wire_bytes;
  r.transfer_s += clock.elapsed_s();
}

}  // namespace nsperf::mpi
