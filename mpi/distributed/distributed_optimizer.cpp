// The distributed optimizer: the whole pipeline over the image's tiles, shared out among the
// ranks by each partitioner, from rank 0, which holds the image.
//
// A repetition, on every rank from a common start:
//  1. stage A (Gaussian, Sobel) on the tiles the partitioner gives this rank, which rank 0 cuts
//     out of the image and sends (static: all at once, up front; self-scheduled: a chunk per
//     request). Tiles with no signal (every pixel of the padded tile equal) are skipped: their
//     gradient is exactly 0, so they are all background whatever the threshold;
//  2. the global maximum and histogram (collective), Otsu's threshold;
//  3. stage B (mask, opening) on the same tiles.
// Each rank's time is split into busy (computing), idle (waiting for work, for a peer, or in the
// reductions for slower ranks), transfer (in sends and receives of pixels) and I/O (cutting
// tiles out of the image). Every tile's opened mask must equal, bit for bit, the one the same
// CPU strategy computes with the workload's own static distribution and no skipping (the cpu
// optimizer checks that one against the double-precision reference).
//
// Failures between the first message and the last are not agreed (a peer may be blocked in a
// receive): they end the job through main's MPI_Abort (see phase.hpp).
#include <malloc.h>
#include <mpi.h>

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <cstring>
#include <map>
#include <optional>
#include <tuple>

#include "busy_cores.hpp"
#include "nsperf/core/checksum.hpp"
#include "nsperf/core/config.hpp"
#include "nsperf/core/memory.hpp"
#include "nsperf/core/statistics.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/mpi/collective.hpp"
#include "nsperf/mpi/optimizer.hpp"
#include "nsperf/mpi/partitioner.hpp"
#include "nsperf/mpi/phase.hpp"
#include "nsperf/mpi/runner.hpp"
#include "p2p.hpp"
#include "serialization.hpp"

namespace nsperf::mpi {
namespace {

using kernels::TileWork;

// The CPU strategy every partitioner runs, so that only the partitioning differs.
constexpr const char* kDistributedCompute = "fused";

// True when every pixel of `padded` is the same: the tile carries no signal.
// Compares 8 bytes at a time against the first pixel repeated: a scan at memory speed, a
// small fraction of what computing the tile costs.
bool no_signal(const core::Image& padded) {
  const auto bytes = padded.bytes();
  const std::size_t n = core::dtype_size(padded.dtype());
  if (bytes.size() < n) return true;
  std::uint64_t pattern = 0;
  for (std::size_t i = 0; i < sizeof pattern; i += n)
    std::memcpy(reinterpret_cast<std::byte*>(&pattern) + i, bytes.data(), n);
  std::size_t i = 0;
  for (; i + sizeof pattern <= bytes.size(); i += sizeof pattern) {
    std::uint64_t word = 0;
    std::memcpy(&word, bytes.data() + i, sizeof word);
    if (word != pattern) return false;
  }
  return std::memcmp(bytes.data() + i, &pattern, bytes.size() - i) == 0;
}

// A tile this rank computes in this repetition.
struct Held {
  std::int64_t id = 0;
  core::Rect rect;
  std::optional<TileWork<float>> work;  // empty for a tile with no signal
  double compute_s = 0;
  double stage_a_s = 0;  // before the reductions (nsperf whatif replays the stages apart)
  double stage_b_s = 0;  // after the histogram's reduction
  double io_s = 0;       // rank 0 cutting it out
  std::int64_t raw_bytes = 0;
};

// What the results keep of a tile (the planes are freed after every repetition).
struct TileOutcome {
  std::int64_t id = 0;
  core::Rect rect;
  double compute_s = 0;
  double stage_a_s = 0;
  double stage_b_s = 0;
  double io_s = 0;
  std::int64_t raw_bytes = 0;
  std::uint64_t checksum = 0;
  std::int64_t background = 0;
};

// A tile's times over the measured repetitions in which this rank computed it.
struct TileTimes {
  std::vector<double> compute_s;
  std::vector<double> stage_a_s;
  std::vector<double> stage_b_s;
  std::vector<double> io_s;
};

// Where a rank's time went.
struct Times {
  double busy = 0;
  double idle = 0;
  double transfer = 0;
  double io = 0;
};

// Adds the time `fn` takes to `into`, and profiles it as `region`.
template <class Fn>
void timed(double& into, const char* region, core::RegionKind kind, Fn&& fn) {
  const core::ScopedRegion profiled(region, kind);
  core::Stopwatch clock;
  std::forward<Fn>(fn)();
  into += clock.elapsed_s();
}

// The pipeline's reductions, their waiting counted as idle time and profiled as "wait".
class WaitedReduce final : public kernels::Reduce {
 public:
  WaitedReduce(kernels::Reduce& inner, double& idle) : inner_(inner), idle_(idle) {}
  bool any(bool local) override {
    bool r = false;
    timed(idle_, "wait", core::RegionKind::mpi, [&] { r = inner_.any(local); });
    return r;
  }
  double max(double local) override {
    double r = 0;
    timed(idle_, "wait", core::RegionKind::mpi, [&] { r = inner_.max(local); });
    return r;
  }
  void sum(kernels::Histogram& local) override {
    timed(idle_, "wait", core::RegionKind::mpi, [&] { inner_.sum(local); });
  }

