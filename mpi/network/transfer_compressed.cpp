// compressed: every tile zstd level 1 after a byte shuffle; a header with the compressed size
// goes first, then the payload. Wins when the link is slower than compression; loses on shared
// memory.
#include "nsperf/core/error.hpp"
#include "nsperf/core/image.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/kernels/buffers.hpp"
#include "nsperf/mpi/transfer.hpp"
#include "p2p.hpp"

namespace nsperf::mpi {
namespace {

class Compressed final : public TileTransfer {
 public:
  void send(MPI_Comm comm, int dest, std::span<const core::Image> tiles,
            const Link& link) override {
    for (const auto& t : tiles) {
      const auto packed = kernels::compress_shuffled(t.bytes(), core::dtype_size(t.dtype()), 1);
      core::Stopwatch clock;
      const auto size = static_cast<std::int64_t>(packed.size());
      p2p::check(MPI_Send(&size, 1, MPI_INT64_T, dest, p2p::kNetHeader, comm), "MPI_Send");
      p2p::send_bytes(comm, dest, p2p::kNetPixels, packed);
      pace(link, packed.size(), clock.elapsed_s());
    }
  }

  Received receive(MPI_Comm comm, std::span<core::Image> into,
                   const std::function<void(std::size_t)>& ready) override {
    Received r;
    for (std::size_t i = 0; i < into.size(); ++i) {
      core::Stopwatch clock;
      std::int64_t size = 0;
      p2p::check(MPI_Recv(&size, 1, MPI_INT64_T, 0, p2p::kNetHeader, comm, MPI_STATUS_IGNORE),
                 "MPI_Recv");
      if (size < 0) throw MpiError("network: rank 0 sent a negative compressed size");
      wire_.resize(static_cast<std::size_t>(size));
      p2p::recv_bytes(comm, 0, p2p::kNetPixels, wire_);
      kernels::decompress_shuffled(wire_, core::dtype_size(into[i].dtype()), into[i].bytes());
      r.wire_bytes += size;
      r.transfer_s += clock.elapsed_s();
      ready(i);
    }
    return r;
  }

 private:
  std::vector<std::byte> wire_;
};

}  // namespace

NSPERF_REGISTER_TRANSFER(Compressed, "compressed",
                         "zstd level 1 after a byte shuffle, compressed size sent first", false,
                         balanced)

}  // namespace nsperf::mpi
