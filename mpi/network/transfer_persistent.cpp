// persistent: MPI_Send_init / MPI_Recv_init once per peer and tile buffer, then MPI_Start and
// MPI_Wait in every run: the library sets a transfer up once, not per message. Double-buffered
// like nonblocking.
#include <map>
#include <utility>

#include "nsperf/core/error.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/mpi/transfer.hpp"
#include "p2p.hpp"

namespace nsperf::mpi {
namespace {

class Persistent final : public TileTransfer {
 public:
  Persistent() = default;
  Persistent(const Persistent&) = delete;
  Persistent& operator=(const Persistent&) = delete;
  ~Persistent() override {
    for (auto& [key, r] : requests_) MPI_Request_free(&r);
  }

  void send(MPI_Comm comm, int dest, std::span<const core::Image> tiles,
            const Link& link) override {
    std::vector<MPI_Request*> started;
    for (std::size_t i = 0; i < tiles.size(); ++i) {
      if (i >= p2p::kInFlight) wait(*started[i - p2p::kInFlight]);
      const auto bytes = tiles[i].bytes();
      MPI_Request& r = request(comm, dest, bytes.data(), bytes.size(), true);
      core::Stopwatch clock;
      p2p::check(MPI_Start(&r), "MPI_Start");
      started.push_back(&r);
      pace(link, bytes.size(), clock.elapsed_s());
    }
    for (std::size_t i = started.size() > p2p::kInFlight ? started.size() - p2p::kInFlight : 0;
         i < started.size(); ++i)
      wait(*started[i]);
  }

  Received receive(MPI_Comm comm, std::span<core::Image> into,
                   const std::function<void(std::size_t)>& ready) override {
    Received r;
    std::vector<MPI_Request*> requests(into.size(), nullptr);
    auto start = [&](std::size_t i) {
      if (i >= into.size()) return;
      const auto bytes = into[i].bytes();
      requests[i] = &request(comm, 0, bytes.data(), bytes.size(), false);
      p2p::check(MPI_Start(requests[i]), "MPI_Start");
    };
    for (std::size_t i = 0; i < p2p::kInFlight; ++i) start(i);
    for (std::size_t i = 0; i < into.size(); ++i) {
      core::Stopwatch clock;
      wait(*requests[i]);
      start(i + p2p::kInFlight);
      r.transfer_s += clock.elapsed_s();
      r.wire_bytes += static_cast<std::int64_t>(into[i].bytes().size());
      ready(i);
    }
    return r;
  }

 private:
  // Requests by peer and buffer, made on first use and reused in every later run.
  std::map<std::pair<int, const void*>, MPI_Request> requests_;

  static void wait(MPI_Request& r) { p2p::check(MPI_Wait(&r, MPI_STATUS_IGNORE), "MPI_Wait"); }

  MPI_Request& request(MPI_Comm comm, int peer, const std::byte* data, std::size_t size,
                       bool send) {
    auto [it, added] = requests_.try_emplace({peer, data}, MPI_REQUEST_NULL);
    if (!added) return it->second;
    if (size > p2p::kMaxMessageBytes)
      throw InputError("network: a tile of " + std::to_string(size) +
                       " bytes is larger than one message may be (1 GiB): use a smaller --tile");
    const int n = static_cast<int>(size);
    auto* buffer = const_cast<std::byte*>(data);  // MPI_Recv_init needs a mutable buffer
    if (send) {
      p2p::check(MPI_Send_init(buffer, n, MPI_BYTE, peer, p2p::kNetPixels, comm, &it->second),
                 "MPI_Send_init");
    } else {
      p2p::check(MPI_Recv_init(buffer, n, MPI_BYTE, peer, p2p::kNetPixels, comm, &it->second),
                 "MPI_Recv_init");
    }
    return it->second;
  }
};

}  // namespace

NSPERF_REGISTER_TRANSFER(Persistent, "persistent",
                         "MPI_Send_init/MPI_Recv_init once per peer and buffer, reused in every "
                         "run; double-buffered",
                         false, balanced)

}  // namespace nsperf::mpi
