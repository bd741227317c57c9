#include "nsperf/io/catalog.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <string>

#include "nsperf/core/error.hpp"

namespace nsperf::io {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE runs (
  run_id TEXT PRIMARY KEY,
  created TEXT NOT NULL,
  image TEXT NOT NULL,
  source_file TEXT NOT NULL,
  source_sha256 TEXT NOT NULL,
  output TEXT NOT NULL,
  strategy TEXT NOT NULL,
  ranks INTEGER NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  tile INTEGER NOT NULL,
  threshold INTEGER NOT NULL,
  negative_space_fraction REAL NOT NULL,
  check_status TEXT NOT NULL,
  provenance TEXT NOT NULL
);
CREATE TABLE tiles (
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  tile_id INTEGER NOT NULL,
  rank INTEGER NOT NULL,
  x INTEGER NOT NULL,
  y INTEGER NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  negative_space_fraction REAL NOT NULL,
  gradient_mean REAL NOT NULL,
  gradient_max REAL NOT NULL,
  threshold INTEGER NOT NULL,
  read_s REAL NOT NULL,
  transfer_s REAL NOT NULL,
  compute_s REAL NOT NULL,
  mask_checksum TEXT NOT NULL,
  status TEXT NOT NULL,
  differing_pixels INTEGER NOT NULL,
  PRIMARY KEY (run_id, tile_id)
);
PRAGMA user_version = 1;
)sql";

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql, const std::filesystem::path& path) : path_(path) {
    check(db, sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr), "prepare");
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  Statement& bind(int i, const std::string& v) {
    check(sqlite3_db_handle(stmt_),
          sqlite3_bind_text(stmt_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT),
          "bind");
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    check(sqlite3_db_handle(stmt_), sqlite3_bind_int64(stmt_, i, v), "bind");
    return *this;
  }
  Statement& bind(int i, double v) {
    check(sqlite3_db_handle(stmt_), sqlite3_bind_double(stmt_, i, v), "bind");
    return *this;
  }
  /// Runs to completion (a statement without rows) and resets for the next bindings.
  void run() {
    const int rc = sqlite3_step(stmt_);
    if (rc != SQLITE_DONE) check(sqlite3_db_handle(stmt_), rc, "step");
    sqlite3_reset(stmt_);
  }
  /// Steps once; true while there is a row.
  bool row() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) check(sqlite3_db_handle(stmt_), rc, "step");
    return false;
  }
  [[nodiscard]] std::int64_t column_int(int i) const { return sqlite3_column_int64(stmt_, i); }
  [[nodiscard]] std::string column_text(int i) const {
    const auto* t = sqlite3_column_text(stmt_, i);
    return t != nullptr ? reinterpret_cast<const char*>(t) : "";
  }

  // Throws for a failed SQLite call: locked and read-only databases and a full disk get the
  // words a user needs; a constraint (a run id twice) is bad input.
  void check(sqlite3* db, int rc, const char* what) const {
    if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return;
    fail(db, rc, what, path_);
  }

  [[noreturn]] static void fail(sqlite3* db, int rc, const char* what,
                                const std::filesystem::path& path) {
    const std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    const std::string where = "catalog " + path.string() + ": ";
    switch (rc & 0xff) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        throw IoError(where + "locked by another process (" + message + "); try again later");
      case SQLITE_READONLY:
        throw IoError(where + "read-only (" + message + ")");
      case SQLITE_FULL:
        throw IoError(where + "the disk is full (" + message + ")");
      case SQLITE_CONSTRAINT:
        throw InputError(where + message);
      case SQLITE_NOTADB:
        throw InputError(where + "not an SQLite database");
      default:
        throw IoError(where + what + " failed: " + message);
    }
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  std::filesystem::path path_;
};

void exec(sqlite3* db, const char* sql, const std::filesystem::path& path) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
  if (error != nullptr) sqlite3_free(error);
  if (rc != SQLITE_OK) Statement::fail(db, rc, "exec", path);
}

std::string hex(std::uint64_t v) {
  char text[19];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
  return text;
}

}  // namespace

void Catalog::Closer::operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }

Catalog::~Catalog() = default;

