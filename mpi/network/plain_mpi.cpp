#include "plain_mpi.hpp"

#include <algorithm>
#include <array>

#include "nsperf/core/error.hpp"
#include "nsperf/mpi/job_context.hpp"
#include "p2p.hpp"

namespace nsperf::mpi::plain {
namespace {

int count_of(std::size_t bytes) {
  if (bytes > p2p::kMaxMessageBytes)
    throw InputError("network: a message of " + std::to_string(bytes) +
                     " bytes is larger than one message may be (1 GiB): use a smaller --tile");
  return static_cast<int>(bytes);
}

}  // namespace

std::array<char, kNodeNameBytes> node_name_message() {
  std::array<char, kNodeNameBytes> out{};
  const std::string node = node_name();
  std::copy_n(node.begin(), std::min(node.size(), kNodeNameBytes - 1), out.begin());
  return out;
}

void ping_pong_send(MPI_Comm comm, int peer, std::span<const std::span<const std::byte>> messages,
                    std::span<std::byte> back) {
  for (const auto& m : messages) {
    const int n = count_of(m.size());
    p2p::check(MPI_Send(m.data(), n, MPI_BYTE, peer, p2p::kPlain, comm), "MPI_Send");
    p2p::check(MPI_Recv(back.data(), n, MPI_BYTE, peer, p2p::kPlain, comm, MPI_STATUS_IGNORE),
               "MPI_Recv");
  }
}

void ping_pong_echo(MPI_Comm comm, std::span<const std::span<std::byte>> into,
                    std::span<const std::span<const std::byte>> replies) {
  for (std::size_t i = 0; i < into.size(); ++i) {
    const int n = count_of(into[i].size());
    p2p::check(MPI_Recv(into[i].data(), n, MPI_BYTE, 0, p2p::kPlain, comm, MPI_STATUS_IGNORE),
               "MPI_Recv");
    p2p::check(MPI_Send(replies[i].data(), n, MPI_BYTE, 0, p2p::kPlain, comm), "MPI_Send");
  }
}

void stream_send(MPI_Comm comm, int peer, std::span<const std::span<const std::byte>> messages) {
  std::array<MPI_Request, kWindow> requests{};
  for (std::size_t first = 0; first < messages.size(); first += kWindow) {
    const std::size_t k = std::min(kWindow, messages.size() - first);
    for (std::size_t j = 0; j < k; ++j) {
      const auto& m = messages[first + j];
      p2p::check(
          MPI_Isend(m.data(), count_of(m.size()), MPI_BYTE, peer, p2p::kPlain, comm, &requests[j]),
          "MPI_Isend");
    }
    p2p::check(MPI_Waitall(static_cast<int>(k), requests.data(), MPI_STATUSES_IGNORE),
               "MPI_Waitall");
  }
  char ack = 0;
  p2p::check(MPI_Recv(&ack, 1, MPI_CHAR, peer, p2p::kPlainAck, comm, MPI_STATUS_IGNORE),
             "MPI_Recv");
}

void stream_receive(MPI_Comm comm, std::span<const std::span<std::byte>> into) {
  std::array<MPI_Request, kWindow> requests{};
  for (std::size_t first = 0; first < into.size(); first += kWindow) {
    const std::size_t k = std::min(kWindow, into.size() - first);
    for (std::size_t j = 0; j < k; ++j) {
      const auto& m = into[first + j];
      p2p::check(
          MPI_Irecv(m.data(), count_of(m.size()), MPI_BYTE, 0, p2p::kPlain, comm, &requests[j]),
          "MPI_Irecv");
    }
    p2p::check(MPI_Waitall(static_cast<int>(k), requests.data(), MPI_STATUSES_IGNORE),
               "MPI_Waitall");
  }
  const char ack = 0;
  p2p::check(MPI_Send(&ack, 1, MPI_CHAR, 0, p2p::kPlainAck, comm), "MPI_Send");
}

}  // namespace nsperf::mpi::plain
