// adaptive: compresses a tile only when that is predicted to deliver it sooner:
//   raw:        n / link
//   compressed: n / compress speed + (n / ratio) / link + n / decompress speed
// Compression speed, ratio and decompression speed are measured on the first tile and again
// every 256 tiles (a slice would not do: zstd's fixed cost per call makes small inputs look
// slow), and updated from every tile it does compress; the strategy keeps them from one run to
// the next, so a probe costs one compression per 256 tiles. The link is the one the optimizer
// measured (or emulates). No header: the message's tag says raw or compressed and its size is
// probed, so a raw tile costs exactly one message, as in blocking.
#include <algorithm>

#include "nsperf/core/error.hpp"
#include "nsperf/core/image.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/kernels/buffers.hpp"
#include "nsperf/mpi/transfer.hpp"
#include "p2p.hpp"

namespace nsperf::mpi {
namespace {

constexpr std::size_t kProbeEvery = 256;

class Adaptive final : public TileTransfer {
 public:
  void send(MPI_Comm comm, int dest, std::span<const core::Image> tiles,
            const Link& link) override {
    for (std::size_t i = 0; i < tiles.size(); ++i) {
      const auto bytes = tiles[i].bytes();
      const std::size_t element = core::dtype_size(tiles[i].dtype());
      if (sent_ % kProbeEvery == 0) probe(bytes, element);
      ++sent_;
      const auto n = static_cast<double>(bytes.size());
      const double raw = n / link.bytes_per_s;
      const double packed =
          n / compress_speed_ + n / ratio_ / link.bytes_per_s + n / decompress_speed_;
      core::Stopwatch clock;
      if (packed >= raw) {
        send_one(comm, dest, bytes, p2p::kNetPixels);
        pace(link, bytes.size(), clock.elapsed_s());
        continue;
      }
      const auto out = kernels::compress_shuffled(bytes, element, 1);
      learn(n, clock.elapsed_s(), static_cast<double>(out.size()));
      clock.restart();
      send_one(comm, dest, out, p2p::kNetCompressed);
      pace(link, out.size(), clock.elapsed_s());
    }
  }

  Received receive(MPI_Comm comm, std::span<core::Image> into,
                   const std::function<void(std::size_t)>& ready) override {
    Received r;
    for (std::size_t i = 0; i < into.size(); ++i) {
      core::Stopwatch clock;
      MPI_Status status;
      p2p::check(MPI_Probe(0, MPI_ANY_TAG, comm, &status), "MPI_Probe");
      int count = 0;
      MPI_Get_count(&status, MPI_BYTE, &count);
      const auto out = into[i].bytes();
      if (status.MPI_TAG == p2p::kNetPixels) {
        if (static_cast<std::size_t>(count) != out.size())
          throw MpiError("network: rank 0 sent a tile of " + std::to_string(count) +
                         " bytes where " + std::to_string(out.size()) + " were expected");
        p2p::check(
            MPI_Recv(out.data(), count, MPI_BYTE, 0, p2p::kNetPixels, comm, MPI_STATUS_IGNORE),
            "MPI_Recv");
      } else {
        wire_.resize(static_cast<std::size_t>(count));
        p2p::check(MPI_Recv(wire_.data(), count, MPI_BYTE, 0, p2p::kNetCompressed, comm,
                            MPI_STATUS_IGNORE),
                   "MPI_Recv");
        kernels::decompress_shuffled(wire_, core::dtype_size(into[i].dtype()), out);
      }
      r.wire_bytes += count;
      r.transfer_s += clock.elapsed_s();
      ready(i);
    }
    return r;
  }

 private:
  static void send_one(MPI_Comm comm, int dest, std::span<const std::byte> bytes, int tag) {
    if (bytes.size() > p2p::kMaxMessageBytes)
      throw InputError("network: a tile of " + std::to_string(bytes.size()) +
                       " bytes is larger than one message may be (1 GiB): use a smaller --tile");
    p2p::check(MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, dest, tag, comm),
               "MPI_Send");
  }

  std::size_t sent_ = 0;
  double compress_speed_ = 1;  // bytes/s
  double decompress_speed_ = 1;
  double ratio_ = 1;
  std::vector<std::byte> wire_;
  std::vector<std::byte> scratch_;

  // Compresses and decompresses the tile to estimate what the next ones will cost.
  void probe(std::span<const std::byte> bytes, std::size_t element) {
    const std::size_t n = bytes.size() / element * element;
    if (n == 0) return;
    const auto slice = bytes.first(n);
    core::Stopwatch clock;
    const auto out = kernels::compress_shuffled(slice, element, 1);
    const double compress_s = clock.elapsed_s();
    scratch_.resize(n);
    clock.restart();
    kernels::decompress_shuffled(out, element, scratch_);
    const double decompress_s = clock.elapsed_s();
    compress_speed_ = static_cast<double>(n) / std::max(compress_s, 1e-9);
    decompress_speed_ = static_cast<double>(n) / std::max(decompress_s, 1e-9);
    ratio_ = static_cast<double>(n) / static_cast<double>(std::max<std::size_t>(out.size(), 1));
  }

  void learn(double n, double seconds, double packed) {
    // Half the weight on the newest tile: follows a change in content within a few tiles.
    compress_speed_ = 0.5 * compress_speed_ + 0.5 * n / std::max(seconds, 1e-9);
    ratio_ = 0.5 * ratio_ + 0.5 * n / std::max(packed, 1.0);
  }
};

}  // namespace

NSPERF_REGISTER_TRANSFER(Adaptive, "adaptive",
                         "compresses a tile only when measured compression speed and ratio beat "
                         "the link's bandwidth",
                         false, balanced)

}  // namespace nsperf::mpi