 private:
  kernels::Reduce& inner_;
  double& idle_;
};

// What rank 0 sends before a self-scheduled chunk's pixels.
struct Chunk {
  std::int64_t first = 0;  // tile id
  std::int64_t count = 0;  // 0 = no work left
};

core::Extent padded_extent(const core::Rect& r) {
  return {r.width + 2 * kernels::kPipelineHalo, r.height + 2 * kernels::kPipelineHalo};
}

// A workload tile with the pipeline's halo: the workload's tiles carry the plan's halo, which is
// at least the pipeline's, so the pipeline's window is cut out of them.
core::Image pipeline_window(const OptimizerContext& ctx, const LocalTile& t) {
  const std::int64_t extra = ctx.workload.plan.halo - kernels::kPipelineHalo;
  const core::Extent e = padded_extent(t.rect);
  return core::extract_padded(t.padded, extra, extra, e.width, e.height, 0);
}

class DistributedOptimizer final : public Optimizer {
 public:
  [[nodiscard]] std::int64_t halo() const override { return kernels::kPipelineHalo; }

  [[nodiscard]] double bytes_per_pixel() const override {
    // The float32 pipeline's planes (15 B) and the expected run's, one at a time.
    return 20.0;
  }

  [[nodiscard]] std::int64_t work_units(const core::Config& config,
                                        std::int64_t tiles) const override {
    return scheduled_units(config, strategies_of(config, "distributed"), tiles);
  }

