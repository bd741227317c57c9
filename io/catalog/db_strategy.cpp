#include "nsperf/io/db_strategy.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "db_rows.hpp"
#include "nsperf/core/checksum.hpp"
#include "nsperf/io/catalog.hpp"

namespace nsperf::io {
namespace {

using detail::Statement;

// The questions a catalog is for: the slowest tiles, the failed ones, and per run how many
// tiles are mostly negative space.
constexpr const char* kSlowest =
    "SELECT run_id, tile_id, compute_s FROM tiles ORDER BY compute_s DESC, run_id, tile_id "
    "LIMIT 10";
constexpr const char* kFailed =
    "SELECT run_id, tile_id FROM tiles WHERE status = 'failed' ORDER BY run_id, tile_id";
constexpr const char* kMostlyEmpty =
    "SELECT count(*) FROM tiles WHERE run_id = ?1 AND negative_space_fraction > 0.9";

std::string hex(std::uint64_t v) {
  char text[19];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
  return text;
}

// Running checksum of values of any column type.
struct Sum {
  std::uint64_t value = 0;
  void add(std::int64_t v) { value = core::checksum(std::as_bytes(std::span(&v, 1)), value); }
  void add(double v) { value = core::checksum(std::as_bytes(std::span(&v, 1)), value); }
  void add(const std::string& v) {
    value = core::checksum(std::as_bytes(std::span(v.data(), v.size())), value);
  }
};

[[noreturn]] void not_for(const char* what) {
  throw std::logic_error(std::string("database strategy: ") + what +
                         " called on a strategy of the other kernel");
}

}  // namespace

void DbStrategy::insert(const std::filesystem::path&, std::span<const DbRow>, int) {
  not_for("insert");
}
void DbStrategy::prepare(const std::filesystem::path&) { not_for("prepare"); }
QueryAnswer DbStrategy::query(const std::filesystem::path&, std::span<const std::string>) {
  not_for("query");
}
std::string DbStrategy::plan(const std::filesystem::path&) { not_for("plan"); }

core::Registry<DbStrategyEntry>& db_strategies() {
  static core::Registry<DbStrategyEntry> registry;
  return registry;
}

namespace detail {

Connection::Connection(const std::filesystem::path& path) : path_(path) {
  const int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr);
  if (rc != SQLITE_OK) Statement::fail(db_, rc, "open", path);
  sqlite3_busy_timeout(db_, 5000);
}

Connection::~Connection() { sqlite3_close_v2(db_); }

void insert_row(Statement& insert, const DbRow& row) {
  const auto& t = row.tile;
  insert.bind(1, row.run_id)
      .bind(2, t.tile_id)
      .bind(3, std::int64_t{t.rank})
      .bind(4, t.rect.x)
      .bind(5, t.rect.y)
      .bind(6, t.rect.width)
      .bind(7, t.rect.height)
      .bind(8, t.negative_space_fraction)
      .bind(9, t.gradient_mean)
      .bind(10, t.gradient_max)
      .bind(11, std::int64_t{row.threshold})
      .bind(12, t.read_s)
      .bind(13, t.transfer_s)
      .bind(14, t.compute_s)
      .bind(15, hex(t.mask_checksum))
      .bind(16, std::string(core::to_string(t.check)))
      .bind(17, t.differing_pixels)
      .run();
}

void insert_batched(const Connection& db, std::span<const DbRow> rows, int batch) {
  Statement insert(db.get(), kInsertTile, db.path());
  const auto n = static_cast<std::size_t>(std::max(1, batch));
  for (std::size_t first = 0; first < rows.size(); first += n) {
    db.exec("BEGIN");
    for (const auto& row : rows.subspan(first, std::min(n, rows.size() - first)))
      insert_row(insert, row);
    db.exec("COMMIT");
  }
}

QueryAnswer run_queries(const Connection& db, std::span<const std::string> run_ids) {
  QueryAnswer a;
  Sum sum;
  {
    Statement s(db.get(), kSlowest, db.path());
    while (s.row()) {
      sum.add(s.column_text(0));
      sum.add(s.column_int(1));
      sum.add(s.column_text(2));
      ++a.rows;
    }
  }
  {
    Statement s(db.get(), kFailed, db.path());
    while (s.row()) {
      sum.add(s.column_text(0));
      sum.add(s.column_int(1));
      ++a.rows;
    }
  }
  Statement s(db.get(), kMostlyEmpty, db.path());
  for (const auto& id : run_ids) {
    s.bind(1, id);
    while (s.row()) {
      sum.add(s.column_int(0));
      ++a.rows;
    }
    s.reset();
  }
  a.checksum = sum.value;
  return a;
}

std::string explain_queries(const Connection& db) {
  std::string out;
  for (const auto& [name, sql] : {std::pair{"slowest", kSlowest}, std::pair{"failed", kFailed},
                                  std::pair{"mostly-empty", kMostlyEmpty}}) {
    const std::string explain = std::string("EXPLAIN QUERY PLAN ") + sql;
    Statement s(db.get(), explain.c_str(), db.path());
    std::string steps;
    while (s.row()) steps += (steps.empty() ? "" : ", ") + s.column_text(3);
    out += (out.empty() ? "" : "; ") + std::string(name) + ": " + steps;
  }
  return out;
}

}  // namespace detail

