// prepared: one connection and one prepared INSERT, reset and bound again for every row; still
// autocommit. The template for a database strategy:
//  - an insert strategy writes every row of `rows` into `file` (which exists, with the schema
//    and the runs) and returns once they are committed; the optimizer times the call, then
//    reads the table back and checks it against the rows, outside the timing;
//  - a query strategy readies the file in prepare() (untimed) and answers query();
//  - the last line registers it: name, one line for --list, baseline or not, and the lowest
//    optimization_level that runs it.
#include "db_rows.hpp"

namespace nsperf::io {
namespace {

class Prepared final : public DbStrategy {
 public:
  [[nodiscard]] bool queries() const override { return false; }
  void insert(const std::filesystem::path& file, std::span<const DbRow> rows,
              int /*batch*/) override {
    detail::Connection db(file);
    detail::Statement insert(db.get(), detail::kInsertTile, file);
    for (const auto& row : rows) detail::insert_row(insert, row);
  }
};

}  // namespace

NSPERF_REGISTER_DB_STRATEGY(Prepared, "prepared",
                            "one connection, one cached prepared INSERT, bound per row; "
                            "autocommit",
                            false, conservative)

}  // namespace nsperf::io
