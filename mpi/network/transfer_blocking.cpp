// blocking (baseline): MPI_Send / MPI_Recv of each raw tile, one after the other; the receiver
// computes a tile only once it has it, and receives the next only after computing.
#include "nsperf/core/timer.hpp"
#include "nsperf/mpi/transfer.hpp"
#include "p2p.hpp"

namespace nsperf::mpi {
namespace {

class Blocking final : public TileTransfer {
 public:
  void send(MPI_Comm comm, int dest, std::span<const core::Image> tiles,
            const Link& link) override {
    for (const auto& t : tiles) {
      core::Stopwatch clock;
      p2p::send_bytes(comm, dest, p2p::kNetPixels, t.bytes());
      pace(link, t.bytes().size(), clock.elapsed_s());
    }
  }

  Received receive(MPI_Comm comm, std::span<core::Image> into,
                   const std::function<void(std::size_t)>& ready) override {
    Received r;
    for (std::size_t i = 0; i < into.size(); ++i) {
      core::Stopwatch clock;
      p2p::recv_bytes(comm, 0, p2p::kNetPixels, into[i].bytes());
      r.transfer_s += clock.elapsed_s();
      r.wire_bytes += static_cast<std::int64_t>(into[i].bytes().size());
      ready(i);
    }
    return r;
  }
};

}  // namespace

NSPERF_REGISTER_TRANSFER(Blocking, "blocking", "MPI_Send/MPI_Recv of raw tiles (baseline)", true,
                         conservative)

}  // namespace nsperf::mpi
