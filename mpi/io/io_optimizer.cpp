// The I/O optimizer: each rank's tile stream (the pipeline's gradient magnitude of its tiles,
// float32) written to files and read back under every I/O strategy (io/io_strategy.hpp).
//
// Each round, per strategy, from a common start:
//  - the strategy's files from the previous round are deleted (untimed), so every write creates
//    new files;
//  - "write": open to durable close, fsync included (every strategy returns only once its
//    bytes are on disk);
//  - the files' pages are dropped from the page cache (posix_fadvise DONTNEED after the fsync;
//    mincore says how many stayed), so the read comes from the disk;
//  - "read": the tiles back into a buffer scrambled beforehand;
//  - outside the timings, the buffer read is compared with the stream by checksum.
// Files go into a scratch folder made for the run (under --io-dir, else beside the results
// file) and removed at the end.
#include <stdlib.h>

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <cstring>
#include <filesystem>
#include <map>
#include <numeric>

#include "nsperf/core/checksum.hpp"
#include "nsperf/core/config.hpp"
#include "nsperf/core/memory.hpp"
#include "nsperf/core/statistics.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/io/io_strategy.hpp"
#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/mpi/collective.hpp"
#include "nsperf/mpi/optimizer.hpp"
#include "nsperf/mpi/phase.hpp"
#include "nsperf/mpi/runner.hpp"
#include "scratch.hpp"

namespace nsperf::mpi {
namespace {

namespace fs = std::filesystem;

constexpr const char* kWrite = "write";
constexpr const char* kRead = "read";
constexpr std::byte kIoScramble{0x5a};
// Strategies that write through POSIX calls alone: the yardstick of the HDF5 target.
const std::vector<std::string> kPosix = {"unbuffered", "buffered",  "mmap",
                                         "batched",    "posix-fpp", "posix-shared"};

std::int64_t size_on_disk(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? 0 : static_cast<std::int64_t>(size);
}

class IoOptimizer final : public Optimizer {
 public:
  [[nodiscard]] std::int64_t halo() const override { return kernels::kPipelineHalo; }

  [[nodiscard]] double bytes_per_pixel() const override {
    // The float32 pipeline that makes the stream (15 B), the stream and the read buffer (4 B each).
    return 24.0;
  }

  [[nodiscard]] std::int64_t work_units(const core::Config& config,
                                        std::int64_t tiles) const override {
    // Write and read of every strategy and reference.
    const auto references =
        static_cast<std::int64_t>(core::strategy_catalog().references("io").size());
    return scheduled_units(config, strategies_of(config, "io") + references, 2 * tiles);
  }

