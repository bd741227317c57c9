// adaptive: compresses a tile only when that is predicted to deliver it sooner:
//   raw:        n / link
//   compressed: n / compress speed + (n / ratio) / link + n / decompress speed
// Compression speed, ratio and decompression speed are measured on the first tile and again
// once the tiles sent since the last probe took 50 times what that probe cost (a probe is a whole
// tile: a slice would not do, zstd's fixed cost per call makes small inputs look slow), so
// probing stays within 2% of the sending time on any link and tile size; they are also updated
// from every tile it does compress. The strategy keeps them from one run to the next. The link is
// the one the optimizer measured (or emulates). No header and no MPI_Probe: a compressed tile is
// sent only when it is smaller than the raw one, so the receiver posts one receive of the raw size
// with any tag, and the tag says which arrived: a raw tile costs exactly what it costs in blocking.
#include <algorithm>
#include <vector>

#include "nsperf/core/error.hpp"
#include "nsperf/core/image.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/kernels/buffers.hpp"
#include "nsperf/mpi/transfer.hpp"
#include "p2p.hpp"

namespace nsperf::mpi {
namespace {

// Sending time between probes, in multiples of the last probe's cost.
constexpr double kProbeSpacing = 50;

class Adaptive final : public TileTransfer {
 public:
  void send(MPI_Comm comm, int dest, std::span<const core::Image> tiles,
            const Link& link) override {
    for (std::size_t i = 0; i < tiles.size(); ++i) {
      const auto bytes = tiles[i].bytes();
      const std::size_t element = core::dtype_size(tiles[i].dtype());
      if (!probed_ || since_probe_s_ >= kProbeSpacing * probe_s_) probe(bytes, element);
      const auto n = static_cast<double>(bytes.size());
      const double raw = n / link.bytes_per_s;
      const double packed =
          n / compress_speed_ + n / ratio_ / link.bytes_per_s + n / decompress_speed_;
      core::Stopwatch clock;
      if (packed >= raw) {
        send_one(comm, dest, bytes, p2p::kNetPixels);
        pace(link, bytes.size(), clock.elapsed_s());
        since_probe_s_ += clock.elapsed_s();
        continue;
      }
      const auto out = kernels::compress_shuffled(bytes, element, 1);
      const double compress_s = clock.elapsed_s();
      learn(n, compress_s, static_cast<double>(out.size()));
      clock.restart();
      const bool smaller = out.size() < bytes.size();
      const auto wire = smaller ? std::span<const std::byte>(out) : bytes;
      send_one(comm, dest, wire, smaller ? p2p::kNetCompressed : p2p::kNetPixels);
      pace(link, wire.size(), clock.elapsed_s());
      since_probe_s_ += compress_s + clock.elapsed_s();
    }
  }

  Received receive(MPI_Comm comm, std::span<core::Image> into,
                   const std::function<void(std::size_t)>& ready) override {
    Received r;
    for (std::size_t i = 0; i < into.size(); ++i) {
      core::Stopwatch clock;
      const auto out = into[i].bytes();
      MPI_Status status;
      p2p::check(MPI_Recv(out.data(), static_cast<int>(out.size()), MPI_BYTE, 0, MPI_ANY_TAG, comm,
                          &status),
                 "MPI_Recv");
      int count = 0;
      MPI_Get_count(&status, MPI_BYTE, &count);
      if (status.MPI_TAG == p2p::kNetCompressed) {
        // The compressed bytes landed at the front of the tile: move them out, then expand.
        wire_.assign(out.begin(), out.begin() + count);
        kernels::decompress_shuffled(wire_, core::dtype_size(into[i].dtype()), out);
      } else if (status.MPI_TAG != p2p::kNetPixels ||
                 static_cast<std::size_t>(count) != out.size()) {
        throw MpiError("network: rank 0 sent a tile of " + std::to_string(count) +
                       " bytes with tag " + std::to_string(status.MPI_TAG) + " where " +
                       std::to_string(out.size()) + " raw bytes were expected");
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

  bool probed_ = false;
  double probe_s_ = 0;         // what the last probe cost
  double since_probe_s_ = 0;   // sending time since then
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
    const core::Stopwatch whole;
    // The faster of two of each: the first call also pays one-time costs (zstd's context, the
    // output's first touch), and one timing on a busy node may include a time slice lost to
    // another process, which would make raw sends look faster until the next probe.
    double compress_s = 0;
    std::vector<std::byte> out;
    for (int k = 0; k < 2; ++k) {
      core::Stopwatch clock;
      out = kernels::compress_shuffled(slice, element, 1);
      const double s = clock.elapsed_s();
      compress_s = k == 0 ? s : std::min(compress_s, s);
    }
    scratch_.resize(n);
    double decompress_s = 0;
    for (int k = 0; k < 2; ++k) {
      core::Stopwatch clock;
      kernels::decompress_shuffled(out, element, scratch_);
      const double s = clock.elapsed_s();
      decompress_s = k == 0 ? s : std::min(decompress_s, s);
    }
    probed_ = true;
    probe_s_ = whole.elapsed_s();
    since_probe_s_ = 0;
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
