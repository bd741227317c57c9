#include "nsperf/mpi/profile.hpp"

#include <boost/mpi/collectives.hpp>

#include "serialization.hpp"

namespace nsperf::mpi {

GatheredRegions gather_regions(const bmpi::communicator& comm) {
  GatheredRegions g;
  for (auto& r : core::thread_regions().records()) g.mine.push_back({comm.rank(), std::move(r)});
  std::vector<std::vector<core::RankRegion>> parts;
  bmpi::gather(comm, g.mine, parts, 0);
  for (auto& part : parts) g.all.insert(g.all.end(), part.begin(), part.end());
  return g;
}

void start_profile() { core::thread_regions().clear(); }

}  // namespace nsperf::mpi
