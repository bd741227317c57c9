// no-index: the query set on the catalog as nsperf run makes it (its primary key (run_id,
// tile_id) is its only index): the slowest and the failed tiles are found by scanning the table.
#include "db_rows.hpp"

namespace nsperf::io {
namespace {

class NoIndex final : public detail::QueryStrategy {
 public:
  void prepare(const std::filesystem::path& /*file*/) override {}
};

}  // namespace

NSPERF_REGISTER_DB_STRATEGY(NoIndex, "no-index", "queries on the primary key alone (table scans)",
                            false, conservative)

}  // namespace nsperf::io
