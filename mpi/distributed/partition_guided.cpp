// guided: self-scheduling whose chunks shrink as work runs out: remaining / (2 ranks), at least
// k. Large chunks early cost few requests; small ones late keep the ranks finishing together.
#include <algorithm>

#include "nsperf/mpi/partitioner.hpp"

namespace nsperf::mpi {
namespace {

class Guided final : public Partitioner {
 public:
  [[nodiscard]] std::vector<int> owners(const core::TilePlan&, int) const override { return {}; }
  [[nodiscard]] std::int64_t chunk(std::int64_t remaining, int ranks,
                                   std::int64_t k) const override {
    return std::max<std::int64_t>(k, remaining / (2 * std::max(1, ranks)));
  }
};

}  // namespace

NSPERF_REGISTER_PARTITIONER(Guided, "guided",
                            "self-scheduled chunks that shrink as work runs out (at least k)",
                            false, conservative)

}  // namespace nsperf::mpi
