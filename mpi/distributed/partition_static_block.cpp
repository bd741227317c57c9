// static-block (baseline): rank r computes a contiguous run of tile ids, as the workload was
// distributed. Cheap tiles clustered in one part of the image leave their ranks idle.
#include "nsperf/mpi/partitioner.hpp"

namespace nsperf::mpi {
namespace {

class StaticBlock final : public Partitioner {
 public:
  [[nodiscard]] std::vector<int> owners(const core::TilePlan& plan, int ranks) const override {
    return core::make_tile_plan(plan.image, plan.tile_size, plan.halo, ranks).owner;
  }
  [[nodiscard]] std::int64_t chunk(std::int64_t, int, std::int64_t) const override { return 0; }
};

}  // namespace

NSPERF_REGISTER_PARTITIONER(StaticBlock, "static-block",
                            "contiguous runs of tiles, fixed before the run (baseline)", true,
                            conservative)

}  // namespace nsperf::mpi
