// Every registered database strategy against the rows it was given: insert strategies store
// exactly them (count and a checksum over every column), query strategies give one answer.
#include "nsperf/io/db_strategy.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace nsperf::io {
namespace {

namespace fs = std::filesystem;

std::vector<DbRow> rows_for(const std::vector<std::string>& runs, int per_run) {
  std::vector<DbRow> rows;
  for (const auto& run : runs) {
    for (int i = 0; i < per_run; ++i) {
      DbRow r;
      r.run_id = run;
      r.threshold = 40 + i % 3;
      r.tile.tile_id = i;
      r.tile.rank = i % 2;
      r.tile.rect = {i * 8, 0, 8, 8};
      r.tile.negative_space_fraction = (i % 10) / 10.0 + 0.05;
      r.tile.compute_s = 1e-3 * (i % 17) + 1e-6 * i;
      r.tile.mask_checksum = 0x9e3779b97f4a7c15ULL * static_cast<unsigned>(i + 1);
      r.tile.check = i % 50 == 7 ? core::CheckStatus::failed : core::CheckStatus::passed;
      rows.push_back(r);
    }
  }
  return rows;
}

class DbStrategies : public ::testing::Test {
 protected:
  fs::path dir = fs::path(testing::TempDir()) /
                 (std::string("db_strategy_test_") +
                  testing::UnitTest::GetInstance()->current_test_info()->name());
  void SetUp() override {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
};

TEST_F(DbStrategies, EveryInsertStrategyStoresExactlyTheRows) {
  const std::vector<std::string> runs = {"run-a", "run-b'quote"};
  const auto rows = rows_for(runs, 120);
  const auto expected = expected_read_back(rows);
  EXPECT_EQ(expected.rows, 240);
  int strategies = 0;
  for (const auto& entry : db_strategies().entries()) {
    auto s = entry.make();
    if (s->queries()) continue;
    SCOPED_TRACE(entry.name);
    const fs::path file = dir / (entry.name + ".sqlite");
    make_catalog_with_runs(file, runs);
    s->insert(file, rows, 50);
    const auto got = read_back(file);
    EXPECT_EQ(got.rows, expected.rows);
    EXPECT_EQ(got.checksum, expected.checksum);
    ++strategies;
  }
  EXPECT_EQ(strategies, 5);
}

TEST_F(DbStrategies, QueryStrategiesAgreeAndIndexesShowInThePlan) {
  std::vector<std::string> runs;
  for (int r = 0; r < 20; ++r) runs.push_back("run" + std::to_string(100 + r));
  const auto rows = rows_for(runs, 100);
  const fs::path base = dir / "base.sqlite";
  make_catalog_with_runs(base, runs);
  db_strategies().at("wal", "database strategy").make()->insert(base, rows, 1000);
  std::vector<QueryAnswer> answers;
  for (const char* name : {"no-index", "indexed"}) {
    auto s = db_strategies().at(name, "database strategy").make();
    ASSERT_TRUE(s->queries());
    const fs::path file = dir / (std::string(name) + ".sqlite");
    fs::copy_file(base, file);
    s->prepare(file);
    answers.push_back(s->query(file, std::span(runs).first(5)));
    const std::string plan = s->plan(file);
    EXPECT_EQ(plan.find("tiles_compute_s") != std::string::npos, std::string(name) == "indexed")
        << plan;
  }
  // 10 slowest, 40 failed (i % 50 == 7, two per run), 5 counts.
  EXPECT_EQ(answers[0].rows, 10 + 40 + 5);
  EXPECT_EQ(answers[0].rows, answers[1].rows);
  EXPECT_EQ(answers[0].checksum, answers[1].checksum);
}

}  // namespace
}  // namespace nsperf::io
