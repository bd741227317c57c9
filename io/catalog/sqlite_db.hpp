#pragma once
// SQLite for the catalog and the database strategies: a prepared statement that finalizes
// itself, and checked calls whose errors name the file and say what a user can do (a locked or
// read-only database, a full disk, a constraint).

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "nsperf/core/error.hpp"

namespace nsperf::io::detail {

/// The catalog's schema (tables runs and tiles, user_version), as SQL (io/catalog/catalog.cpp).
extern const char* const kCatalogSchemaSql;

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
  [[nodiscard]] double column_double(int i) const { return sqlite3_column_double(stmt_, i); }
  /// Ready for new bindings and a new run.
  void reset() { sqlite3_reset(stmt_); }
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

inline void exec(sqlite3* db, const char* sql, const std::filesystem::path& path) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
  if (error != nullptr) sqlite3_free(error);
  if (rc != SQLITE_OK) Statement::fail(db, rc, "exec", path);
}

}  // namespace nsperf::io::detail
