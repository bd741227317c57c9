// batched: prepared, with the rows committed in transactions of `batch` rows: one journal sync
// per transaction instead of one per row.
#include "db_rows.hpp"

namespace nsperf::io {
namespace {

class Batched final : public DbStrategy {
 public:
  [[nodiscard]] bool queries() const override { return false; }
  void insert(const std::filesystem::path& file, std::span<const DbRow> rows, int batch) override {
    detail::Connection db(file);
    detail::insert_batched(db, rows, batch);
  }
};

}  // namespace

NSPERF_REGISTER_DB_STRATEGY(Batched, "batched",
                            "prepared, in transactions of optimizers.database.batch rows", false,
                            conservative)

}  // namespace nsperf::io
