// naive (baseline): a new connection for every row, the INSERT's text built and prepared for
// every row, autocommit (SQLite's defaults: a rollback journal synced on every commit). The
// values are still bound, never spliced into the text.
#include <string>

#include "db_rows.hpp"

namespace nsperf::io {
namespace {

class Naive final : public DbStrategy {
 public:
  [[nodiscard]] bool queries() const override { return false; }
  void insert(const std::filesystem::path& file, std::span<const DbRow> rows,
              int /*batch*/) override {
    for (const auto& row : rows) {
      detail::Connection db(file);
      const std::string sql = std::string(detail::kInsertTile);  // built per row
      detail::Statement insert(db.get(), sql.c_str(), file);
      detail::insert_row(insert, row);
    }
  }
};

}  // namespace

NSPERF_REGISTER_DB_STRATEGY(Naive, "naive",
                            "a connection and a prepared INSERT per row, autocommit (baseline)",
                            true, conservative)

}  // namespace nsperf::io
