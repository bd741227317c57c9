// nonblocking: MPI_Isend / MPI_Irecv, double-buffered: the receiver posts the next tile's
// receive before computing the current one, so the next tile arrives while this one computes;
// the sender keeps two messages in flight.
#include <array>

#include "nsperf/core/error.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/mpi/transfer.hpp"
#include "p2p.hpp"

namespace nsperf::mpi {
namespace {

int count_of(std::span<const std::byte> bytes) {
  if (bytes.size() > p2p::kMaxMessageBytes)
    throw InputError("network: a tile of " + std::to_string(bytes.size()) +
                     " bytes is larger than one message may be (1 GiB): use a smaller --tile");
  return static_cast<int>(bytes.size());
}

class Nonblocking final : public TileTransfer {
 public:
  void send(MPI_Comm comm, int dest, std::span<const core::Image> tiles,
            const Link& link) override {
    std::array<MPI_Request, p2p::kInFlight> slots;
    slots.fill(MPI_REQUEST_NULL);
    for (std::size_t i = 0; i < tiles.size(); ++i) {
      MPI_Request& slot = slots[i % p2p::kInFlight];
      p2p::check(MPI_Wait(&slot, MPI_STATUS_IGNORE), "MPI_Wait");
      core::Stopwatch clock;
      const auto bytes = tiles[i].bytes();
      p2p::check(
          MPI_Isend(bytes.data(), count_of(bytes), MPI_BYTE, dest, p2p::kNetPixels, comm, &slot),
          "MPI_Isend");
      pace(link, bytes.size(), clock.elapsed_s());
    }
    p2p::check(MPI_Waitall(p2p::kInFlight, slots.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
  }

  Received receive(MPI_Comm comm, std::span<core::Image> into,
                   const std::function<void(std::size_t)>& ready) override {
    Received r;
    std::vector<MPI_Request> requests(into.size(), MPI_REQUEST_NULL);
    auto post = [&](std::size_t i) {
      if (i >= into.size()) return;
      const auto bytes = into[i].bytes();
      p2p::check(MPI_Irecv(bytes.data(), count_of(bytes), MPI_BYTE, 0, p2p::kNetPixels, comm,
                           &requests[i]),
                 "MPI_Irecv");
    };
    for (std::size_t i = 0; i < p2p::kInFlight; ++i) post(i);
    for (std::size_t i = 0; i < into.size(); ++i) {
      core::Stopwatch clock;
      p2p::check(MPI_Wait(&requests[i], MPI_STATUS_IGNORE), "MPI_Wait");
      post(i + p2p::kInFlight);
      r.transfer_s += clock.elapsed_s();
      r.wire_bytes += static_cast<std::int64_t>(into[i].bytes().size());
      ready(i);
    }
    return r;
  }
};

}  // namespace

NSPERF_REGISTER_TRANSFER(Nonblocking, "nonblocking",
                         "MPI_Isend/MPI_Irecv, double-buffered: the next tile arrives while "
                         "this one computes",
                         false, conservative)

}  // namespace nsperf::mpi