  void run(const OptimizerContext& ctx, OptimizerOutput& out) override {
    // Tiles are allocated afresh in every repetition (which rank holds which differs). Keep
    // freed memory in the heap, so that after the warm-up no page fault is timed; what
    // allocation itself costs is the memory optimizer's subject.
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    const auto& names = ctx.config.optimizers.at("distributed").strategies;
    std::vector<std::unique_ptr<Partitioner>> partitioners_;
    run_phase(ctx.comm, "prepare", [&] {
      for (const auto& n : names)
        partitioners_.push_back(mpi::partitioners().at(n, "distributed strategy").make());
      strategy_ =
          kernels::cpu_strategies().at(kDistributedCompute, "cpu strategy").make({ctx.threads});
    });
    expected_ = expected_checksums(ctx);
    run_phase(ctx.comm, "prepare", [&] {
      if (ctx.comm.rank() == 0) {
        std::tie(out.cut_ahead_gbyte_per_s, out.cut_ahead_apart_gbyte_per_s) = cut_ahead_rates(ctx);
      }
    });
    if (ctx.config.setting<bool>("distributed", "busy_cores")) {
      run_phase(ctx.comm, "prepare", [&] {
        if (ctx.comm.rank() == 0) probe_busy_cores(ctx, out);
      });
    }

    std::vector<std::vector<TileOutcome>> last(names.size());  // last measured repetition's
    // Every measured repetition's times of each tile this rank computed, per strategy: a row
    // keeps their medians, as one repetition's times vary by 10% here (nsperf whatif replays
    // them).
    std::vector<std::map<std::int64_t, TileTimes>> times_of(names.size());
    Runner runner(ctx, "distributed", out);
    runner.run(strategy_entries(names), [&](Trial& trial) {
      const auto si = trial.index();
      trial.line_up("distributed");  // every rank starts together
      Times times;
      std::vector<Held> held;
      const Timing t = trial.unagreed("transfer", [&] {
        const auto owners = partitioners_[si]->owners(ctx.workload.plan, ctx.comm.size());
        if (!owners.empty()) {
          run_static(ctx, trial, owners, held, times);
        } else {
          run_self_scheduled(ctx, trial, *partitioners_[si], held, times);
        }
        finish_pipeline(ctx, held, times);
      });
      // The checksums below wait until every rank has finished: a rank that shares its core
      // with one still in the pipeline would otherwise take the core from it, and the makespan
      // would include the harness's own work.
      trial.line_up("distributed");
      if (!trial.measured()) return;
      // Checked without agreeing, as in the network optimizer: no collective between runs
      // but the line-up.
      core::Sample& s = trial.record("pipeline", t);
      s.tiles = static_cast<std::int64_t>(held.size());
      s.busy_s = times.busy;
      s.idle_s = times.idle;
      s.transfer_s = times.transfer;
      s.io_s = times.io;
      last[si].clear();
      for (const auto& h : held) {
        auto& kept = times_of[si][h.id];
        kept.compute_s.push_back(h.compute_s);
        kept.stage_a_s.push_back(h.stage_a_s);
        kept.stage_b_s.push_back(h.stage_b_s);
        kept.io_s.push_back(h.io_s);
        last[si].push_back({h.id, h.rect, h.compute_s, h.stage_a_s, h.stage_b_s, h.io_s,
                            h.raw_bytes, checksum_of(h),
                            h.work ? h.work->background : h.rect.pixels()});
      }
      check(last[si], s);
    });

    for (std::size_t si = 0; si < names.size(); ++si) {
      for (const auto& h : last[si]) {
        core::TileResult row;
        row.tile_id = h.id;
        row.rank = ctx.comm.rank();
        row.rect = h.rect;
        row.halo = kernels::kPipelineHalo;
        row.optimizer = "distributed";
        row.strategy = names[si];
        row.kernel = "pipeline";
        const auto& t = times_of[si].at(h.id);
        row.compute_s = core::median(t.compute_s);
        row.stage_a_s = core::median(t.stage_a_s);
        row.stage_b_s = core::median(t.stage_b_s);
        row.io_s = core::median(t.io_s);
        row.raw_bytes = h.raw_bytes;
        row.checksum = h.checksum;
        const bool same = row.checksum == expected_.at(h.id);
        row.check = same ? core::CheckStatus::passed : core::CheckStatus::failed;
        row.differing = same ? 0 : 1;
        row.negative_space =
            static_cast<double>(h.background) / static_cast<double>(h.rect.pixels());
        out.tiles.push_back(row);
      }
    }
    if (ctx.comm.rank() == 0) {
      out.notes.push_back("distributed: every partitioner runs the '" +
                          std::string(kDistributedCompute) +
                          "' CPU strategy; tiles with no signal are skipped; imbalance = max / "
                          "mean of the ranks' busy time");
    }
  }

 private:
  std::unique_ptr<kernels::CpuStrategy> strategy_;
  std::map<std::int64_t, std::uint64_t> expected_;  // tile id -> opened-mask checksum

  static std::uint64_t checksum_of(const Held& h) {
    if (h.work) return core::checksum_of(h.work->opened.values());
    // All background: what the opening of an all-background mask is.
    const std::vector<std::uint8_t> ones(static_cast<std::size_t>(h.rect.pixels()), 1);
    return core::checksum_of(std::span<const std::uint8_t>(ones));
  }

