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
//  - the plain-MPI references (transfer), the same messages with the OSU micro-benchmarks'
//    methods (plain_mpi.hpp): "mpi-stream" streams the tiles as osu_bw does (windows of
//    MPI_Isend, one ack) and "mpi-ping-pong" bounces each one rank 0 -> rank r -> rank 0 as
//    osu_latency does, both over the distinct tiles (nsperf's access pattern); "mpi-stream-1buf"
//    and "mpi-ping-pong-1buf" send the same number of messages of the same sizes from one
//    reused buffer into one (OSU's own method: the MPI library's figure, the bytes in cache);
//    "mpi-scatterv" sends all of them in one MPI_Scatterv. A ping-pong's bytes count both ways,
//    so its GB/s is the message size over the one-way latency, as OSU derives it.
// Every received tile is compared, byte for byte, with the one the rank got when the workload
// was distributed (the one-buffer references: with the pattern rank 0 sent), after the timed
// region; buffers are scrambled before every round.
//
// With optimizers.network.sizes (--sizes), rank 0 and rank 1 also sweep message sizes with the
// one-buffer methods (size_sweep.cpp), OSU's table with the tile's size in it. Where rank 1
// runs on another node, rank 0's time in MPI calls per byte it streams to rank 1 while both
// compute (send_cost.cpp): the processor's part of the transport, which whatif charges.
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
#include "nsperf/core/statistics.hpp"
#include "nsperf/core/strategy.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/mpi/collective.hpp"
#include "nsperf/mpi/optimizer.hpp"
#include "nsperf/mpi/phase.hpp"
#include "nsperf/mpi/runner.hpp"
#include "nsperf/mpi/transfer.hpp"
#include "p2p.hpp"
#include "plain_mpi.hpp"

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
constexpr const char* kPingPongOne = "mpi-ping-pong-1buf";
constexpr const char* kStream = "mpi-stream";
constexpr const char* kStreamOne = "mpi-stream-1buf";
constexpr const char* kScatter = "mpi-scatterv";
constexpr std::byte kNetworkScramble{0xa5};

// optimizers.network.sizes: the sweep's sizes, none when "".
std::vector<std::int64_t> sweep_sizes(const core::Config& config) {
  const auto text = config.setting<std::string>("network", "sizes");
  if (text.empty()) return {};
  return core::parse_byte_sizes(text, std::int64_t{1} << 30);
}

// What the one-buffer references send: byte i of every message is pattern_byte(i), so a
// peer knows what it must have received without rank 0's buffer.
std::byte pattern_byte(std::size_t i) { return static_cast<std::byte>((i * 131 + 7) & 0xff); }

void fill_pattern(std::span<std::byte> bytes) {
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = pattern_byte(i);
}

// Progress units of the sweep: a unit per size and round, the tile's size counted among them
// (the sweep adds it when the list does not hold it; progress ends at the total either way).
std::int64_t sweep_units(const core::Config& config) {
  const auto sizes = static_cast<std::int64_t>(sweep_sizes(config).size());
  return sizes == 0 ? 0 : (sizes + 1) * (config.benchmark.warmup + config.benchmark.repetitions);
}

