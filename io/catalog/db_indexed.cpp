// indexed: the same queries after indexes on the columns they filter and sort by (compute_s;
// status with the sort order of its query; run_id with negative_space_fraction), made in
// prepare(), untimed.
#include "db_rows.hpp"

namespace nsperf::io {
namespace {

class Indexed final : public detail::QueryStrategy {
 public:
  void prepare(const std::filesystem::path& file) override {
    detail::Connection db(file);
    db.exec(
        "CREATE INDEX IF NOT EXISTS tiles_compute_s ON tiles (compute_s);"
        "CREATE INDEX IF NOT EXISTS tiles_status ON tiles (status, run_id, tile_id);"
        "CREATE INDEX IF NOT EXISTS tiles_run_negative_space ON tiles (run_id, "
        "negative_space_fraction);"
        "ANALYZE;");
  }
};

}  // namespace

NSPERF_REGISTER_DB_STRATEGY(Indexed, "indexed",
                            "queries with indexes on compute_s, status and (run_id, "
                            "negative_space_fraction)",
                            false, conservative)

}  // namespace nsperf::io
