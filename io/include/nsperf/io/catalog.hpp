#pragma once
/// \file The tile catalog: an SQLite database (no server) with one row per `nsperf run` and one
/// per tile, so that runs can be queried with `sqlite3 tiles.sqlite 'select ...'`, and one per
/// search of `nsperf tune` (table tuned). Schema version 2 (PRAGMA user_version; a version-1
/// catalog gains the tuned table when opened), documented in docs/catalog.md.
///
/// Every value is bound to a prepared statement, never spliced into SQL text; a run is added in
/// one transaction, so a failure leaves the catalog as it was.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "nsperf/core/records.hpp"
#include "nsperf/core/tuning.hpp"

struct sqlite3;

namespace nsperf::io {

/// The catalog layout this build writes, and the newest it reads.
inline constexpr int kCatalogSchemaVersion = 2;

/// One run, as its row in `runs`.
struct CatalogRun {
  std::string run_id;
  std::string created;      ///< UTC, ISO 8601
  std::string image;        ///< what was read ("flower.png: png 2268x1512 u8 RGB -> u8 luminance")
  std::string source_file;  ///< as given; "" for the synthetic image
  std::string source_sha256;
  std::string output;  ///< the HDF5 output file
  std::string strategy;
  int ranks = 0;
  std::int64_t width = 0;
  std::int64_t height = 0;
  std::int64_t tile = 0;
  int threshold = 0;
  double negative_space_fraction = 0;
  std::string check_status;     ///< passed, failed, not-checked
  std::string provenance_json;  ///< every provenance attribute, as one JSON object
};

/// What one search of `nsperf tune` found, as its row in `tuned`.
struct CatalogTuned {
  std::string run_id;  ///< the tune run
  std::string created;
  std::string input;
  core::WorkloadFeatures features;
  std::string settings_json;  ///< the tuned settings, a JSON object by config key
  double time_ratio = 1;      ///< tuned / defaults in the closing comparison (1: the defaults won)
  double job_s = 0;           ///< the tuned settings' median job
};

/// An open catalog. Move-only; closes on destruction.
class Catalog {
 public:
  /// Opens `path`, creating it (and the schema) if absent. Throws InputError naming the file if
  /// it is not SQLite, is SQLite without this schema, has a newer schema version, or cannot be
  /// created; IoError if it is locked by another process for longer than `busy_ms`.
  static Catalog open(const std::filesystem::path& path, int busy_ms = 5000);

  /// Adds `run` and its `tiles` (threshold copied to every tile row) in one transaction; on
  /// failure rolls back and throws IoError (a run id already present is an InputError).
  void add_run(const CatalogRun& run, std::span<const core::TileStats> tiles);

  /// Adds what a search of nsperf tune found; a run id already present is an InputError.
  void add_tuned(const CatalogTuned& tuned);
  /// Every search recorded, oldest first.
  std::vector<CatalogTuned> tuned();

  /// Closes; throws IoError if SQLite reports a failure.
  void close();

  Catalog(Catalog&&) noexcept = default;
  Catalog& operator=(Catalog&&) noexcept = default;
  ~Catalog();

 private:
  struct Closer {
    void operator()(sqlite3* db) const noexcept;
  };
  Catalog(std::unique_ptr<sqlite3, Closer> db, std::filesystem::path path)
      : db_(std::move(db)), path_(std::move(path)) {}
  std::unique_ptr<sqlite3, Closer> db_;
  std::filesystem::path path_;
};

}  // namespace nsperf::io