  void run(const OptimizerContext& ctx, OptimizerOutput& out) override {
    // The configured strategies, then the references (IOR's methods), measured alike.
    auto names = ctx.config.optimizers.at("io").strategies;
    for (const auto& r : core::strategy_catalog().references("io")) names.push_back(r.name);
    const auto& b = ctx.config.benchmark;
    const int me = ctx.comm.rank();
    const fs::path parent = scratch_parent(ctx.config.setting<std::string>("io", "dir"), b.output);
    std::vector<std::unique_ptr<io::IoStrategy>> strategies;
    run_phase(ctx.comm, "prepare", [&] {
      for (const auto& n : names)
        strategies.push_back(io::io_strategies().at(n, "io strategy").make());
    });
    const Scratch scratch(ctx.comm, parent);
    // One rank per node drops a shared file's pages (the page cache is the node's).
    MPI_Comm node = MPI_COMM_NULL;
    MPI_Comm_split_type(ctx.comm, MPI_COMM_TYPE_SHARED, me, MPI_INFO_NULL, &node);
    int node_rank = 0;
    MPI_Comm_rank(node, &node_rank);
    MPI_Comm_free(&node);
    const bool node_leader = node_rank == 0;
    const io::TileStream stream = make_stream(ctx, scratch.path());
    const std::vector<std::byte> data = gradient_stream(ctx, stream);
    const std::uint64_t expected = core::checksum(data);
    std::vector<std::byte> into(data.size());

    const auto total_tiles = static_cast<std::int64_t>(ctx.workload.plan.tiles.size());
    double most_cached = 0;  // of a file's pages still cached after the eviction, and where
    std::string most_cached_by;
    // Rank 0: each strategy's repetition times (earliest start to latest end), per kernel.
    std::map<std::string, std::vector<double>> write_s;
    Runner runner(ctx, "io", out);
    runner.run(
        strategy_entries(names),
        [&](Trial& trial) {
          auto& strategy = *strategies[trial.index()];
          const fs::path file = strategy.file(stream);
          run_phase(ctx.comm, "io-clean", [&] {
            std::error_code ec;
            if (!strategy.shared_file() || me == 0) fs::remove(file, ec);
          });
          // Faults are injected in the start phase, agreed; inside, a rank leaving early would
          // strand its peers in a collective MPI-IO or HDF5 call.
          trial.line_up("io-write-start");
          const Timing w = trial.collective("io-write", [&] { strategy.write(stream, data); });
          trial.progress(total_tiles, kWrite);
          double cached = 0;
          run_phase(ctx.comm, "io-evict", [&] {
            if (!strategy.shared_file() || node_leader) cached = io::drop_from_cache(file);
          });
          cached = bmpi::all_reduce(ctx.comm, cached, bmpi::maximum<double>());
          if (cached > most_cached) {
            most_cached = cached;
            most_cached_by = trial.name();
          }
          std::ranges::fill(into, kIoScramble);  // not memset: empty on a rank without tiles
          trial.line_up("io-read-start");
          const Timing r = trial.collective("io-read", [&] { strategy.read(stream, into); });
          if (!trial.measured()) return;
          // Every rank has the same schedule, so every rank makes this collective call.
          const double span = trial.span(w);
          if (me == 0) write_s[trial.name()].push_back(span);
          {
            const std::uint64_t sum = core::checksum(into);
            const bool same = sum == expected;
            const std::int64_t differing = same ? 0 : count_differing(data, into);
            const std::int64_t on_disk =
                !strategy.shared_file() || me == 0 ? size_on_disk(file) : 0;
            for (const auto& [kernel, timing] : {std::pair{kWrite, w}, std::pair{kRead, r}}) {
              core::Sample& s = trial.record(kernel, timing);
              s.bytes = static_cast<std::int64_t>(stream.bytes);
              s.pixels = static_cast<std::int64_t>(stream.bytes / io::kStreamPixelBytes);
              s.checksum = sum;
              s.check = same ? core::CheckStatus::passed : core::CheckStatus::failed;
              s.differing = differing;
              s.wire_bytes = on_disk;
              s.io_s = s.seconds;
            }
          }
        },
        2 * total_tiles);
    if (me == 0) add_notes(parent, most_cached, most_cached_by, write_s, out);
    // Every rank is done with the files before rank 0 removes the folder.
    run_phase(ctx.comm, "io-done", [] {});
  }

 private:
  // The stream's layout: this rank's tiles back to back, and every tile's place in a tile-major
  // file of all of them.
  static io::TileStream make_stream(const OptimizerContext& ctx, const fs::path& dir) {
    io::TileStream s;
    s.comm = ctx.comm;
    s.rank = ctx.comm.rank();
    s.ranks = ctx.comm.size();
    s.image = ctx.workload.image.extent;
    s.tile = ctx.workload.plan.tile_size;
    s.dir = dir;
    std::vector<std::uint64_t> file_offset(ctx.workload.plan.tiles.size() + 1, 0);
    for (std::size_t id = 0; id < ctx.workload.plan.tiles.size(); ++id) {
      file_offset[id + 1] =
          file_offset[id] +
          static_cast<std::uint64_t>(ctx.workload.plan.tiles[id].pixels()) * io::kStreamPixelBytes;
    }
    s.total_bytes = file_offset.back();
    for (const auto& t : ctx.workload.tiles) {
      io::StreamTile st{t.id, t.rect, s.bytes, file_offset[static_cast<std::size_t>(t.id)]};
      s.bytes += st.bytes();
      s.tiles.push_back(st);
    }
    return s;
  }