  // Every tile's opened mask from the workload's own tiles, no skipping, on every rank.
  std::map<std::int64_t, std::uint64_t> expected_checksums(const OptimizerContext& ctx) {
    std::vector<TileWork<float>> work;
    run_phase(ctx.comm, "prepare", [&] {
      work.clear();
      for (const auto& t : ctx.workload.tiles)
        work.emplace_back(pipeline_window(ctx, t), t.rect, ctx.workload.image.extent);
    });
    MpiReduce reduce(ctx.comm);
    run_collective(ctx.comm, "reference", [&] { kernels::run_pipeline(*strategy_, work, reduce); });
    std::vector<std::pair<std::int64_t, std::uint64_t>> mine;
    for (std::size_t i = 0; i < work.size(); ++i)
      mine.emplace_back(ctx.workload.tiles[i].id, core::checksum_of(work[i].opened.values()));
    std::vector<std::vector<std::pair<std::int64_t, std::uint64_t>>> all;
    bmpi::all_gather(ctx.comm, mine, all);
    std::map<std::int64_t, std::uint64_t> out;
    for (const auto& part : all) out.insert(part.begin(), part.end());
    return out;
  }

  // Rank 0: its rates, GB/s, cutting tiles ahead into buffers of their own, as it cuts other
  // ranks' tiles before it sends them: slower than cutting one just before computing it (here
  // by 28-100%: the buffers are new memory), which is all a 1-rank run times. nsperf whatif
  // prices other ranks' tiles with them. Adjacent tiles (ids 0, 1, 2, ..., as static-block sends
  // them) and as many every other one (ids 1, 3, 5, ..., static-cyclic's at 2 ranks: here 22%
  // slower on 4096², 16 MiB), at most 64 MiB a pass; the two kinds of pass in turn, 3 each, so
  // neither always finds the image in the cache the other left, the median of each (more passes
  // would time a small image from the cache, as no repetition of the job finds it, and memory
  // the passes before freed: 9 each put the rates up by about 30%, 6.5 -> 8.4 GB/s on 4096²).
  static std::pair<double, double> cut_ahead_rates(const OptimizerContext& ctx) {
    constexpr double kMaxBytes = 64.0 * (1 << 20);
    const auto& tiles = ctx.workload.plan.tiles;
    const std::size_t count = std::max<std::size_t>(1, tiles.size() / 2);
    std::vector<double> seconds[2];
    double bytes[2] = {0, 0};
    for (int pass = 0; pass < 6; ++pass) {
      const int kind = pass % 2;  // 0 adjacent, 1 apart
      const std::size_t step = kind == 0 ? 1 : 2;
      std::vector<core::Image> ahead;
      double cut_bytes = 0;
      core::Stopwatch clock;
      for (std::size_t k = 0, id = static_cast<std::size_t>(kind);
           k < count && id < tiles.size() && cut_bytes < kMaxBytes; ++k, id += step) {
        ahead.push_back(cut(ctx, tiles[id]));
        cut_bytes += static_cast<double>(ahead.back().bytes().size());
      }
      seconds[kind].push_back(clock.elapsed_s());
      bytes[kind] = cut_bytes;
    }
    auto rate = [&](int kind) {
      const double s = core::median(seconds[kind]);
      return s > 0 ? bytes[kind] / s / 1e9 : 0.0;
    };
    return {rate(0), rate(1)};
  }

  // Rank 0, alone on its node with one thread: the busy-cores probe (busy_cores.cpp) on its
  // tiles with signal, at most 64 MiB of the pipeline's planes a core (and 1 GiB in all, on a
  // node of many cores): more than the last-level cache, as the job's are.
  void probe_busy_cores(const OptimizerContext& ctx, OptimizerOutput& out) const {
    std::string skipped;
    if (ctx.node_ranks > 1) {
      skipped = std::to_string(ctx.node_ranks) + " ranks share rank 0's node (run it with one)";
    } else if (ctx.threads > 1) {
      skipped = "rank 0 runs " + std::to_string(ctx.threads) + " threads (run it with one)";
    } else {
      const double cores = static_cast<double>(std::max<std::int64_t>(1, core::online_cores()));
      const double budget = std::min(64.0 * (1 << 20), 1024.0 * (1 << 20) / cores);
      std::vector<TileWork<float>> tiles;
      double bytes = 0;
      for (const auto& t : ctx.workload.tiles) {
        const core::Image padded = pipeline_window(ctx, t);
        if (no_signal(padded)) continue;
        bytes += bytes_per_pixel() * static_cast<double>(padded.extent().pixels());
        if (bytes > budget && !tiles.empty()) break;
        tiles.emplace_back(padded, t.rect, ctx.workload.image.extent);
      }
      const BusyCores figures = measure_busy_cores(tiles, kDistributedCompute);
      skipped = figures.skipped;
      out.busy_cores_slowdown = figures.slowdown;
      out.busy_cores = figures.cores;
    }
    if (!skipped.empty())
      out.notes.push_back("distributed: busy-cores probe not measured: " + skipped);
  }

