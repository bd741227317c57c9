// dynamic: self-scheduling in chunks of k tiles. Ranks ask rank 0 for the next chunk (one
// request ahead, so the answer is there when they finish); rank 0 computes chunks too, serving
// requests between its tiles.
#include "nsperf/mpi/partitioner.hpp"

namespace nsperf::mpi {
namespace {

class Dynamic final : public Partitioner {
 public:
  [[nodiscard]] std::vector<int> owners(const core::TilePlan&, int) const override { return {}; }
  [[nodiscard]] std::int64_t chunk(std::int64_t, int, std::int64_t k) const override { return k; }
};

}  // namespace

NSPERF_REGISTER_PARTITIONER(Dynamic, "dynamic",
                            "self-scheduled chunks of k tiles from rank 0 (which computes too)",
                            false, conservative)

}  // namespace nsperf::mpi
