// The database optimizer: the SQLite tile catalog written and queried under every database
// strategy (io/db_strategy.hpp). Every rank works on its own catalog files in the scratch
// folder, at the same time as the others (as per-rank catalogs would).
//
//  - "insert": each round, per insert strategy, a fresh catalog holding the runs, then the
//    rank's rows inserted (timed: connection, statements, commits and their syncs); the table is
//    read back afterwards and its row count and a checksum over every column compared with the
//    rows (outside the timing).
//  - "query": one catalog of optimizers.database.query_rows rows per rank, built once (untimed,
//    1000 tiles per run) and copied, one copy per query strategy, which readies it (indexes,
//    untimed); each round the query set (the slowest tiles, the failed tiles, and for 10 runs
//    how many tiles are mostly negative space) runs on it, timed, and its answer is compared
//    with the first query strategy's. EXPLAIN QUERY PLAN goes into the notes.
#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>

#include "nsperf/core/memory.hpp"
#include "nsperf/core/schedule.hpp"
#include "nsperf/core/statistics.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/io/db_strategy.hpp"
#include "nsperf/mpi/collective.hpp"
#include "nsperf/mpi/optimizer.hpp"
#include "nsperf/mpi/phase.hpp"
#include "scratch.hpp"

namespace nsperf::mpi {
namespace {

constexpr const char* kInsert = "insert";
constexpr const char* kQuery = "query";
constexpr std::int64_t kTilesPerRun = 1000;

// Removes a catalog with its journal, WAL and shared-memory files.
void remove_catalog(const fs::path& file) {
  std::error_code ec;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"})
    fs::remove(fs::path(file.string() + suffix), ec);
}

// `count` tile rows of this rank: runs of kTilesPerRun tiles (the plan's rectangles, repeated),
// figures drawn from `seed`; ordered by (run_id, tile_id), as the catalog returns them.
std::vector<io::DbRow> make_rows(const core::TilePlan& plan, std::int64_t count, int rank,
                                 std::uint64_t seed, std::vector<std::string>& run_ids) {
  std::mt19937_64 random(seed * 1000003 + static_cast<std::uint64_t>(rank));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::lognormal_distribution<double> seconds(-7.0, 0.5);
  std::vector<io::DbRow> rows;
  rows.reserve(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) {
    const std::int64_t run = i / kTilesPerRun;
    if (i % kTilesPerRun == 0) {
      char id[48];
      std::snprintf(id, sizeof id, "rank%d-run%08lld", rank, static_cast<long long>(run));
      run_ids.emplace_back(id);
    }
    io::DbRow r;
    r.run_id = run_ids.back();
    r.threshold = static_cast<int>(i % 256);
    auto& t = r.tile;
    t.tile_id = i % kTilesPerRun;
    t.rank = rank;
    t.rect = plan.tiles[static_cast<std::size_t>(t.tile_id) % plan.tiles.size()];
    t.negative_space_fraction = unit(random);
    t.gradient_mean = 100 * unit(random);
    t.gradient_max = t.gradient_mean + 100 * unit(random);
    t.read_s = seconds(random);
    t.compute_s = seconds(random);
    t.mask_checksum = random();
    t.check = unit(random) < 0.001 ? core::CheckStatus::failed : core::CheckStatus::passed;
    rows.push_back(r);
  }
  return rows;
}

class DatabaseOptimizer final : public Optimizer {
 public:
  [[nodiscard]] std::int64_t halo() const override { return 0; }
  [[nodiscard]] double bytes_per_pixel() const override { return 0; }
  [[nodiscard]] std::int64_t work_units(const core::Config& config,
                                        std::int64_t tiles) const override {
    const auto& b = config.benchmark;
    const auto strategies =
        static_cast<std::int64_t>(config.optimizers.at("database").strategies.size());
    return strategies * (b.warmup + b.repetitions) * tiles;
  }

  void run(const OptimizerContext& ctx, OptimizerOutput& out) override {
    const auto& cfg = ctx.config;
    const auto& names = cfg.optimizers.at("database").strategies;
    const auto& b = cfg.benchmark;
    const int me = ctx.comm.rank();
    std::vector<std::unique_ptr<io::DbStrategy>> strategies;
    run_phase(ctx.comm, "prepare", [&] {
      for (const auto& n : names)
        strategies.push_back(io::db_strategies().at(n, "database strategy").make());
    });
    const fs::path parent = scratch_parent(cfg.io_dir, b.output);
    const Scratch scratch(ctx.comm, parent);
    const fs::path dir = scratch.path() / ("rank" + std::to_string(me));

    std::vector<std::string> insert_runs;
    std::vector<std::string> query_runs;
    std::vector<io::DbRow> rows;
    io::QueryAnswer expected;
    std::vector<fs::path> query_files(names.size());
    io::QueryAnswer reference;
    bool have_reference = false;
    double build_s = 0;
    std::map<std::string, std::string> plans;
    run_phase(ctx.comm, "database-prepare", [&] {
      fs::create_directory(dir);
      rows = make_rows(ctx.workload.plan, cfg.database_rows, me, b.seed, insert_runs);
      expected = io::expected_read_back(rows);
      // The query catalog: built once with the fastest way in, then one copy per strategy.
      bool any_query = false;
      for (const auto& s : strategies) any_query = any_query || s->queries();
      if (!any_query) return;
      std::vector<std::string> runs;
      const auto big = make_rows(ctx.workload.plan, cfg.database_query_rows, me, b.seed + 1, runs);
      const fs::path base = dir / "query.sqlite";
      core::Stopwatch clock;
      io::make_catalog_with_runs(base, runs);
      io::db_strategies().at("wal", "database strategy").make()->insert(base, big, 100000);
      build_s = clock.elapsed_s();
      // Ten runs spread over the catalog for the per-run query.
      for (std::size_t k = 0; k < 10; ++k) query_runs.push_back(runs[k * runs.size() / 10]);
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (!strategies[i]->queries()) continue;
        query_files[i] = dir / ("query-" + names[i] + ".sqlite");
        fs::copy_file(base, query_files[i], fs::copy_options::overwrite_existing);
        strategies[i]->prepare(query_files[i]);
        const auto answer = strategies[i]->query(query_files[i], query_runs);
        if (!have_reference) {
          reference = answer;
          have_reference = true;
        }
        plans[names[i]] = strategies[i]->plan(query_files[i]);
      }
      remove_catalog(base);
    });