  // Rank 0: the tile `rect` with the pipeline's halo, out of the image.
  static core::Image cut(const OptimizerContext& ctx, const core::Rect& r) {
    return core::extract_padded(ctx.workload.source, r.x, r.y, r.width, r.height,
                                kernels::kPipelineHalo);
  }

  // Stage A on one tile (skipped when it has no signal); counts as busy.
  void compute_a(const OptimizerContext& ctx, const core::Image& padded, Held& h, Times& times) {
    NSPERF_REGION("stage_a");
    core::Stopwatch clock;
    if (!no_signal(padded)) {
      h.work.emplace(padded, h.rect, ctx.workload.image.extent);
      strategy_->stage_a(*h.work);
    }
    h.compute_s = clock.elapsed_s();
    h.stage_a_s = h.compute_s;
    times.busy += h.compute_s;
  }

  // Static partitioners: rank 0 sends every other rank's tiles at once (nonblocking), then
  // computes its own; the others receive theirs in id order, computing each as it arrives.
  void run_static(const OptimizerContext& ctx, const Trial& trial, const std::vector<int>& owners,
                  std::vector<Held>& held, Times& times) {
    const MPI_Comm comm = ctx.comm;
    const auto& tiles = ctx.workload.plan.tiles;
    const int me = ctx.comm.rank();
    if (me == 0) {
      std::vector<core::Image> outgoing;
      std::vector<MPI_Request> requests;
      std::size_t oldest = 0;  // requests before it have completed
      outgoing.reserve(tiles.size());
      for (std::size_t id = 0; id < tiles.size(); ++id) {
        if (owners[id] == 0) continue;
        timed(times.io, "cut", core::RegionKind::code,
              [&] { outgoing.push_back(cut(ctx, tiles[id])); });
        timed(times.transfer, "transfer", core::RegionKind::mpi, [&] {
          isend(comm, owners[id], outgoing.back(), requests);
          progress(requests, oldest);
        });
      }
      std::int64_t done = 0;
      for (std::size_t id = 0; id < tiles.size(); ++id) {
        if (owners[id] != 0) continue;
        Held& h = held.emplace_back();
        h.id = static_cast<std::int64_t>(id);
        h.rect = tiles[id];
        core::Image padded;
        timed(h.io_s, "cut", core::RegionKind::code, [&] { padded = cut(ctx, h.rect); });
        times.io += h.io_s;
        h.raw_bytes = static_cast<std::int64_t>(padded.bytes().size());
        compute_a(ctx, padded, h, times);
        trial.progress(++done * ctx.comm.size());
        timed(times.transfer, "transfer", core::RegionKind::mpi,
              [&] { progress(requests, oldest); });
      }
      timed(times.transfer, "transfer", core::RegionKind::mpi, [&] {
        p2p::check(
            MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE),
            "MPI_Waitall");
      });
      return;
    }
    std::vector<core::Image> incoming;
    std::vector<MPI_Request> requests;
    std::vector<std::int64_t> ids;
    for (std::size_t id = 0; id < tiles.size(); ++id) {
      if (owners[id] != me) continue;
      ids.push_back(static_cast<std::int64_t>(id));
      incoming.emplace_back(padded_extent(tiles[id]), ctx.workload.image.dtype);
    }
    for (auto& image : incoming) irecv(comm, image, requests);
    for (std::size_t i = 0; i < incoming.size(); ++i) {
      timed(times.transfer, "transfer", core::RegionKind::mpi,
            [&] { p2p::check(MPI_Wait(&requests[i], MPI_STATUS_IGNORE), "MPI_Wait"); });
      Held& h = held.emplace_back();
      h.id = ids[i];
      h.rect = tiles[static_cast<std::size_t>(ids[i])];
      h.raw_bytes = static_cast<std::int64_t>(incoming[i].bytes().size());
      compute_a(ctx, incoming[i], h, times);
      incoming[i] = core::Image{};
    }
  }

