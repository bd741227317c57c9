// The network optimizer: how rank 0 moves tiles to the ranks that compute them, under every
// transfer strategy, with plain MPI measured in the same rounds for comparison.
//
// Each round, from a common start:
//  - "transfer": rank 0 sends every other rank its tiles (the workload's, with halo), rank by
//    rank; the ranks receive them into buffers they keep. Delivered bytes over the end-to-end
//    time is the effective bandwidth;
//  - "transfer+compute": the same, each rank running stage A (Gaussian, Sobel) on each tile as it
//    arrives, and rank 0 on its own tiles after sending: what overlapping transfer with compute
//    buys;
//  - "mpi-ping-pong" (transfer): the same tiles bounced rank 0 -> rank r -> rank 0 with plain
//    MPI_Send/MPI_Recv, and "mpi-scatterv": all of them in one MPI_Scatterv: the bandwidth plain
//    MPI reaches on this link with these message sizes.
// Every received tile is compared, byte for byte, with the one the rank got when the workload
// was distributed (after the timed region; buffers are scrambled before every round).
//
// The link is the real one, its bandwidth measured by ping-pong at the tile size, unless
// optimizers.network.link_mbyte_per_s emulates a slower one: then every strategy paces its
// sends to that rate (the adaptive strategy decides against the same rate).
#include <malloc.h>
#include <mpi.h>

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <climits>
#include <cstring>
#include <stdexcept>

#include "nsperf/core/checksum.hpp"
#include "nsperf/core/config.hpp"
#include "nsperf/core/memory.hpp"
#include "nsperf/core/strategy.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/mpi/collective.hpp"
#include "nsperf/mpi/optimizer.hpp"
#include "nsperf/mpi/phase.hpp"
#include "nsperf/mpi/runner.hpp"
#include "nsperf/mpi/transfer.hpp"
#include "p2p.hpp"

namespace nsperf::mpi {
namespace {

// optimizers.network.link_mbyte_per_s (declared below, NSPERF_OPTIMIZER_SETTINGS).
std::int64_t link_mbyte_per_s(const OptimizerContext& ctx) {
  return ctx.config.setting<std::int64_t>("network", "link_mbyte_per_s");
}

constexpr const char* kNetworkCompute = "fused";
constexpr const char* kTransfer = "transfer";
constexpr const char* kTransferCompute = "transfer+compute";
constexpr const char* kPingPong = "mpi-ping-pong";
constexpr const char* kScatter = "mpi-scatterv";
constexpr std::byte kScramble{0xa5};

bool same_bytes(const core::Image& a, const core::Image& b) {
  return a.bytes().size() == b.bytes().size() &&
         std::memcmp(a.bytes().data(), b.bytes().data(), a.bytes().size()) == 0;
}

class NetworkOptimizer final : public Optimizer {
 public:
  [[nodiscard]] std::int64_t halo() const override { return kernels::kPipelineHalo; }

  [[nodiscard]] double bytes_per_pixel() const override {
    // Receive buffers and the scatter's (image type, at most 4 B each), stage A's float planes.
    return 24.0;
  }

  [[nodiscard]] std::int64_t work_units(const core::Config& config,
                                        std::int64_t tiles) const override {
    // Each strategy alone and with compute, and the plain-MPI references.
    const auto references =
        static_cast<std::int64_t>(core::strategy_catalog().references("network").size());
    return scheduled_units(config, 2 * strategies_of(config, "network") + references, tiles);
  }

  void run(const OptimizerContext& ctx, OptimizerOutput& out) override {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);  // as in the distributed optimizer: no timed page faults
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    const auto& names = ctx.config.optimizers.at("network").strategies;
    const int me = ctx.comm.rank();
    const int ranks = ctx.comm.size();
    const auto total_tiles = static_cast<std::int64_t>(ctx.workload.plan.tiles.size());
    if (ranks == 1) {
      if (me == 0) out.notes.push_back("network: 1 rank, no tile crosses the network; skipped");
      ctx.progress.set(ctx.units_before + work_units(ctx.config, total_tiles), "network");
      return;
    }