    const auto total_tiles = static_cast<std::int64_t>(ctx.workload.plan.tiles.size());
    std::int64_t units = ctx.units_before;
    std::map<std::string, std::vector<double>> spans;  // rank 0: repetition times
    for (const auto& step : core::measurement_schedule(static_cast<int>(names.size()), b.warmup,
                                                       b.repetitions, b.seed)) {
      const auto si = static_cast<std::size_t>(step.strategy);
      auto& strategy = *strategies[si];
      const bool query = strategy.queries();
      const fs::path file = query ? query_files[si] : dir / ("insert-" + names[si] + ".sqlite");
      if (!query) {
        run_phase(ctx.comm, "database-clean", [&] {
          remove_catalog(file);
          io::make_catalog_with_runs(file, insert_runs);
        });
      }
      core::Sample s;
      io::QueryAnswer answer;
      run_phase(ctx.comm, "database-start", [] {});
      run_phase(ctx.comm, query ? "database-query" : "database-insert", [&] {
        core::Stopwatch clock;
        s.start_s = ctx.clock.now();
        if (query)
          answer = strategy.query(file, query_runs);
        else
          strategy.insert(file, rows, cfg.database_batch);
        s.end_s = ctx.clock.now();
        s.seconds = clock.elapsed_s();
      });
      const double start = bmpi::all_reduce(ctx.comm, s.start_s, bmpi::minimum<double>());
      const double end = bmpi::all_reduce(ctx.comm, s.end_s, bmpi::maximum<double>());
      units += total_tiles;
      ctx.progress.set(units, "database " + names[si] +
                                  (step.measured() ? " rep " + std::to_string(step.repetition + 1)
                                                   : " warm-up"));
      if (!step.measured()) continue;
      if (me == 0) spans[names[si]].push_back(end - start);
      run_phase(ctx.comm, "database-check", [&] {
        const io::QueryAnswer got = query ? answer : io::read_back(file);
        const io::QueryAnswer& want = query ? reference : expected;
        s.optimizer = "database";
        s.strategy = names[si];
        s.kernel = query ? kQuery : kInsert;
        s.image = ctx.workload.image;
        s.rank = me;
        s.repetition = step.repetition;
        s.tiles = 0;
        s.pixels = query ? got.rows : static_cast<std::int64_t>(rows.size());
        s.bytes = static_cast<std::int64_t>(fs::file_size(file));
        s.checksum = got.checksum;
        const bool same = got.rows == want.rows && got.checksum == want.checksum;
        s.check = same ? core::CheckStatus::passed : core::CheckStatus::failed;
        s.differing = same ? 0 : std::abs(got.rows - want.rows) + 1;
        s.peak_rss_bytes = static_cast<std::int64_t>(core::peak_rss_bytes());
        out.samples.push_back(s);
      });
    }
    if (me == 0) add_notes(cfg, build_s, plans, spans, out);
    run_phase(ctx.comm, "database-done", [] {});
  }

 private:
  static void add_notes(const core::Config& cfg, double build_s,
                        const std::map<std::string, std::string>& plans,
                        const std::map<std::string, std::vector<double>>& spans,
                        OptimizerOutput& out) {
    out.notes.push_back(
        "database: every rank inserts " + std::to_string(cfg.database_rows) +
        " rows into its own catalog file per repetition (rows/s in the table count every "
        "rank's rows); 'wal' trades durability: with synchronous=NORMAL a power loss may lose "
        "the last commits (the catalog stays consistent)");
    auto median_of = [&](const char* name) {
      const auto it = spans.find(name);
      return it == spans.end() || it->second.empty() ? 0.0 : core::median(it->second);
    };
    if (const double naive = median_of("naive"), wal = median_of("wal"); naive > 0 && wal > 0) {
      out.notes.push_back("database: wal (prepared + batched + WAL) inserts " +
                          core::format_number(naive / wal, 3) + "x the rows/s of naive");
    }
    if (!plans.empty()) {
      out.notes.push_back("database: query catalog of " + std::to_string(cfg.database_query_rows) +
                          " rows per rank built in " + core::format_number(build_s, 3) +
                          " s (untimed)");
      for (const auto& [name, plan] : plans)
        out.notes.push_back("database: query plan, " + name + ": " + plan);
    }
    if (const double scan = median_of("no-index"), index = median_of("indexed");
        scan > 0 && index > 0) {
      out.notes.push_back("database: indexed queries run " + core::format_number(scan / index, 3) +
                          "x faster than no-index");
    }
  }
};

}  // namespace

NSPERF_REGISTER_OPTIMIZER(DatabaseOptimizer, "database",
                          "the SQLite tile catalog: inserts (connection, statements, "
                          "transactions, journal) and indexed queries")

}  // namespace nsperf::mpi
