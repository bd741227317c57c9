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
//  - "catalog": the two ways `nsperf run --catalog` could gather every rank's rows into one
//    catalog, end to end: "rank0-writer" (the rows sent to rank 0 with MPI_Gatherv, rank 0
//    inserts them all; what nsperf run does) and "per-rank-merge" (every rank inserts into its
//    own file, then rank 0 attaches each and copies its rows). Both insert the way "wal" does;
//    the merged catalog is read back and checked on rank 0.
#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <stdexcept>
#include <tuple>

#include "nsperf/core/config.hpp"
#include "nsperf/core/memory.hpp"
#include "nsperf/core/statistics.hpp"
#include "nsperf/core/strategy.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/io/db_strategy.hpp"
#include "nsperf/mpi/collective.hpp"
#include "nsperf/mpi/optimizer.hpp"
#include "nsperf/mpi/phase.hpp"
#include "nsperf/mpi/runner.hpp"
#include "scratch.hpp"

namespace nsperf::mpi {
namespace {

// The database optimizer's settings (declared below, NSPERF_OPTIMIZER_SETTINGS).
struct Settings {
  std::int64_t rows;
  int batch;
  std::int64_t query_rows;
  explicit Settings(const core::Config& cfg)
      : rows(cfg.setting<std::int64_t>("database", "rows")),
        batch(cfg.setting<int>("database", "batch")),
        query_rows(cfg.setting<std::int64_t>("database", "query_rows")) {}
};

constexpr const char* kInsert = "insert";
constexpr const char* kQuery = "query";
constexpr const char* kCatalog = "catalog";
// The two ways to build one catalog from every rank's rows (references, registered below).
constexpr const char* kRank0Writer = "rank0-writer";
constexpr const char* kPerRankMerge = "per-rank-merge";
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
    // The configured strategies and the designs of one catalog (references), as run() runs them.
    const auto designs =
        static_cast<std::int64_t>(core::strategy_catalog().references("database").size());
    return scheduled_units(config, strategies_of(config, "database") + designs, tiles);
  }