    std::vector<std::unique_ptr<TileTransfer>> transfers;
    run_phase(ctx.comm, "prepare", [&] { prepare(ctx, names, transfers); });
    link_ = measure_link(ctx);
    if (me == 0) {
      out.notes.push_back(
          link_mbyte_per_s(ctx) > 0
              ? "network: link emulated at " + std::to_string(link_mbyte_per_s(ctx)) +
                    " MB/s (every strategy paces its sends to it)"
              : "network: link measured by ping-pong at the tile size: " +
                    std::to_string(static_cast<long long>(link_.bytes_per_s / 1e6)) + " MB/s");
    }

    const auto first_sample = static_cast<std::ptrdiff_t>(out.samples.size());
    // Each strategy alone and with compute, then the two plain-MPI references.
    std::vector<RunEntry> entries;
    for (const auto& n : names) {
      entries.push_back({n, kTransfer});
      entries.push_back({n, kTransferCompute});
    }
    for (const auto& reference : core::strategy_catalog().references("network")) {
      if (reference.name != kPingPong && reference.name != kScatter)
        throw std::logic_error("network: reference '" + reference.name + "' has no body here");
      entries.push_back({reference.name, kTransfer});
    }
    Runner runner(ctx, "network", out);
    runner.run(entries, [&](Trial& trial) {
      const std::string& strategy = trial.name();
      const std::string& kernel = trial.entry().kernel;
      scramble();
      trial.line_up("network");  // every rank starts together
      core::Sample figures;      // what the transfer measured inside itself
      const Timing t = trial.unagreed("transfer", [&] {
        if (strategy == kPingPong) {
          ping_pong(ctx, figures);
        } else if (strategy == kScatter) {
          scatter(ctx, figures);
        } else {
          framework(ctx, *transfers[trial.index() / 2], kernel == kTransferCompute, figures);
        }
      });
      // Checked without agreeing, so that no collective runs between one transfer and the
      // next but the line-up (the runs stay as they were before the runner).
      if (trial.measured()) {
        core::Sample& s = trial.record(kernel, t);
        s.bytes = figures.bytes;
        s.transfer_s = figures.transfer_s;
        s.busy_s = figures.busy_s;
        s.wire_bytes = figures.wire_bytes;
        for (const auto& tile : ctx.workload.tiles) s.pixels += tile.rect.pixels();
        check(ctx, strategy, s);
      }
    });
    // Plain transfers first, then with compute (the summary keeps the order rank 0 gives).
    std::stable_sort(out.samples.begin() + first_sample, out.samples.end(),
                     [](const core::Sample& x, const core::Sample& y) {
                       return (x.kernel != kTransfer) < (y.kernel != kTransfer);
                     });
  }

 private:
  Link link_;
  std::unique_ptr<kernels::CpuStrategy> strategy_;
  std::vector<std::vector<core::Image>> outgoing_;  // rank 0: each peer's tiles
  std::vector<core::Image> into_;                   // peers: where their tiles arrive
  core::Image bounced_;                             // rank 0: ping-pong replies
  const core::Image* last_bounced_ = nullptr;       // rank 0: what the last reply must equal
  std::vector<std::byte> scatter_send_;             // rank 0: every peer's tiles, back to back
  std::vector<int> scatter_counts_;
  std::vector<int> scatter_displs_;
  std::vector<std::byte> scatter_recv_;
  bool scatter_fits_ = true;  // counts fit an int