  // Lets rank 0's sends move. Open MPI advances a send larger than its eager limit only inside
  // an MPI call of the sender (no progress thread, over shared memory as over TCP), and
  // MPI_Isend itself does not: without a test between tiles, the other ranks' tiles beyond the
  // first hundred or so waited for rank 0's final MPI_Waitall, behind all of its own compute
  // (2 ranks, 8192² image, tiles of 256: the static partitioners took 195-214 ms, the
  // self-scheduled ones, whose rank 0 probes between tiles, 140). Testing the oldest pending
  // send progresses them all; `oldest` moves past those done, so a call costs O(1) amortized.
  static void progress(std::vector<MPI_Request>& requests, std::size_t& oldest) {
    while (oldest < requests.size()) {
      int done = 0;
      p2p::check(MPI_Test(&requests[oldest], &done, MPI_STATUS_IGNORE), "MPI_Test");
      if (done == 0) return;
      ++oldest;
    }
  }

  // A tile's pixels from rank 0 into `image`, which must not move until the request completes.
  static void irecv(MPI_Comm comm, core::Image& image, std::vector<MPI_Request>& requests) {
    const auto bytes = image.bytes();
    MPI_Request r = MPI_REQUEST_NULL;
    p2p::check(MPI_Irecv(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, 0,
                         p2p::kWorkPixels, comm, &r),
               "MPI_Irecv");
    requests.push_back(r);
  }

  static void isend(MPI_Comm comm, int dest, const core::Image& image,
                    std::vector<MPI_Request>& requests) {
    const auto bytes = image.bytes();
    if (bytes.size() > p2p::kMaxMessageBytes)
      throw InputError("distributed: a tile of " + std::to_string(bytes.size()) +
                       " bytes is larger than one message may be (1 GiB): use a smaller --tile");
    MPI_Request r = MPI_REQUEST_NULL;
    p2p::check(MPI_Isend(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, dest,
                         p2p::kWorkPixels, comm, &r),
               "MPI_Isend");
    requests.push_back(r);
  }

