// compressed: every tile zstd level 1 after a byte shuffle; a header with the compressed size
// goes first. Wins when the link is slower than compression; loses on shared memory.
#include "nsperf/core/image.hpp"
#include "nsperf/kernels/buffers.hpp"
#include "nsperf/mpi/transfer.hpp"

namespace nsperf::mpi {
namespace {

class Compressed final : public TileTransfer {
 public:
  void send(MPI_Comm comm, int dest, std::span<const core::Image> tiles,
            const Link& link) override {
    for (const auto& t : tiles) {
      const auto packed = kernels::compress_shuffled(t.bytes(), core::dtype_size(t.dtype()), 1);
      send_framed(comm, dest, packed, true, link);
    }
  }

  Received receive(MPI_Comm comm, std::span<core::Image> into,
                   const std::function<void(std::size_t)>& ready) override {
    Received r;
    for (std::size_t i = 0; i < into.size(); ++i) {
      receive_framed(comm, into[i], wire_, r);
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