  void run(const OptimizerContext& ctx, OptimizerOutput& out) override {
    const auto& cfg = ctx.config;
    const Settings settings(cfg);
    const auto& names = cfg.optimizers.at("database").strategies;
    const auto& b = cfg.benchmark;
    const int me = ctx.comm.rank();
    // Queries are measured against the scan without indexes, the two designs of one catalog
    // against rank 0 inserting every row; inserts against the optimizer's baseline.
    out.baselines.push_back({"database", "no-index", "query"});
    out.baselines.push_back({"database", kRank0Writer, "catalog"});
    std::vector<std::unique_ptr<io::DbStrategy>> strategies;
    run_phase(ctx.comm, "prepare", [&] {
      for (const auto& n : names)
        strategies.push_back(io::db_strategies().at(n, "database strategy").make());
    });
    const fs::path parent = scratch_parent(cfg.setting<std::string>("io", "dir"), b.output);
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
      rows = make_rows(ctx.workload.plan, settings.rows, me, cfg.input.seed, insert_runs);
      expected = io::expected_read_back(rows);
      // The query catalog: built once with the fastest way in, then one copy per strategy.
      bool any_query = false;
      for (const auto& s : strategies) any_query = any_query || s->queries();
      if (!any_query) return;
      std::vector<std::string> runs;
      const auto big =
          make_rows(ctx.workload.plan, settings.query_rows, me, cfg.input.seed + 1, runs);
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

    // The catalog designs: every rank's run ids and rows, known to rank 0 (untimed) so that it
    // can make the merged catalog's runs and check its contents.
    std::vector<std::vector<std::string>> all_runs;
    bmpi::gather(ctx.comm, insert_runs, all_runs, 0);
    io::QueryAnswer merged_expected;
    std::vector<std::string> every_run;
    run_phase(ctx.comm, "database-designs", [&] {
      if (me != 0) return;
      std::vector<io::DbRow> every;
      for (int r = 0; r < ctx.comm.size(); ++r) {
        std::vector<std::string> ids;
        auto part = make_rows(ctx.workload.plan, settings.rows, r, cfg.input.seed, ids);
        every.insert(every.end(), part.begin(), part.end());
      }
      for (const auto& ids : all_runs) every_run.insert(every_run.end(), ids.begin(), ids.end());
      std::sort(every.begin(), every.end(), [](const io::DbRow& a, const io::DbRow& c) {
        return std::tie(a.run_id, a.tile.tile_id) < std::tie(c.run_id, c.tile.tile_id);
      });
      merged_expected = io::expected_read_back(every);
    });

    // The strategies, then the designs of a merged catalog (no strategies of their own).
    std::vector<RunEntry> entries = strategy_entries(names);
    for (const auto& design : core::strategy_catalog().references("database")) {
      if (design.name != kRank0Writer && design.name != kPerRankMerge)
        throw std::logic_error("database: reference '" + design.name + "' has no body here");
      entries.push_back({design.name, {}});
    }
    Runner runner(ctx, "database", out);
    runner.run(entries, [&](Trial& trial) {
      const auto si = trial.index();
      if (si >= names.size()) {
        catalog_design(ctx, trial, dir, scratch.path(), rows, insert_runs, all_runs, every_run,
                       merged_expected);
        return;
      }
      auto& strategy = *strategies[si];
      const bool query = strategy.queries();
      const fs::path file = query ? query_files[si] : dir / ("insert-" + names[si] + ".sqlite");
      if (!query) {
        run_phase(ctx.comm, "database-clean", [&] {
          remove_catalog(file);
          io::make_catalog_with_runs(file, insert_runs);
        });
      }
      io::QueryAnswer answer;
      trial.line_up("database-start");
      const Timing t = trial.local(query ? "database-query" : "database-insert", [&] {
        if (query)
          answer = strategy.query(file, query_runs);
        else
          strategy.insert(file, rows, settings.batch);
      });
      trial.check([&] {
        const io::QueryAnswer got = query ? answer : io::read_back(file);
        const io::QueryAnswer& want = query ? reference : expected;
        core::Sample& s = trial.record(query ? kQuery : kInsert, t);
        s.tiles = 0;
        s.pixels = query ? got.rows : static_cast<std::int64_t>(rows.size());
        s.bytes = static_cast<std::int64_t>(fs::file_size(file));
        s.checksum = got.checksum;
        const bool same = got.rows == want.rows && got.checksum == want.checksum;
        s.check = same ? core::CheckStatus::passed : core::CheckStatus::failed;
        s.differing = same ? 0 : std::abs(got.rows - want.rows) + 1;
      });
    });
    if (me == 0) add_notes(cfg, build_s, plans, out);
    run_phase(ctx.comm, "database-done", [] {});
  }

