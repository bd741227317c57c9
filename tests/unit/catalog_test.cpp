#include "nsperf/io/catalog.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "nsperf/core/error.hpp"

namespace nsperf::io {
namespace {

namespace fs = std::filesystem;

class CatalogTest : public ::testing::Test {
 protected:
  // ctest runs tests in parallel processes: each its own file.
  fs::path path = fs::path(testing::TempDir()) /
                  (std::string("catalog_test_") +
                   testing::UnitTest::GetInstance()->current_test_info()->name() + ".sqlite");
  void SetUp() override { fs::remove(path); }
  void TearDown() override { fs::remove(path); }

  static CatalogRun run_named(const std::string& id) {
    CatalogRun r;
    r.run_id = id;
    r.created = "2026-11-24T08:00:00Z";
    r.image = "o'brien \"quoted\"; DROP TABLE runs; --.png: png 8x4 u8";
    r.source_file = "o'brien \"quoted\"; DROP TABLE runs; --.png";
    r.output = "out.h5";
    r.strategy = "fused";
    r.ranks = 2;
    r.width = 8;
    r.height = 4;
    r.tile = 4;
    r.threshold = 17;
    r.negative_space_fraction = 0.5;
    r.check_status = "passed";
    r.provenance_json = R"({"run_id":")" + id + R"("})";
    return r;
  }
  static std::vector<core::TileStats> two_tiles() {
    std::vector<core::TileStats> t(2);
    t[0].tile_id = 0;
    t[0].rect = {0, 0, 4, 4};
    t[0].mask_checksum = 0xfedcba9876543210ULL;
    t[1].tile_id = 1;
    t[1].rank = 1;
    t[1].rect = {4, 0, 4, 4};
    t[1].negative_space_fraction = 1;
    return t;
  }
  // One value of the first row of `sql`, as text.
  std::string query(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
    std::string out;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != nullptr)
      out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
  }
  void exec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
    sqlite3_close(db);
  }
};

TEST_F(CatalogTest, RunsAndTilesGoInWithTheirValuesBound) {
  auto c = Catalog::open(path);
  c.add_run(run_named("a"), two_tiles());
  c.close();
  auto again = Catalog::open(path);  // reopening an existing catalog
  again.add_run(run_named("b"), two_tiles());
  again.close();
  EXPECT_EQ(query("PRAGMA user_version"), "2");
  EXPECT_EQ(query("SELECT count(*) FROM runs"), "2");
  EXPECT_EQ(query("SELECT count(*) FROM tiles"), "4");
  // Quotes and SQL in a name are data.
  EXPECT_EQ(query("SELECT source_file FROM runs WHERE run_id = 'a'"),
            "o'brien \"quoted\"; DROP TABLE runs; --.png");
  EXPECT_EQ(query("SELECT mask_checksum FROM tiles WHERE run_id = 'a' AND tile_id = 0"),
            "fedcba9876543210");
  EXPECT_EQ(query("SELECT threshold FROM tiles WHERE run_id = 'b' AND tile_id = 1"), "17");
  EXPECT_EQ(query("SELECT status FROM tiles WHERE tile_id = 1 LIMIT 1"), "not-checked");
}

TEST_F(CatalogTest, AFailedRunLeavesNoRowsBehind) {
  auto c = Catalog::open(path);
  c.add_run(run_named("a"), two_tiles());
  // The same run id again: the runs row fails, and nothing of the second attempt stays.
  auto tiles = two_tiles();
  EXPECT_THROW(c.add_run(run_named("a"), tiles), InputError);
  // A tile id twice fails after the run row went in: the whole run is rolled back.
  tiles[1].tile_id = 0;
  EXPECT_THROW(c.add_run(run_named("b"), tiles), InputError);
  c.close();
  EXPECT_EQ(query("SELECT count(*) FROM runs"), "1");
  EXPECT_EQ(query("SELECT count(*) FROM tiles"), "2");
  EXPECT_EQ(query("PRAGMA integrity_check"), "ok");
}

TEST_F(CatalogTest, ASchemaOneCatalogGainsTheTunedTableAndKeepsItsRuns) {
  // The version-1 layout, as an earlier nsperf made it, with one run.
  Catalog::open(path).close();
  exec("DROP TABLE tuned; PRAGMA user_version = 1");
  exec(
      "INSERT INTO runs VALUES ('old', 'c', 'i', 's', 'h', 'o', 'fused', 1, 8, 4, 4, 1, 0.5, "
      "'passed', '{}')");
  auto c = Catalog::open(path);
  EXPECT_TRUE(c.tuned().empty());
  CatalogTuned t;
  t.run_id = "tune-1";
  t.created = "2026-12-06T05:00:00Z";
  t.input = "it's \"quoted\".tif";
  t.features = {4096, 2048, "u16", 0.25, 0.4, 2, 1, "node1"};
  t.settings_json = R"({"run.strategy":"simd"})";
  t.time_ratio = 0.8;
  t.job_s = 1.5;
  c.add_tuned(t);
  EXPECT_THROW(c.add_tuned(t), InputError) << "one row per tune run";
  const auto rows = c.tuned();
  c.close();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].input, t.input);
  EXPECT_EQ(rows[0].features.height, 2048);
  EXPECT_EQ(rows[0].features.dtype, "u16");
  EXPECT_EQ(rows[0].features.empty_tiles, 0.25);
  EXPECT_EQ(rows[0].features.ranks, 2);
  EXPECT_EQ(rows[0].features.host, "node1");
  EXPECT_EQ(rows[0].settings_json, t.settings_json);
  EXPECT_EQ(rows[0].time_ratio, 0.8);
  EXPECT_EQ(query("PRAGMA user_version"), "2");
  EXPECT_EQ(query("SELECT count(*) FROM runs"), "1");
}

TEST_F(CatalogTest, RefusesNewerSchemasOtherDatabasesAndOtherFiles) {
  Catalog::open(path).close();
  exec("PRAGMA user_version = 99");
  try {
    Catalog::open(path);
    FAIL() << "a newer schema was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 99 is newer than this nsperf reads (2)"),
              std::string::npos)
        << e.what();
  }
  fs::remove(path);
  exec("CREATE TABLE other (x INTEGER)");
  EXPECT_THROW(Catalog::open(path), InputError);
  fs::remove(path);
  std::ofstream(path) << "not a database, just text that is long enough to have a header....\n";
  try {
    Catalog::open(path);
    FAIL() << "a text file was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not an SQLite database"), std::string::npos) << e.what();
  }
}

TEST_F(CatalogTest, ALockedCatalogIsAClearErrorAfterTheBusyTimeout) {
  Catalog::open(path).close();
  sqlite3* holder = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &holder), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(holder, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  try {
    auto c = Catalog::open(path, /*busy_ms=*/100);
    c.add_run(run_named("a"), two_tiles());
    FAIL() << "wrote through an exclusive lock";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("locked by another process"), std::string::npos)
        << e.what();
  }
  sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(holder);
}

}  // namespace
}  // namespace nsperf::io
