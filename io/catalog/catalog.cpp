#include "nsperf/io/catalog.hpp"
#include "nsperf/core/libraries.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <string>

#include "db_rows.hpp"
#include "nsperf/core/error.hpp"
#include "sqlite_db.hpp"

namespace nsperf::io {
namespace {

using detail::exec;
using detail::Statement;

}  // namespace

namespace detail {
const char* const kCatalogSchemaSql = R"sql(
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
)sql";

// Schema 2 adds what nsperf tune learned; a schema-1 catalog gains it when opened.
const char* const kTunedSchemaSql = R"sql(
CREATE TABLE tuned (
  run_id TEXT PRIMARY KEY,
  created TEXT NOT NULL,
  input TEXT NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  dtype TEXT NOT NULL,
  empty_tiles REAL NOT NULL,
  compressibility REAL NOT NULL,
  ranks INTEGER NOT NULL,
  cores_per_rank INTEGER NOT NULL,
  host TEXT NOT NULL,
  settings TEXT NOT NULL,
  time_ratio REAL NOT NULL,
  job_s REAL NOT NULL
);
PRAGMA user_version = 2;
)sql";
}  // namespace detail

namespace {}  // namespace

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
  // SQLite opens a file it may not write read-only, silently; the run would fail at the end.
  if (sqlite3_db_readonly(db.get(), "main") == 1)
    throw InputError("catalog " + path.string() + ": read-only (cannot be written)");
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
  if (version < kCatalogSchemaVersion) {
    exec(db.get(), "BEGIN IMMEDIATE", path);
    try {
      if (version == 0) exec(db.get(), detail::kCatalogSchemaSql, path);
      exec(db.get(), detail::kTunedSchemaSql, path);
      exec(db.get(), "COMMIT", path);
    } catch (...) {
      sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
  return {std::move(db), path};
}

void Catalog::add_run(const CatalogRun& run, std::span<const core::TileStats> tiles) {
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
    Statement t(db, detail::kInsertTile, path_);
    DbRow row;
    row.run_id = run.run_id;
    row.threshold = run.threshold;
    for (const auto& tile : tiles) {
      row.tile = tile;
      detail::insert_row(t, row);
    }
    exec(db, "COMMIT", path_);
  } catch (...) {
    // The run goes in whole or not at all.
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void Catalog::add_tuned(const CatalogTuned& t) {
  Statement r(db_.get(),
              "INSERT INTO tuned (run_id, created, input, width, height, dtype, empty_tiles, "
              "compressibility, ranks, cores_per_rank, host, settings, time_ratio, job_s) VALUES "
              "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
              path_);
  const auto& f = t.features;
  r.bind(1, t.run_id)
      .bind(2, t.created)
      .bind(3, t.input)
      .bind(4, f.width)
      .bind(5, f.height)
      .bind(6, f.dtype)
      .bind(7, f.empty_tiles)
      .bind(8, f.compressibility)
      .bind(9, std::int64_t{f.ranks})
      .bind(10, std::int64_t{f.cores_per_rank})
      .bind(11, f.host)
      .bind(12, t.settings_json)
      .bind(13, t.time_ratio)
      .bind(14, t.job_s)
      .run();
}

std::vector<CatalogTuned> Catalog::tuned() {
  Statement q(db_.get(),
              "SELECT run_id, created, input, width, height, dtype, empty_tiles, compressibility, "
              "ranks, cores_per_rank, host, settings, time_ratio, job_s FROM tuned ORDER BY "
              "created, run_id",
              path_);
  std::vector<CatalogTuned> out;
  while (q.row()) {
    CatalogTuned t;
    t.run_id = q.column_text(0);
    t.created = q.column_text(1);
    t.input = q.column_text(2);
    t.features.width = q.column_int(3);
    t.features.height = q.column_int(4);
    t.features.dtype = q.column_text(5);
    t.features.empty_tiles = q.column_double(6);
    t.features.compressibility = q.column_double(7);
    t.features.ranks = static_cast<int>(q.column_int(8));
    t.features.cores_per_rank = static_cast<int>(q.column_int(9));
    t.features.host = q.column_text(10);
    t.settings_json = q.column_text(11);
    t.time_ratio = q.column_double(12);
    t.job_s = q.column_double(13);
    out.push_back(std::move(t));
  }
  return out;
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

NSPERF_REGISTER_LIBRARY(Sqlite, "SQLite", sqlite3_libversion())
