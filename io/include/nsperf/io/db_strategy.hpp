#pragma once
/// \file Database strategies (the database optimizer): ways of writing tile rows into the
/// SQLite tile catalog (kernel "insert") and of querying it (kernel "query"). One file per
/// strategy, registered with NSPERF_REGISTER_DB_STRATEGY; io/catalog/db_prepared.cpp is the
/// commented template. The insert strategies build on each other: each adds one technique to the
/// one before (naive → pooled-connection → prepared → batched → wal).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "nsperf/core/records.hpp"
#include "nsperf/core/registry.hpp"
#include "nsperf/core/strategy.hpp"

namespace nsperf::io {

/// One row of the catalog's `tiles` table.
struct DbRow {
  std::string run_id;
  core::TileStats tile;
  int threshold = 0;
};

/// What a query kernel found, to check it against the other query strategy's.
struct QueryAnswer {
  std::uint64_t checksum = 0;  ///< of every returned value, in order
  std::int64_t rows = 0;       ///< returned
};

/// One way of writing or querying the catalog.
class DbStrategy {
 public:
  virtual ~DbStrategy() = default;
  /// True for a query strategy, false for an insert strategy.
  [[nodiscard]] virtual bool queries() const = 0;
  /// Insert strategies: writes `rows` into the catalog at `file` (it exists, with the schema
  /// and the runs the rows reference), `batch` rows per transaction where the strategy batches.
  virtual void insert(const std::filesystem::path& file, std::span<const DbRow> rows, int batch);
  /// Query strategies: readies the catalog at `file` (untimed: an index, say).
  virtual void prepare(const std::filesystem::path& file);
  /// Query strategies: for each run in `run_ids`, its 10 slowest tiles and how many of its tiles
  /// are mostly negative space (fraction > 0.9).
  virtual QueryAnswer query(const std::filesystem::path& file,
                            std::span<const std::string> run_ids);
  /// Query strategies: EXPLAIN QUERY PLAN of the queries, one line.
  virtual std::string plan(const std::filesystem::path& file);
};

struct DbStrategyEntry {
  std::string name;
  std::function<std::unique_ptr<DbStrategy>()> make;
};

/// Every database strategy.
core::Registry<DbStrategyEntry>& db_strategies();

/// Creates an empty catalog at `file` holding a `runs` row for each of `run_ids`.
void make_catalog_with_runs(const std::filesystem::path& file,
                            std::span<const std::string> run_ids);

/// Copies every tile row of the catalogs `sources` into the catalog `target` (which holds their
/// runs), in one transaction: how rank 0 merges per-rank catalogs.
void merge_catalogs(const std::filesystem::path& target,
                    std::span<const std::filesystem::path> sources);

/// Reads `file`'s tiles back ordered by (run_id, tile_id): their count and a checksum over every
/// column, to compare with the rows written.
QueryAnswer read_back(const std::filesystem::path& file);

/// The same checksum over `rows` as read_back computes from the database, in (run_id, tile_id)
/// order (`rows` must be in that order).
QueryAnswer expected_read_back(std::span<const DbRow> rows);

}  // namespace nsperf::io

/// Registers `Class` (default-constructible DbStrategy) as database strategy `name`.
#define NSPERF_REGISTER_DB_STRATEGY(Class, name, description, baseline, level)                    \
  namespace {                                                                                     \
  [[maybe_unused]] const bool nsperf_registered_db_##Class = ::nsperf::core::register_strategy(   \
      ::nsperf::io::db_strategies(),                                                              \
      {name, "database", description, baseline, ::nsperf::core::Level::level},                    \
      {name,                                                                                      \
       []() -> std::unique_ptr<::nsperf::io::DbStrategy> { return std::make_unique<Class>(); }}); \
  }
