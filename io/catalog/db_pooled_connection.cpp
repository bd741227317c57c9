// pooled-connection: naive with one connection kept open for every row.
#include <string>

#include "db_rows.hpp"

namespace nsperf::io {
namespace {

class PooledConnection final : public DbStrategy {
 public:
  [[nodiscard]] bool queries() const override { return false; }
  void insert(const std::filesystem::path& file, std::span<const DbRow> rows,
              int /*batch*/) override {
    detail::Connection db(file);
    for (const auto& row : rows) {
      const std::string sql = std::string(detail::kInsertTile);
      detail::Statement insert(db.get(), sql.c_str(), file);
      detail::insert_row(insert, row);
    }
  }
};

}  // namespace

NSPERF_REGISTER_DB_STRATEGY(PooledConnection, "pooled-connection",
                            "one connection; an INSERT prepared per row, autocommit", false,
                            conservative)

}  // namespace nsperf::io