void make_catalog_with_runs(const std::filesystem::path& file,
                            std::span<const std::string> run_ids) {
  auto catalog = Catalog::open(file);
  catalog.close();
  detail::Connection db(file);
  db.exec("BEGIN");
  Statement s(db.get(),
              "INSERT INTO runs (run_id, created, image, source_file, source_sha256, output, "
              "strategy, ranks, width, height, tile, threshold, negative_space_fraction, "
              "check_status, provenance) VALUES (?1, '', 'benchmark', '', '', '', '', 1, 0, 0, 0, "
              "0, 0, 'not-checked', '{}')",
              file);
  for (const auto& id : run_ids) s.bind(1, id).run();
  db.exec("COMMIT");
}

void merge_catalogs(const std::filesystem::path& target,
                    std::span<const std::filesystem::path> sources) {
  detail::Connection db(target);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  for (const auto& source : sources) {
    // ATTACH outside a transaction; the file name is bound, not spliced.
    Statement attach(db.get(), "ATTACH DATABASE ?1 AS source", target);
    attach.bind(1, source.string()).run();
    db.exec("BEGIN; INSERT INTO tiles SELECT * FROM source.tiles; COMMIT;");
    db.exec("DETACH DATABASE source");
  }
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

QueryAnswer read_back(const std::filesystem::path& file) {
  detail::Connection db(file);
  Statement s(db.get(),
              "SELECT run_id, tile_id, rank, x, y, width, height, negative_space_fraction, "
              "gradient_mean, gradient_max, threshold, read_s, transfer_s, compute_s, "
              "mask_checksum, status, differing_pixels FROM tiles ORDER BY run_id, tile_id",
              file);
  QueryAnswer a;
  Sum sum;
  while (s.row()) {
    sum.add(s.column_text(0));
    for (int i : {1, 2, 3, 4, 5, 6}) sum.add(s.column_int(i));
    for (int i : {7, 8, 9}) sum.add(s.column_double(i));
    sum.add(s.column_int(10));
    for (int i : {11, 12, 13}) sum.add(s.column_double(i));
    sum.add(s.column_text(14));
    sum.add(s.column_text(15));
    sum.add(s.column_int(16));
    ++a.rows;
  }
  a.checksum = sum.value;
  return a;
}

QueryAnswer expected_read_back(std::span<const DbRow> rows) {
  QueryAnswer a;
  Sum sum;
  for (const auto& r : rows) {
    const auto& t = r.tile;
    sum.add(r.run_id);
    for (std::int64_t v :
         {t.tile_id, std::int64_t{t.rank}, t.rect.x, t.rect.y, t.rect.width, t.rect.height})
      sum.add(v);
    for (double v : {t.negative_space_fraction, t.gradient_mean, t.gradient_max}) sum.add(v);
    sum.add(std::int64_t{r.threshold});
    for (double v : {t.read_s, t.transfer_s, t.compute_s}) sum.add(v);
    sum.add(hex(t.mask_checksum));
    sum.add(std::string(core::to_string(t.check)));
    sum.add(t.differing_pixels);
    ++a.rows;
  }
  a.checksum = sum.value;
  return a;
}

}  // namespace nsperf::io