  void prepare(const OptimizerContext& ctx, const std::vector<std::string>& names,
               std::vector<std::unique_ptr<TileTransfer>>& transfers) {
    for (const auto& n : names)
      transfers.push_back(transfer_strategies().at(n, "network strategy").make());
    strategy_ = kernels::cpu_strategies().at(kNetworkCompute, "cpu strategy").make({ctx.threads});
    const auto& plan = ctx.workload.plan;
    const int ranks = ctx.comm.size();
    std::size_t largest = 0;
    if (ctx.comm.rank() == 0) {
      outgoing_.assign(static_cast<std::size_t>(ranks), {});
      scatter_counts_.assign(static_cast<std::size_t>(ranks), 0);
      scatter_displs_.assign(static_cast<std::size_t>(ranks), 0);
      std::size_t offset = 0;
      for (int r = 1; r < ranks; ++r) {
        std::size_t bytes = 0;
        for (std::int64_t id : plan.tiles_of(r)) {
          const core::Rect& t = plan.tiles[static_cast<std::size_t>(id)];
          outgoing_[static_cast<std::size_t>(r)].push_back(
              core::extract_padded(ctx.workload.source, t.x, t.y, t.width, t.height, plan.halo));
          bytes += outgoing_[static_cast<std::size_t>(r)].back().bytes().size();
          largest = std::max(largest, outgoing_[static_cast<std::size_t>(r)].back().bytes().size());
        }
        scatter_fits_ = scatter_fits_ && bytes <= INT_MAX && offset <= INT_MAX;
        scatter_counts_[static_cast<std::size_t>(r)] =
            static_cast<int>(std::min<std::size_t>(bytes, INT_MAX));
        scatter_displs_[static_cast<std::size_t>(r)] =
            static_cast<int>(std::min<std::size_t>(offset, INT_MAX));
        offset += bytes;
      }
      if (scatter_fits_) {
        scatter_send_.resize(offset);
        std::size_t at = 0;
        for (const auto& peer : outgoing_) {
          for (const auto& t : peer) {
            std::memcpy(scatter_send_.data() + at, t.bytes().data(), t.bytes().size());
            at += t.bytes().size();
          }
        }
      }
      bounced_ = core::Image({1, static_cast<std::int64_t>(largest)}, core::DType::u8);
    } else {
      std::size_t bytes = 0;
      for (const auto& t : ctx.workload.tiles) {
        into_.emplace_back(t.padded.extent(), t.padded.dtype());
        bytes += t.padded.bytes().size();
        largest = std::max(largest, t.padded.bytes().size());
      }
      scatter_recv_.resize(bytes);
    }
    if (largest > p2p::kMaxMessageBytes)
      throw InputError("network: a tile of " + std::to_string(largest) +
                       " bytes is larger than one message may be (1 GiB): use a smaller --tile");
  }

  // The link's bandwidth: ping-pong rank 0 <-> rank 1 at the largest tile's size, best of 5
  // after one warm-up; or the emulated one.
  Link measure_link(const OptimizerContext& ctx) {
    Link link;
    if (link_mbyte_per_s(ctx) > 0) {
      link.bytes_per_s = static_cast<double>(link_mbyte_per_s(ctx)) * 1e6;
      link.emulated = true;
      return link;
    }
    std::size_t size = 0;
    for (const auto& t : ctx.workload.tiles) size = std::max(size, t.padded.bytes().size());
    size = bmpi::all_reduce(ctx.comm, size, bmpi::maximum<std::size_t>());
    std::vector<std::byte> buffer(std::max<std::size_t>(size, 1));
    const auto n = static_cast<int>(buffer.size());
    double best = INFINITY;
    const MPI_Comm comm = ctx.comm;
    run_phase(ctx.comm, "link", [] {});
    for (int i = 0; i < 6; ++i) {
      core::Stopwatch clock;
      if (ctx.comm.rank() == 0) {
        p2p::check(MPI_Send(buffer.data(), n, MPI_BYTE, 1, p2p::kPlain, comm), "MPI_Send");
        p2p::check(MPI_Recv(buffer.data(), n, MPI_BYTE, 1, p2p::kPlain, comm, MPI_STATUS_IGNORE),
                   "MPI_Recv");
      } else if (ctx.comm.rank() == 1) {
        p2p::check(MPI_Recv(buffer.data(), n, MPI_BYTE, 0, p2p::kPlain, comm, MPI_STATUS_IGNORE),
                   "MPI_Recv");
        p2p::check(MPI_Send(buffer.data(), n, MPI_BYTE, 0, p2p::kPlain, comm), "MPI_Send");
      }
      if (i > 0) best = std::min(best, clock.elapsed_s());
    }
    double rate = ctx.comm.rank() == 0 ? 2.0 * static_cast<double>(n) / best : 0.0;
    bmpi::broadcast(ctx.comm, rate, 0);
    link.bytes_per_s = rate;
    return link;
  }

