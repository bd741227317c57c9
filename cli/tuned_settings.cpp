#include "tuned_settings.hpp"

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/environment.hpp>
#include <filesystem>

#include "nsperf/core/error.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/io/catalog.hpp"
#include "nsperf/mpi/job_context.hpp"
#include "nsperf/mpi/phase.hpp"

namespace nsperf::cli {

core::WorkloadFeatures job_workload(const boost::mpi::communicator& world,
                                    const core::Config& cfg) {
  // The cores as tune counts them: the automatic threads of the rank with the fewest.
  const int cores =
      boost::mpi::all_reduce(world, mpi::node_layout(world, 0).threads, boost::mpi::minimum<int>());
  core::WorkloadFeatures f;
  mpi::run_phase(world, "workload", [&] {
    if (world.rank() != 0) return;
    f = mpi::sample_workload(cfg, world.size(), cores, boost::mpi::environment::processor_name());
  });
  return f;
}

std::optional<mpi::NearestTuned> nearest_in_catalog(const std::string& path,
                                                    const core::WorkloadFeatures& f,
                                                    const std::string& option) {
  if (!std::filesystem::exists(path))
    throw InputError(option + " " + path + ": no such catalog (nsperf tune --catalog makes one)");
  auto catalog = io::Catalog::open(path);
  const auto rows = catalog.tuned();
  catalog.close();
  return mpi::nearest_tuned(rows, f);
}

std::string describe_nearest(const mpi::NearestTuned& n) {
  const auto& r = n.row;
  return "tune run " + r.run_id + " of " + r.input + " (" + std::to_string(r.features.ranks) +
         (r.features.ranks == 1 ? " rank" : " ranks") + " on " + r.features.host + "), distance " +
         core::format_number(n.distance, 3) + ": " + n.how;
}

}  // namespace nsperf::cli