Catalog Catalog::open(const std::filesystem::path& path, int busy_ms) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<sqlite3, Closer> db(raw);
  if (rc != SQLITE_OK) {
    throw InputError("catalog " + path.string() + ": cannot be opened or created (" +
                     (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)) + ")");
  }
  sqlite3_busy_timeout(db.get(), busy_ms);
  exec(db.get(), "PRAGMA foreign_keys = ON", path);
  int version = 0;
  int tables = 0;
  {
    // Reading the schema is the first access: a file that is not SQLite fails here.
    Statement v(db.get(), "PRAGMA user_version", path);
    if (v.row()) version = static_cast<int>(v.column_int(0));
    Statement t(db.get(), "SELECT count(*) FROM sqlite_master WHERE type = 'table'", path);
    if (t.row()) tables = static_cast<int>(t.column_int(0));
  }
  if (version > kCatalogSchemaVersion) {
    throw InputError("catalog " + path.string() + ": schema version " + std::to_string(version) +
                     " is newer than this nsperf reads (" + std::to_string(kCatalogSchemaVersion) +
                     ")");
  }
  if (version == 0 && tables > 0) {
    throw InputError("catalog " + path.string() +
                     ": an SQLite database, but not an nsperf tile catalog (it has tables and "
                     "no schema version)");
  }
  if (version == 0) {
    exec(db.get(), "BEGIN IMMEDIATE", path);
    try {
      exec(db.get(), kSchema, path);
      exec(db.get(), "COMMIT", path);
    } catch (...) {
      sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
  return {std::move(db), path};
}

void Catalog::add_run(const CatalogRun& run, std::span<const TileStats> tiles) {
  sqlite3* db = db_.get();
  exec(db, "BEGIN IMMEDIATE", path_);
  try {
    Statement r(db,
                "INSERT INTO runs (run_id, created, image, source_file, source_sha256, output, "
                "strategy, ranks, width, height, tile, threshold, negative_space_fraction, "
                "check_status, provenance) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                "?12, ?13, ?14, ?15)",
                path_);
    r.bind(1, run.run_id)
        .bind(2, run.created)
        .bind(3, run.image)
        .bind(4, run.source_file)
        .bind(5, run.source_sha256)
        .bind(6, run.output)
        .bind(7, run.strategy)
        .bind(8, std::int64_t{run.ranks})
        .bind(9, run.width)
        .bind(10, run.height)
        .bind(11, run.tile)
        .bind(12, std::int64_t{run.threshold})
        .bind(13, run.negative_space_fraction)
        .bind(14, run.check_status)
        .bind(15, run.provenance_json)
        .run();
    Statement t(db,
                "INSERT INTO tiles (run_id, tile_id, rank, x, y, width, height, "
                "negative_space_fraction, gradient_mean, gradient_max, threshold, read_s, "
                "transfer_s, compute_s, mask_checksum, status, differing_pixels) VALUES (?1, ?2, "
                "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                path_);
    for (const auto& s : tiles) {
      t.bind(1, run.run_id)
          .bind(2, s.tile_id)
          .bind(3, std::int64_t{s.rank})
          .bind(4, s.rect.x)
          .bind(5, s.rect.y)
          .bind(6, s.rect.width)
          .bind(7, s.rect.height)
          .bind(8, s.negative_space_fraction)
          .bind(9, s.gradient_mean)
          .bind(10, s.gradient_max)
          .bind(11, std::int64_t{run.threshold})
          .bind(12, s.read_s)
          .bind(13, s.transfer_s)
          .bind(14, s.compute_s)
          .bind(15, hex(s.mask_checksum))
          .bind(16, std::string(core::to_string(s.check)))
          .bind(17, s.differing_pixels)
          .run();
    }
    exec(db, "COMMIT", path_);
  } catch (...) {
    // The run goes in whole or not at all.
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void Catalog::close() {
  sqlite3* db = db_.release();
  const int rc = sqlite3_close(db);
  if (rc != SQLITE_OK) {
    sqlite3_close_v2(db);
    throw IoError("catalog " + path_.string() + ": close failed (" + sqlite3_errstr(rc) + ")");
  }
}

}  // namespace nsperf::io
