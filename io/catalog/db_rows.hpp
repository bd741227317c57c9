#pragma once
// What the database strategies share: a connection that closes itself, the INSERT of a tile
// row with its values bound, and the query set both query strategies run.

#include <sqlite3.h>

#include <filesystem>
#include <span>
#include <string>

#include "nsperf/io/db_strategy.hpp"
#include "sqlite_db.hpp"

namespace nsperf::io::detail {

/// The INSERT of one `tiles` row, values ?1..?17.
inline constexpr const char* kInsertTile =
    "INSERT INTO tiles (run_id, tile_id, rank, x, y, width, height, negative_space_fraction, "
    "gradient_mean, gradient_max, threshold, read_s, transfer_s, compute_s, mask_checksum, "
    "status, differing_pixels) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
    "?14, ?15, ?16, ?17)";

/// An open connection (SQLite's defaults: rollback journal, synchronous FULL).
class Connection {
 public:
  explicit Connection(const std::filesystem::path& path);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();
  [[nodiscard]] sqlite3* get() const noexcept { return db_; }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  void exec(const char* sql) const { detail::exec(db_, sql, path_); }

 private:
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
};

/// Binds `row` to an INSERT prepared from kInsertTile and runs it.
void insert_row(Statement& insert, const DbRow& row);

/// Inserts `rows` through one prepared INSERT in transactions of `batch` rows.
void insert_batched(const Connection& db, std::span<const DbRow> rows, int batch);

/// The query set (see DbStrategy::query) on `db`.
QueryAnswer run_queries(const Connection& db, std::span<const std::string> run_ids);

/// EXPLAIN QUERY PLAN of the query set, "query: plan; ..." on one line.
std::string explain_queries(const Connection& db);

/// The query strategies' common body: they differ in how they ready the catalog.
class QueryStrategy : public DbStrategy {
 public:
  [[nodiscard]] bool queries() const override { return true; }
  QueryAnswer query(const std::filesystem::path& file,
                    std::span<const std::string> run_ids) override {
    const Connection db(file);
    return run_queries(db, run_ids);
  }
  std::string plan(const std::filesystem::path& file) override {
    const Connection db(file);
    return explain_queries(db);
  }
};

}  // namespace nsperf::io::detail