  // The pipeline (fused) over this rank's tiles; each tile's gradient magnitude, back to back.
  static std::vector<std::byte> gradient_stream(const OptimizerContext& ctx,
                                                const io::TileStream& s) {
    std::vector<kernels::TileWork<float>> work;
    std::unique_ptr<kernels::CpuStrategy> fused;
    run_phase(ctx.comm, "prepare", [&] {
      fused = kernels::cpu_strategies().at("fused", "cpu strategy").make({ctx.threads});
      for (const auto& t : ctx.workload.tiles)
        work.emplace_back(t.padded, t.rect, ctx.workload.image.extent);
    });
    MpiReduce reduce(ctx.comm);
    run_collective(ctx.comm, "pipeline", [&] { kernels::run_pipeline(*fused, work, reduce); });
    std::vector<std::byte> data(s.bytes);
    for (std::size_t i = 0; i < work.size(); ++i) {
      const auto& t = s.tiles[i];
      const auto m = work[i].magnitude.view().sub(2, 2, t.rect.width, t.rect.height);
      auto* dst = reinterpret_cast<float*>(data.data() + t.offset);
      for (std::int64_t y = 0; y < m.height; ++y)
        std::memcpy(dst + y * m.width, m.row(y), static_cast<std::size_t>(m.width) * sizeof(float));
    }
    return data;
  }

  static std::int64_t count_differing(const std::vector<std::byte>& a,
                                      const std::vector<std::byte>& b) {
    std::int64_t n = 0;
    for (std::size_t i = 0; i + 4 <= a.size(); i += 4) n += std::memcmp(&a[i], &b[i], 4) != 0;
    return n;
  }

  static void add_notes(const fs::path& parent, double most_cached, const std::string& where,
                        const std::map<std::string, std::vector<double>>& write_s,
                        OptimizerOutput& out) {
    out.notes.push_back("io: files in a scratch folder under " + parent.string() +
                        " (removed afterwards); write times run from open to close with fsync: "
                        "the bytes are on disk when the clock stops");
    std::string cold =
        "io: reads are cold: each file's pages were dropped from the page cache "
        "(posix_fadvise DONTNEED after fsync); afterwards at most " +
        core::format_number(100 * most_cached, 3) +
        "% of a file's pages were still cached (mincore" +
        (most_cached > 0 ? ", " + where : std::string()) + ")";
    if (most_cached > 0.05)
      cold +=
          ": reads were partly served from memory (a filesystem that ignores the hint, "
          "such as tmpfs, or memory pressure)";
    out.notes.push_back(cold);
    // The target: parallel HDF5's collective write against the best raw POSIX write.
    const auto h5 = write_s.find("hdf5-collective");
    std::string best;
    double best_s = 0;
    for (const auto& name : kPosix) {
      const auto it = write_s.find(name);
      if (it == write_s.end() || it->second.empty()) continue;
      const double m = core::median(it->second);
      if (best.empty() || m < best_s) {
        best = name;
        best_s = m;
      }
    }
    if (h5 != write_s.end() && !h5->second.empty() && !best.empty()) {
      const double h5_s = core::median(h5->second);
      out.notes.push_back("io: hdf5-collective writes at " +
                          core::format_number(100 * best_s / h5_s, 3) +
                          "% of the speed of the best POSIX write in this run (" + best + ", " +
                          "median " + core::format_number(1e3 * best_s, 3) + " ms vs " +
                          core::format_number(1e3 * h5_s, 3) + " ms)");
    }
    // Against IOR's methods at the same bytes: what the layout costs each interface.
    for (const auto& [ours, ior] :
         {std::pair{"hdf5-collective", "ior-hdf5"}, std::pair{"posix-fpp", "ior-posix"}}) {
      const auto a = write_s.find(ours);
      const auto b = write_s.find(ior);
      if (a == write_s.end() || b == write_s.end() || a->second.empty() || b->second.empty())
        continue;
      const double ours_s = core::median(a->second);
      const double ior_s = core::median(b->second);
      out.notes.push_back("io: " + std::string(ours) + " writes at " +
                          core::format_number(100 * ior_s / ours_s, 3) + "% of the speed of " +
                          ior + ", IOR's method for the same bytes (median " +
                          core::format_number(1e3 * ours_s, 3) + " ms vs " +
                          core::format_number(1e3 * ior_s, 3) + " ms)");
    }
  }
};

}  // namespace

NSPERF_OPTIMIZER_SETTINGS(io, {{"dir",
                                core::KeyType::string,
                                "",
                                0,
                                0,
                                {},
                                "Folder in which the io and database optimizers make their "
                                "scratch folder (removed afterwards); it must be visible from "
                                "every node; \"\" = the results file's folder."}})
NSPERF_REGISTER_OPTIMIZER(
    IoOptimizer, "io",
    "file I/O of the tile stream: POSIX, MPI-IO and parallel HDF5, with fsync "
    "and cold reads")

}  // namespace nsperf::mpi