 private:
  // One end-to-end run of a way to gather every rank's rows into one catalog.
  static void catalog_design(const OptimizerContext& ctx, Trial& trial, const fs::path& dir,
                             const fs::path& shared, const std::vector<io::DbRow>& rows,
                             const std::vector<std::string>& runs,
                             const std::vector<std::vector<std::string>>& all_runs,
                             const std::vector<std::string>& every_run,
                             const io::QueryAnswer& expected) {
    const auto& cfg = ctx.config;
    const Settings settings(cfg);
    const std::string& design = trial.name();
    const int me = ctx.comm.rank();
    const fs::path merged = shared / ("catalog-" + design + ".sqlite");
    const fs::path own = dir / ("catalog-" + design + ".sqlite");
    run_phase(ctx.comm, "database-clean", [&] {
      if (me == 0) {
        remove_catalog(merged);
        io::make_catalog_with_runs(merged, every_run);
      }
      if (design == kPerRankMerge) {
        remove_catalog(own);
        io::make_catalog_with_runs(own, runs);
      }
    });
    auto wal = io::db_strategies().at("wal", "database strategy").make();
    trial.line_up("database-start");
    // Several phases and collectives make one run: timed as a whole.
    const Timing t = trial.time([&] {
      if (design == kRank0Writer) {
        // The tile records travel as bytes; rank 0 knows every rank's run ids and thresholds
        // (as in nsperf run).
        std::vector<core::TileStats> mine;
        for (const auto& r : rows) mine.push_back(r.tile);
        const auto per_rank = gather_records(ctx.comm, std::span<const core::TileStats>(mine));
        run_phase(ctx.comm, "database-catalog", [&] {
          if (me != 0) return;
          std::vector<io::DbRow> every;
          for (std::size_t rank = 0; rank < per_rank.size(); ++rank) {
            for (std::size_t i = 0; i < per_rank[rank].size(); ++i) {
              io::DbRow row;
              row.tile = per_rank[rank][i];
              row.threshold = static_cast<int>(i % 256);
              row.run_id = all_runs[rank][i / static_cast<std::size_t>(kTilesPerRun)];
              every.push_back(std::move(row));
            }
          }
          wal->insert(merged, every, settings.batch);
        });
      } else {
        run_phase(ctx.comm, "database-catalog", [&] { wal->insert(own, rows, settings.batch); });
        std::vector<std::string> sources;
        bmpi::gather(ctx.comm, own.string(), sources, 0);
        run_phase(ctx.comm, "database-merge", [&] {
          if (me != 0) return;
          const std::vector<fs::path> paths(sources.begin(), sources.end());
          io::merge_catalogs(merged, paths);
        });
      }
    });
    trial.check([&] {
      core::Sample& s = trial.record(kCatalog, t);
      s.tiles = 0;
      s.pixels = static_cast<std::int64_t>(rows.size());
      s.check = core::CheckStatus::passed;
      if (me == 0) {
        const auto got = io::read_back(merged);
        s.checksum = got.checksum;
        s.bytes = static_cast<std::int64_t>(fs::file_size(merged));
        if (got.rows != expected.rows || got.checksum != expected.checksum) {
          s.check = core::CheckStatus::failed;
          s.differing = std::abs(got.rows - expected.rows) + 1;
        }
      }
    });
  }

  static void add_notes(const core::Config& cfg, double build_s,
                        const std::map<std::string, std::string>& plans, OptimizerOutput& out) {
    const Settings settings(cfg);
    out.notes.push_back(
        "database: every rank inserts " + std::to_string(settings.rows) +
        " rows into its own catalog file per repetition (rows/s in the table count every "
        "rank's rows); 'wal' trades durability: with synchronous=NORMAL a power loss may lose "
        "the last commits (the catalog stays consistent)");
    if (!plans.empty()) {
      out.notes.push_back("database: query catalog of " + std::to_string(settings.query_rows) +
                          " rows per rank built in " + core::format_number(build_s, 3) +
                          " s (untimed)");
      for (const auto& [name, plan] : plans)
        out.notes.push_back("database: query plan, " + name + ": " + plan);
    }
  }
};

}  // namespace

// One catalog from every rank, end to end, beside the insert strategies.
NSPERF_REGISTER_REFERENCE(database, Rank0Writer, kRank0Writer,
                          "every rank's rows sent to rank 0 (MPI_Gatherv), which inserts them all "
                          "as 'wal' does: what nsperf run --catalog does (reference)")
NSPERF_REGISTER_REFERENCE(database, PerRankMerge, kPerRankMerge,
                          "every rank inserts into its own file as 'wal' does, then rank 0 "
                          "attaches each and copies its rows (reference)")

NSPERF_OPTIMIZER_SETTINGS(
    database,
    {{"rows",
      core::KeyType::integer,
      1000,
      1,
      100000000,
      {},
      "Tile rows each rank inserts per repetition of every insert strategy (the baseline opens a "
      "connection and syncs a journal per row: keep it small)."},
     {"batch",
      core::KeyType::integer,
      500,
      1,
      100000000,
      {},
      "Rows per transaction of the 'batched' and 'wal' strategies."},
     {"query_rows",
      core::KeyType::integer,
      1000000,
      1000,
      1000000000,
      {},
      "Rows of the catalog each rank builds (untimed) for the query strategies, 1000 tiles per "
      "run."}})
NSPERF_REGISTER_OPTIMIZER(DatabaseOptimizer, "database",
                          "the SQLite tile catalog: inserts (connection, statements, "
                          "transactions, journal) and indexed queries")

}  // namespace nsperf::mpi