  // Self-scheduled partitioners: rank 0 serves requests for chunks between its own tiles;
  // the others ask one chunk ahead.
  void run_self_scheduled(const OptimizerContext& ctx, const Trial& trial,
                          const Partitioner& partitioner, std::vector<Held>& held, Times& times) {
    const MPI_Comm comm = ctx.comm;
    const auto& tiles = ctx.workload.plan.tiles;
    const auto total = static_cast<std::int64_t>(tiles.size());
    const int ranks = ctx.comm.size();
    const std::int64_t k = ctx.config.setting<std::int64_t>("distributed", "chunk");
    if (ctx.comm.rank() == 0) {
      std::int64_t next = 0;
      int finished = 0;                   // workers told that no work is left
      std::vector<core::Image> outgoing;  // kept until their sends complete
      std::vector<MPI_Request> requests;
      auto take = [&] {
        const std::int64_t remaining = total - next;
        return remaining > 0 ? std::min(remaining, partitioner.chunk(remaining, ranks, k))
                             : std::int64_t{0};
      };
      // Answers every waiting request; waits for one first when `block`.
      auto serve = [&](bool block) {
        for (;;) {
          int flag = 0;
          MPI_Status status;
          if (block) {
            timed(times.idle, "wait", core::RegionKind::mpi, [&] {
              p2p::check(MPI_Probe(MPI_ANY_SOURCE, p2p::kWorkRequest, comm, &status), "MPI_Probe");
            });
            flag = 1;
            block = false;
          } else {
            // Transfer time: a probe progresses rank 0's pending sends too (two emulated nodes
            // over TCP: about 2.7 ms of dynamic's 45.7 went here, in no column, before).
            timed(times.transfer, "transfer", core::RegionKind::mpi, [&] {
              p2p::check(MPI_Iprobe(MPI_ANY_SOURCE, p2p::kWorkRequest, comm, &flag, &status),
                         "MPI_Iprobe");
            });
          }
          if (flag == 0) return;
          int ask = 0;
          timed(times.transfer, "transfer", core::RegionKind::mpi, [&] {
            p2p::check(MPI_Recv(&ask, 1, MPI_INT, status.MPI_SOURCE, p2p::kWorkRequest, comm,
                                MPI_STATUS_IGNORE),
                       "MPI_Recv");
          });
          const Chunk chunk{next, take()};
          next += chunk.count;
          if (chunk.count == 0) ++finished;
          timed(times.transfer, "transfer", core::RegionKind::mpi, [&] {
            p2p::check(
                MPI_Send(&chunk, sizeof chunk, MPI_BYTE, status.MPI_SOURCE, p2p::kWorkReply, comm),
                "MPI_Send");
          });
          for (std::int64_t id = chunk.first; id < chunk.first + chunk.count; ++id) {
            timed(times.io, "cut", core::RegionKind::code,
                  [&] { outgoing.push_back(cut(ctx, tiles[static_cast<std::size_t>(id)])); });
            timed(times.transfer, "transfer", core::RegionKind::mpi,
                  [&] { isend(comm, status.MPI_SOURCE, outgoing.back(), requests); });
          }
        }
      };
      std::int64_t done = 0;
      for (;;) {
        serve(false);
        const std::int64_t n = take();
        if (n == 0) break;
        const std::int64_t first = next;
        next += n;
        for (std::int64_t id = first; id < first + n; ++id) {
          Held& h = held.emplace_back();
          h.id = id;
          h.rect = tiles[static_cast<std::size_t>(id)];
          core::Image padded;
          timed(h.io_s, "cut", core::RegionKind::code, [&] { padded = cut(ctx, h.rect); });
          times.io += h.io_s;
          h.raw_bytes = static_cast<std::int64_t>(padded.bytes().size());
          compute_a(ctx, padded, h, times);
          trial.progress(++done * ranks);
          serve(false);
        }
      }
      while (finished < ranks - 1) serve(true);
      timed(times.transfer, "transfer", core::RegionKind::mpi, [&] {
        p2p::check(
            MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE),
            "MPI_Waitall");
      });
      return;
    }
    const int ask = 1;
    auto request = [&] {
      timed(times.transfer, "transfer", core::RegionKind::mpi, [&] {
        p2p::check(MPI_Send(&ask, 1, MPI_INT, 0, p2p::kWorkRequest, comm), "MPI_Send");
      });
    };
    request();
    for (;;) {
      Chunk chunk;
      timed(times.idle, "wait", core::RegionKind::mpi, [&] {
        p2p::check(
            MPI_Recv(&chunk, sizeof chunk, MPI_BYTE, 0, p2p::kWorkReply, comm, MPI_STATUS_IGNORE),
            "MPI_Recv");
      });
      if (chunk.count == 0) break;
      if (chunk.first < 0 || chunk.count < 0 || chunk.first + chunk.count > total)
        throw MpiError("distributed: rank 0 sent an invalid chunk (plans disagree)");
      // Every receive of the chunk posted at once, as the static partitioners' are. Over TCP a
      // tile above the eager limit (64 KiB) moves only when rank 0 is next inside MPI (between
      // its own tiles); received one after the other, each tile waited for such a turn of its
      // own. Two emulated nodes over TCP, synthetic 4096², tiles of 69 KiB, medians of 6
      // launches: guided 57.4 -> 46.7 ms, dynamic 53.6 -> 46.1 (the static partitioners 47).
      std::vector<core::Image> incoming;
      std::vector<MPI_Request> receives;
      // Never reallocated while receives into it are posted.
      incoming.reserve(static_cast<std::size_t>(chunk.count));
      timed(times.transfer, "transfer", core::RegionKind::mpi, [&] {
        for (std::int64_t id = chunk.first; id < chunk.first + chunk.count; ++id) {
          incoming.emplace_back(padded_extent(tiles[static_cast<std::size_t>(id)]),
                                ctx.workload.image.dtype);
          irecv(comm, incoming.back(), receives);
        }
        p2p::check(
            MPI_Waitall(static_cast<int>(receives.size()), receives.data(), MPI_STATUSES_IGNORE),
            "MPI_Waitall");
      });
      request();  // one ahead: the next chunk is on its way while this one computes
      for (std::int64_t i = 0; i < chunk.count; ++i) {
        Held& h = held.emplace_back();
        h.id = chunk.first + i;
        h.rect = tiles[static_cast<std::size_t>(h.id)];
        h.raw_bytes =
            static_cast<std::int64_t>(incoming[static_cast<std::size_t>(i)].bytes().size());
        compute_a(ctx, incoming[static_cast<std::size_t>(i)], h, times);
      }
    }
  }