bool has_pattern(std::span<const std::byte> bytes) {
  for (std::size_t i = 0; i < bytes.size(); ++i)
    if (bytes[i] != pattern_byte(i)) return false;
  return true;
}

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
    // Each strategy alone and with compute, the plain-MPI references, and one unit per size
    // and round of the sweep.
    const auto references =
        static_cast<std::int64_t>(core::strategy_catalog().references("network").size());
    return scheduled_units(config, 2 * strategies_of(config, "network") + references, tiles) +
           sweep_units(config);
  }

  void run(const OptimizerContext& ctx, OptimizerOutput& out) override {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);  // as in the distributed optimizer: no timed page faults
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    const auto& names = ctx.config.optimizers.at("network").strategies;
    const int me = ctx.comm.rank();
    const int ranks = ctx.comm.size();
    const auto total_tiles = static_cast<std::int64_t>(ctx.workload.plan.tiles.size());
    if (ranks == 1) {
      if (me == 0) {
        out.notes.push_back(
            std::string("network: 1 rank, no tile crosses the network; skipped") +
            (sweep_sizes(ctx.config).empty() ? "" : " (the message-size sweep too)") +
            (ctx.config.setting<bool>("network", "shared_core") ? " (the shared-core probe too)"
                                                                : ""));
      }
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
              : "network: link measured by ping-pong at the tile size, one buffer (the size "
                "over half the median round trip, as osu_latency): " +
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
      if (reference.name != kPingPong && reference.name != kPingPongOne &&
          reference.name != kStream && reference.name != kStreamOne && reference.name != kScatter)
        throw std::logic_error("network: reference '" + reference.name + "' has no body here");
      entries.push_back({reference.name, kTransfer});
    }
    Runner runner(ctx, "network", out);
    runner.run(entries, [&](Trial& trial) {
      const std::string& strategy = trial.name();
      const std::string& kernel = trial.entry().kernel;
      scramble();
      if (strategy == kPingPongOne || strategy == kStreamOne) warm_up(ctx, strategy);
      trial.line_up("network");  // every rank starts together
      core::Sample figures;      // what the transfer measured inside itself
      const Timing t = trial.unagreed("transfer", [&] {
        if (strategy == kPingPong || strategy == kPingPongOne) {
          ping_pong(ctx, strategy == kPingPongOne, figures);
        } else if (strategy == kStream || strategy == kStreamOne) {
          stream(ctx, strategy == kStreamOne, figures);
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
    if (me == 0) add_latency_notes(out, first_sample);
    sweep(ctx, out);
    probe_sending(ctx, out);
    probe_shared_core(ctx, out);
  }

 private:
  Link link_;
  std::unique_ptr<kernels::CpuStrategy> strategy_;
  std::vector<std::vector<core::Image>> outgoing_;  // rank 0: each peer's tiles
  std::vector<core::Image> into_;                   // peers: where their tiles arrive
  core::Image bounced_;                             // rank 0: ping-pong replies
  std::span<const std::byte> last_bounced_;         // rank 0: what the last reply must equal
  // The messages of the references, as views: each peer's tiles (rank 0), the tiles' buffers
  // (peers), and the same sizes in one buffer (filled with pattern_byte) on either side.
  std::vector<std::vector<std::span<const std::byte>>> tiles_to_;
  std::vector<std::vector<std::span<const std::byte>>> one_to_;
  std::vector<std::span<std::byte>> tiles_in_;
  std::vector<std::span<std::byte>> one_in_;
  std::vector<std::span<const std::byte>> tiles_back_;  // peers: each tile as it arrived
  std::vector<std::span<const std::byte>> one_back_;    // peers: one_reply_ at each size
  std::vector<std::byte> one_send_;      // rank 0, never written after the fill (as OSU's)
  std::vector<std::byte> one_recv_;      // peers
  std::vector<std::byte> one_reply_;     // peers: the ping-pong's answers, never written either
  std::vector<std::byte> scatter_send_;  // rank 0: every peer's tiles, back to back
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
      one_send_.resize(largest);
      fill_pattern(one_send_);
      tiles_to_.assign(static_cast<std::size_t>(ranks), {});
      one_to_.assign(static_cast<std::size_t>(ranks), {});
      for (int r = 1; r < ranks; ++r) {
        const auto peer = static_cast<std::size_t>(r);
        for (const auto& t : outgoing_[peer]) {
          tiles_to_[peer].push_back(t.bytes());
          one_to_[peer].push_back(std::span<const std::byte>(one_send_).first(t.bytes().size()));
        }
      }
    } else {
      std::size_t bytes = 0;
      for (const auto& t : ctx.workload.tiles) {
        into_.emplace_back(t.padded.extent(), t.padded.dtype());
        bytes += t.padded.bytes().size();
        largest = std::max(largest, t.padded.bytes().size());
      }
      scatter_recv_.resize(bytes);
      one_recv_.resize(largest);
      one_reply_.resize(largest);
      fill_pattern(one_reply_);
      for (auto& t : into_) {
        tiles_in_.push_back(t.bytes());
        tiles_back_.push_back(t.bytes());
        one_in_.push_back(std::span<std::byte>(one_recv_).first(t.bytes().size()));
        one_back_.push_back(std::span<const std::byte>(one_reply_).first(t.bytes().size()));
      }
    }
    if (largest > p2p::kMaxMessageBytes)
      throw InputError("network: a tile of " + std::to_string(largest) +
                       " bytes is larger than one message may be (1 GiB): use a smaller --tile");
  }

  // The link's bandwidth: ping-pong rank 0 <-> rank 1 at the largest tile's size from one
  // buffer, osu_latency's method (10 round trips of warm-up, then the median of 50, the size
  // over half a round trip); or the emulated one.
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
    size = std::max<std::size_t>(size, 1);
    std::vector<std::byte> send(size, std::byte{1});  // touched: first touch is not the link
    std::vector<std::byte> back(size, std::byte{0});
    const std::vector<std::span<const std::byte>> to(1, send);
    const std::vector<std::span<std::byte>> in(1, back);
    const int me = ctx.comm.rank();
    std::vector<double> round;
    run_phase(ctx.comm, "link", [] {});
    for (int i = 0; i < 60; ++i) {
      core::Stopwatch clock;
      if (me == 0) plain::ping_pong_send(ctx.comm, 1, to, back);
      if (me == 1) plain::ping_pong_echo(ctx.comm, in, to);
      if (i >= 10) round.push_back(clock.elapsed_s());
    }
    double rate = me == 0 ? 2.0 * static_cast<double>(size) / core::median(round) : 0.0;
    bmpi::broadcast(ctx.comm, rate, 0);
    link.bytes_per_s = rate;
    return link;
  }

  void scramble() {
    // std::ranges::fill, not memset: a rank without tiles has empty (null) buffers.
    for (auto& t : into_) std::ranges::fill(t.bytes(), kNetworkScramble);
    std::ranges::fill(scatter_recv_, kNetworkScramble);
    std::ranges::fill(bounced_.bytes(), kNetworkScramble);
    std::ranges::fill(one_recv_, kNetworkScramble);
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

  // Every peer's messages bounced off it, one at a time (osu_latency's method): its tiles, or
  // their sizes from one buffer. Each side counts what it received.
  void ping_pong(const OptimizerContext& ctx, bool one_buffer, core::Sample& s) {
    NSPERF_MPI_REGION(one_buffer ? "ping-pong-1buf" : "ping-pong");
    const MPI_Comm comm = ctx.comm;
    core::Stopwatch clock;
    if (ctx.comm.rank() == 0) {
      last_bounced_ = {};
      for (int r = 1; r < ctx.comm.size(); ++r) {
        const auto& messages = (one_buffer ? one_to_ : tiles_to_)[static_cast<std::size_t>(r)];
        plain::ping_pong_send(comm, r, messages, bounced_.bytes());
        if (!messages.empty()) last_bounced_ = messages.back();
      }
    } else {
      // The tiles go back as they arrived; the one-buffer reference answers from its own.
      plain::ping_pong_echo(comm, one_buffer ? one_in_ : tiles_in_,
                            one_buffer ? one_back_ : tiles_back_);
    }
    s.transfer_s = clock.elapsed_s();
    s.bytes = ctx.comm.rank() == 0 ? total_bytes(tiles_to_) : total_bytes(tiles_in_);
    s.wire_bytes = s.bytes;
  }

  // Every peer's messages streamed to it (osu_bw's method): its tiles into their buffers, or
  // their sizes from one buffer into one.
  void stream(const OptimizerContext& ctx, bool one_buffer, core::Sample& s) {
    NSPERF_MPI_REGION(one_buffer ? "stream-1buf" : "stream");
    const MPI_Comm comm = ctx.comm;
    core::Stopwatch clock;
    if (ctx.comm.rank() == 0) {
      for (int r = 1; r < ctx.comm.size(); ++r)
        plain::stream_send(comm, r,
                           (one_buffer ? one_to_ : tiles_to_)[static_cast<std::size_t>(r)]);
    } else {
      plain::stream_receive(comm, one_buffer ? one_in_ : tiles_in_);
    }
    s.transfer_s = clock.elapsed_s();
    s.bytes = ctx.comm.rank() == 0 ? 0 : total_bytes(tiles_in_);
    s.wire_bytes = s.bytes;
  }

  // Before a one-buffer reference's timed run, untimed: a few of its messages, as OSU's skipped
  // iterations, so that the buffers and the library's state are warm as in osu_latency and
  // osu_bw (the distinct-tile references measure the tiles as the strategies meet them, cold).
  void warm_up(const OptimizerContext& ctx, const std::string& strategy) {
    constexpr std::size_t kWarm = 4;
    const MPI_Comm comm = ctx.comm;
    if (ctx.comm.rank() == 0) {
      for (int r = 1; r < ctx.comm.size(); ++r) {
        const auto& all = one_to_[static_cast<std::size_t>(r)];
        const auto some = std::span(all).first(std::min(kWarm, all.size()));
        if (strategy == kPingPongOne) {
          plain::ping_pong_send(comm, r, some, bounced_.bytes());  // replaced by the timed run
        } else {
          plain::stream_send(comm, r, some);
        }
      }
      return;
    }
    const auto some = std::span(one_in_).first(std::min(kWarm, one_in_.size()));
    if (strategy == kPingPongOne) {
      plain::ping_pong_echo(comm, some, std::span(one_back_).first(some.size()));
    } else {
      plain::stream_receive(comm, some);
    }
  }

  template <class Span>
  static std::int64_t total_bytes(const std::vector<Span>& messages) {
    std::int64_t n = 0;
    for (const auto& m : messages) n += static_cast<std::int64_t>(m.size());
    return n;
  }
  template <class Span>
  static std::int64_t total_bytes(const std::vector<std::vector<Span>>& peers) {
    std::int64_t n = 0;
    for (const auto& p : peers) n += total_bytes(p);
    return n;
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

  // After the timed region: what arrived is what the workload's distribution delivered (the
  // one-buffer references: the pattern rank 0 sent, in the last message).
  void check(const OptimizerContext& ctx, const std::string& strategy, core::Sample& s) const {
    s.check = core::CheckStatus::passed;
    s.differing = 0;
    const bool one_buffer = strategy == kPingPongOne || strategy == kStreamOne;
    if (strategy == kScatter && !scatter_fits_) {
      s.check = core::CheckStatus::not_checked;
      return;
    }
    if (ctx.comm.rank() == 0) {
      // Nothing but the messages is timed: rank 0 checks the last reply afterwards (the peers
      // check every tile they received).
      const bool bounced = strategy == kPingPong || strategy == kPingPongOne;
      if (bounced && !last_bounced_.empty()) {
        const auto reply = std::span<const std::byte>(bounced_.bytes()).first(last_bounced_.size());
        const bool same = one_buffer
                              ? has_pattern(reply)
                              : std::memcmp(reply.data(), last_bounced_.data(), reply.size()) == 0;
        s.differing = same ? 0 : 1;
      }
    } else if (one_buffer) {
      s.differing = one_in_.empty() || has_pattern(one_in_.back()) ? 0 : 1;
    } else {
      const auto& tiles = ctx.workload.tiles;
      std::size_t at = 0;
      for (std::size_t i = 0; i < tiles.size(); ++i) {
        const auto want = tiles[i].padded.bytes();
        bool same = false;
        if (strategy == kScatter) {
          same = std::memcmp(scatter_recv_.data() + at, want.data(), want.size()) == 0;
          at += want.size();
        } else {
          same = same_bytes(into_[i], tiles[i].padded);
        }
        if (!same) ++s.differing;
      }
    }
    if (s.differing > 0) s.check = core::CheckStatus::failed;
  }

  // Rank 0: the ping-pong references' one-way latency per message, the figure osu_latency
  // prints: its own round-trip time, median over the repetitions, / 2 / messages.
  void add_latency_notes(OptimizerOutput& out, std::ptrdiff_t first_sample) const {
    std::size_t count = 0;
    for (const auto& peer : tiles_to_) count += peer.size();
    if (count == 0) return;
    const auto messages = static_cast<double>(count);
    std::string text;
    for (const char* name : {kPingPongOne, kPingPong}) {
      std::vector<double> round;
      for (auto it = out.samples.begin() + first_sample; it != out.samples.end(); ++it)
        if (it->strategy == name && it->transfer_s > 0) round.push_back(it->transfer_s);
      if (round.empty()) continue;
      text += std::string(text.empty() ? "" : ", ") +
              core::format_number(core::median(round) / messages / 2 * 1e6, 3) + " us (" + name +
              (name == kPingPongOne ? ", osu_latency's method" : ", the tiles") + ")";
    }
    if (!text.empty()) {
      out.notes.push_back(
          "network: one-way latency per message of the tile's size, half a round "
          "trip as osu_latency prints it: " +
          text);
    }
  }

  // Where rank 1 runs on another node: rank 0's time in MPI calls per byte it streams to rank 1
  // while both compute stage A on the tiles (send_cost.cpp), which whatif charges rank 0 for
  // the tiles it sends between nodes; 5 rounds of at least 64 of rank 1's tiles (at most 64
  // MiB), about 0.1 s at the synthetic default.
  void probe_sending(const OptimizerContext& ctx, OptimizerOutput& out) {
    const bool zero = ctx.comm.rank() == 0;
    std::vector<core::Rect> rects;  // the tiles' own rectangles, for stage A
    if (zero && ctx.comm.size() > 1)
      for (std::int64_t id : ctx.workload.plan.tiles_of(1))
        rects.push_back(ctx.workload.plan.tiles[static_cast<std::size_t>(id)]);
    const std::span<const std::span<const std::byte>> to_one =
        zero && tiles_to_.size() > 1 ? std::span<const std::span<const std::byte>>(tiles_to_[1])
                                     : std::span<const std::span<const std::byte>>();
    const std::span<const std::span<std::byte>> into =
        zero ? std::span<const std::span<std::byte>>() : tiles_in_;
    core::Sample scratch;
    plain::SendCost figures;
    run_collective(ctx.comm, "sending", [&] {
      NSPERF_MPI_REGION("sending");
      figures = plain::send_cost(ctx.comm, to_one, into, 5, [&](std::size_t i) {
        if (zero) {
          compute(ctx, outgoing_[1][i], rects[i], scratch);
        } else {
          compute(ctx, into_[i], ctx.workload.tiles[i].rect, scratch);
        }
      });
    });
    if (!zero) return;
    if (figures.rounds == 0) {
      out.notes.push_back("network: sending probe not measured: " + figures.skipped);
      return;
    }
    out.sending_s_per_byte = figures.s_per_byte;
    out.notes.push_back("network: rank 0 sending " + std::to_string(figures.messages) +
                        " tiles a round to rank 1 on another node while both compute (medians of " +
                        std::to_string(figures.rounds) +
                        " rounds): " + core::format_number(figures.s_per_byte * 1e9, 3) +
                        " ns a byte inside its MPI calls (sending_ns_per_byte)");
  }

  // optimizers.network.shared_core: what a yielding MPI call costs on a core rank 0 and rank 1
  // share (shared_core.cpp), after the sweep; 5 rounds, about 0.4 s.
  static void probe_shared_core(const OptimizerContext& ctx, OptimizerOutput& out) {
    if (!ctx.config.setting<bool>("network", "shared_core")) return;
    plain::SharedCore figures;
    run_collective(ctx.comm, "shared-core", [&] {
      NSPERF_MPI_REGION("shared core");
      figures = plain::shared_core(ctx.comm, 5);
    });
    if (ctx.comm.rank() != 0) return;
    if (figures.rounds == 0) {
      out.notes.push_back("network: shared-core probe not measured: " + figures.skipped);
      return;
    }
    out.handover_waiting_s = figures.waiting_s;
    out.handover_computing_s = figures.computing_s;
    out.handover_slice_s = figures.slice_s;
    out.notes.push_back(
        "network: an MPI call that yields a core shared by ranks 0 and 1 (CPU " +
        std::to_string(figures.cpu) + ", medians of " + std::to_string(figures.rounds) +
        " rounds): " + core::format_number(figures.waiting_s * 1e6, 3) +
        " us with the other rank waiting in MPI, " +
        core::format_number(figures.computing_s * 1e6, 3) +
        " us with it computing; a rank waiting there while the other computes without a call "
        "gets the core after " +
        core::format_number(figures.slice_s * 1e3, 3) + " ms on average");
  }

  // optimizers.network.sizes: OSU's table between rank 0 and rank 1, after the rounds.
  void sweep(const OptimizerContext& ctx, OptimizerOutput& out) {
    const auto sizes = sweep_sizes(ctx.config);
    if (sizes.empty()) return;
    std::size_t tile = 0;
    for (const auto& t : ctx.workload.tiles) tile = std::max(tile, t.padded.bytes().size());
    tile = bmpi::all_reduce(ctx.comm, tile, bmpi::maximum<std::size_t>());
    const std::int64_t end =
        ctx.units_before +
        work_units(ctx.config, static_cast<std::int64_t>(ctx.workload.plan.tiles.size()));
    const std::int64_t before = end - sweep_units(ctx.config);
    std::vector<core::MessageSize> rows;
    run_collective(ctx.comm, "sizes", [&] {
      NSPERF_MPI_REGION("message sizes");
      rows = plain::sweep(ctx.comm, sizes, static_cast<std::int64_t>(tile),
                          ctx.config.benchmark.repetitions, ctx.config.benchmark.warmup,
                          [&](std::int64_t done, std::int64_t) {
                            ctx.progress.set(before + done, "network message sizes");
                          });
    });
    ctx.progress.set(end, "network");
    if (ctx.comm.rank() == 0) out.message_sizes = std::move(rows);
  }
};

}  // namespace

// Plain MPI measured beside the transfer strategies, the same messages in the same rounds.
NSPERF_REGISTER_REFERENCE(network, PingPong, kPingPong,
                          "the tiles bounced rank 0 -> rank r -> rank 0 with plain "
                          "MPI_Send/MPI_Recv, osu_latency's method over nsperf's distinct tiles; "
                          "bytes count both ways (reference)")
NSPERF_REGISTER_REFERENCE(network, PingPongOne, kPingPongOne,
                          "as mpi-ping-pong, the same sizes from one reused buffer into one: "
                          "osu_latency's own method, the MPI library's figure (reference)")
NSPERF_REGISTER_REFERENCE(network, Stream, kStream,
                          "the tiles streamed with plain MPI_Isend/MPI_Irecv in windows of 64, "
                          "then an ack: osu_bw's method over nsperf's distinct tiles (reference)")
NSPERF_REGISTER_REFERENCE(network, StreamOne, kStreamOne,
                          "as mpi-stream, the same sizes from one reused buffer into one: "
                          "osu_bw's own method, the MPI library's figure (reference)")
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
                            "real link, as measured."},
                           {"sizes",
                            core::KeyType::byte_sizes,
                            "",
                            0,
                            0,
                            {},
                            "Message sizes rank 0 and rank 1 also sweep, with osu_latency's and "
                            "osu_bw's methods (one reused buffer), the tile's size among them: "
                            "MIN:MAX for the powers of two between (8:4M) or a list (1K,64K,4M); "
                            "\"\" = no sweep. One row per size in the run's message_sizes "
                            "table."},
                           {"shared_core",
                            core::KeyType::boolean,
                            false,
                            0,
                            0,
                            {},
                            "Also measure what an MPI call that yields the processor costs on a "
                            "core two ranks share (ranks 0 and 1 pinned to rank 0's first CPU "
                            "for about 0.4 s; a run of 2 ranks on one node): with the other rank "
                            "waiting, and computing; and how long a rank waiting there gets no "
                            "turn while the other computes without a call. Run attributes "
                            "handover_waiting_s, handover_computing_s and handover_slice_s, "
                            "which nsperf whatif charges on nodes with more ranks than cores."}})
NSPERF_REGISTER_OPTIMIZER(
    NetworkOptimizer, "network",
    "tile transfer strategies (nonblocking, persistent, compressed, adaptive) against blocking "
    "MPI_Send/MPI_Recv, with plain MPI streaming, ping-pong (OSU's methods, over the tiles and "
    "over one buffer) and scatter measured alongside")

}  // namespace nsperf::mpi