  void scramble() {
    // std::ranges::fill, not memset: a rank without tiles has empty (null) buffers.
    for (auto& t : into_) std::ranges::fill(t.bytes(), kScramble);
    std::ranges::fill(scatter_recv_, kScramble);
    std::ranges::fill(bounced_.bytes(), kScramble);
  }

  // Stage A on a tile as it arrives (the plan's halo may exceed the pipeline's).
  void compute(const OptimizerContext& ctx, const core::Image& padded, const core::Rect& rect,
               core::Sample& s) {
    NSPERF_REGION("compute");
    core::Stopwatch clock;
    const std::int64_t extra = ctx.workload.plan.halo - kernels::kPipelineHalo;
    kernels::TileWork<float> work(
        extra == 0
            ? padded
            : core::extract_padded(padded, extra, extra, rect.width + 2 * kernels::kPipelineHalo,
                                   rect.height + 2 * kernels::kPipelineHalo, 0),
        rect, ctx.workload.image.extent);
    strategy_->stage_a(work);
    s.busy_s += clock.elapsed_s();
  }

  void framework(const OptimizerContext& ctx, TileTransfer& transfer, bool with_compute,
                 core::Sample& s) {
    const MPI_Comm comm = ctx.comm;
    s.transfer_s = 0;
    s.busy_s = with_compute ? 0 : -1;
    if (ctx.comm.rank() == 0) {
      core::Stopwatch clock;
      {
        NSPERF_MPI_REGION("send");
        for (int r = 1; r < ctx.comm.size(); ++r)
          transfer.send(comm, r, outgoing_[static_cast<std::size_t>(r)], link_);
      }
      s.transfer_s = clock.elapsed_s();
      s.wire_bytes = 0;
      if (with_compute) {
        for (const auto& t : ctx.workload.tiles) compute(ctx, t.padded, t.rect, s);
      }
      return;
    }
    NSPERF_MPI_REGION("receive");  // stage A on arriving tiles is a code region inside it
    const auto received = transfer.receive(comm, into_, [&](std::size_t i) {
      if (with_compute) compute(ctx, into_[i], ctx.workload.tiles[i].rect, s);
    });
    s.transfer_s = received.transfer_s;
    s.wire_bytes = received.wire_bytes;
    for (const auto& t : into_) s.bytes += static_cast<std::int64_t>(t.bytes().size());
  }

  // Every peer's tiles bounced off it, one message at a time, plain MPI.
  void ping_pong(const OptimizerContext& ctx, core::Sample& s) {
    NSPERF_MPI_REGION("ping-pong");
    const MPI_Comm comm = ctx.comm;
    core::Stopwatch clock;
    if (ctx.comm.rank() == 0) {
      last_bounced_ = nullptr;
      for (int r = 1; r < ctx.comm.size(); ++r) {
        for (const auto& t : outgoing_[static_cast<std::size_t>(r)]) {
          const auto bytes = t.bytes();
          const int n = static_cast<int>(bytes.size());
          p2p::check(MPI_Send(bytes.data(), n, MPI_BYTE, r, p2p::kPlain, comm), "MPI_Send");
          p2p::check(MPI_Recv(bounced_.bytes().data(), n, MPI_BYTE, r, p2p::kPlain, comm,
                              MPI_STATUS_IGNORE),
                     "MPI_Recv");
          s.bytes += n;
          last_bounced_ = &t;
        }
      }
    } else {
      for (auto& t : into_) {
        const auto bytes = t.bytes();
        const int n = static_cast<int>(bytes.size());
        p2p::check(MPI_Recv(bytes.data(), n, MPI_BYTE, 0, p2p::kPlain, comm, MPI_STATUS_IGNORE),
                   "MPI_Recv");
        p2p::check(MPI_Send(bytes.data(), n, MPI_BYTE, 0, p2p::kPlain, comm), "MPI_Send");
        s.bytes += n;
      }
    }
    s.transfer_s = clock.elapsed_s();
    s.wire_bytes = s.bytes;
  }