  // The global threshold and stage B on the tiles this rank holds. Waiting in the reductions
  // is idle time; the histogram and stage B are busy time on the tile.
  void finish_pipeline(const OptimizerContext& ctx, std::vector<Held>& held, Times& times) {
    MpiReduce mpi_reduce(ctx.comm);
    WaitedReduce reduce(mpi_reduce, times.idle);
    double local_max = 0;
    for (const auto& h : held) {
      if (h.work) local_max = std::max(local_max, static_cast<double>(h.work->max_magnitude));
    }
    auto busy = [&](Held& h, const char* region, auto&& fn) {
      const core::ScopedRegion profiled(region, core::RegionKind::code);
      core::Stopwatch clock;
      fn();
      const double s = clock.elapsed_s();
      h.compute_s += s;
      times.busy += s;
    };
    kernels::global_stage<float>(
        reduce, local_max,
        [&](float scale, kernels::Histogram& histogram) {
          for (auto& h : held) {
            busy(h, "histogram", [&] {
              if (h.work) {
                strategy_->stage_histogram(*h.work, scale);
                for (std::size_t i = 0; i < histogram.size(); ++i)
                  histogram[i] += h.work->histogram[i];
              } else {
                histogram[0] += static_cast<std::uint64_t>(h.rect.pixels());  // gradient 0
              }
            });
          }
        },
        [&](float scale, int threshold) {
          for (auto& h : held) {
            if (h.work) {
              const double before = h.compute_s;
              busy(h, "stage_b", [&] { strategy_->stage_b(*h.work, scale, threshold); });
              h.stage_b_s = h.compute_s - before;
            }
          }
        });
  }

  // Compares this rank's tiles with the expected output.
  void check(const std::vector<TileOutcome>& tiles, core::Sample& s) const {
    std::vector<std::uint64_t> sums;
    s.check = core::CheckStatus::passed;
    s.differing = 0;
    for (const auto& t : tiles) {
      sums.push_back(t.checksum);
      s.pixels += t.rect.pixels();
      s.bytes += t.raw_bytes;
      if (t.checksum != expected_.at(t.id)) {
        s.check = core::CheckStatus::failed;
        ++s.differing;
      }
    }
    s.checksum = core::checksum_of(std::span<const std::uint64_t>(sums));
  }
};

}  // namespace

NSPERF_OPTIMIZER_SETTINGS(
    distributed, {{"chunk",
                   core::KeyType::integer,
                   2,
                   1,
                   1 << 20,
                   {},
                   "Tiles per request in 'dynamic' (and the smallest chunk in 'guided')."},
                  {"busy_cores",
                   core::KeyType::boolean,
                   false,
                   0,
                   0,
                   {},
                   "Also measure how much slower rank 0 computes its tiles while every other "
                   "core of its node computes the same (a thread pinned to each, about 0.3 s; a "
                   "run with one rank on rank 0's node and one thread). Run attributes "
                   "busy_cores_slowdown and busy_cores, with which nsperf whatif scales the tiles "
                   "where it puts more ranks on a node."}})
NSPERF_REGISTER_OPTIMIZER(
    DistributedOptimizer, "distributed",
    "partitioning strategies (static, cyclic, self-scheduled) for the whole pipeline across "
    "ranks, against a static block partition")

}  // namespace nsperf::mpi