  // Every peer's tiles in one MPI_Scatterv.
  void scatter(const OptimizerContext& ctx, core::Sample& s) {
    if (!scatter_fits_) return;  // said in check()
    NSPERF_MPI_REGION("MPI_Scatterv");
    core::Stopwatch clock;
    const int mine = static_cast<int>(scatter_recv_.size());
    p2p::check(MPI_Scatterv(scatter_send_.data(), scatter_counts_.data(), scatter_displs_.data(),
                            MPI_BYTE, ctx.comm.rank() == 0 ? MPI_IN_PLACE : scatter_recv_.data(),
                            mine, MPI_BYTE, 0, ctx.comm),
               "MPI_Scatterv");
    s.transfer_s = clock.elapsed_s();
    s.bytes = ctx.comm.rank() == 0 ? 0 : mine;
    s.wire_bytes = s.bytes;
  }

  // After the timed region: what arrived is what the workload's distribution delivered.
  void check(const OptimizerContext& ctx, const std::string& strategy, core::Sample& s) const {
    s.check = core::CheckStatus::passed;
    s.differing = 0;
    const auto& tiles = ctx.workload.tiles;
    if (ctx.comm.rank() == 0) {
      // Nothing but the messages is timed: rank 0 checks the last reply afterwards (the peers
      // check every tile they received).
      if (strategy == kPingPong && last_bounced_ != nullptr &&
          std::memcmp(bounced_.bytes().data(), last_bounced_->bytes().data(),
                      last_bounced_->bytes().size()) != 0) {
        s.check = core::CheckStatus::failed;
        s.differing = 1;
      }
      if (strategy == kScatter && !scatter_fits_) s.check = core::CheckStatus::not_checked;
      return;
    }
    std::size_t at = 0;
    for (std::size_t i = 0; i < tiles.size(); ++i) {
      const auto want = tiles[i].padded.bytes();
      bool same = false;
      if (strategy == kScatter) {
        same =
            scatter_fits_ && std::memcmp(scatter_recv_.data() + at, want.data(), want.size()) == 0;
        at += want.size();
      } else {
        same = same_bytes(into_[i], tiles[i].padded);
      }
      if (!same) ++s.differing;
    }
    if (s.differing > 0) s.check = core::CheckStatus::failed;
    if (strategy == kScatter && !scatter_fits_) s.check = core::CheckStatus::not_checked;
  }
};

}  // namespace

// Plain MPI measured beside the transfer strategies, on the same tiles in the same rounds.
NSPERF_REGISTER_REFERENCE(network, PingPong, kPingPong,
                          "the tiles bounced rank 0 -> rank r -> rank 0 with plain "
                          "MPI_Send/MPI_Recv (reference)")
NSPERF_REGISTER_REFERENCE(network, Scatterv, kScatter,
                          "every rank's tiles in one MPI_Scatterv (reference)")

NSPERF_OPTIMIZER_SETTINGS(network,
                          {{"link_mbyte_per_s",
                            core::KeyType::integer,
                            0,
                            0,
                            1 << 30,
                            {},
                            "Emulated link speed in MB/s: every strategy paces its sends to it, "
                            "to study a slower network than the one the job runs on; 0 = the "
                            "real link, as measured."}})
NSPERF_REGISTER_OPTIMIZER(
    NetworkOptimizer, "network",
    "tile transfer strategies (nonblocking, persistent, compressed, adaptive) against blocking "
    "MPI_Send/MPI_Recv, with plain MPI ping-pong and scatter measured alongside")

}  // namespace nsperf::mpi
