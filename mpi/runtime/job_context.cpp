// Where a job runs and what it records about that: the node layout, the provenance every rank
// agrees on, the library versions. Used by both jobs (benchmark and production).
#include "nsperf/mpi/job_context.hpp"

#include <mpi.h>

#include <algorithm>
#include <array>
#include <boost/mpi/collectives.hpp>
#include <boost/mpi/environment.hpp>
#include <boost/version.hpp>
#include <cstdlib>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "nsperf/core/libraries.hpp"
#include "nsperf/core/memory.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/io/hdf5.hpp"
#include "nsperf/kernels/machine.hpp"
#include "serialization.hpp"

namespace nsperf::mpi {

std::string node_name() {
  const char* slurm = std::getenv("SLURMD_NODENAME");
  if (slurm != nullptr && *slurm != '\0') return slurm;
  return bmpi::environment::processor_name();
}

std::string new_run_id() {
  // Sortable by time, and unique enough to append many runs to one file.
  std::string stamp = core::utc_timestamp();  // 2026-11-24T09:41:07Z
  std::erase(stamp, '-');
  std::erase(stamp, ':');
  std::random_device device;
  std::ostringstream id;
  // Always 4 hex digits: ids of one second then sort and read alike (…Z-05d5, not …Z-5d5).
  id << stamp << "-" << std::hex << std::setw(4) << std::setfill('0') << (device() & 0xffffu);
  return id.str();
}

std::string library_versions() {
  char mpi_version[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(mpi_version, &len);
  std::string mpi(mpi_version, static_cast<std::size_t>(len));
  mpi = mpi.substr(0, mpi.find_first_of(",\n"));
  std::string boost = BOOST_LIB_VERSION;
  std::replace(boost.begin(), boost.end(), '_', '.');
  return mpi + "; " + io::hdf5_version() + "; Boost " + boost + "; nlohmann-json " +
         std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
         std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
         std::to_string(NLOHMANN_JSON_VERSION_PATCH) + "; OpenMP " + std::to_string(_OPENMP) +
         "; " + core::registered_library_versions();
}

std::optional<bool> waits_yield_the_core() {
  int provided = 0;
  if (MPI_T_init_thread(MPI_THREAD_SINGLE, &provided) != MPI_SUCCESS) return std::nullopt;
  std::optional<bool> yields;
  int index = 0;
  if (MPI_T_cvar_get_index("mpi_yield_when_idle", &index) == MPI_SUCCESS) {
    MPI_T_cvar_handle handle = nullptr;
    int count = 0;
    if (MPI_T_cvar_handle_alloc(index, nullptr, &handle, &count) == MPI_SUCCESS) {
      // Open MPI stores it as a C bool (one byte), not an int: read into zeroed room for any
      // scalar and test for a non-zero byte.
      std::array<unsigned char, 16> value{};
      if (count == 1 && MPI_T_cvar_read(handle, value.data()) == MPI_SUCCESS)
        yields = std::any_of(value.begin(), value.end(), [](unsigned char b) { return b != 0; });
      MPI_T_cvar_handle_free(&handle);
    }
  }
  MPI_T_finalize();
  return yields;
}

std::string busy_polling_warning(const NodeLayout& layout, std::optional<bool> yields) {
  if (!yields.has_value() || *yields || layout.busy_cores() <= layout.node_cores) return {};
  // mpirun turns mpi_yield_when_idle on by itself when it places more ranks than slots, but not
  // under a rankfile or another launcher's binding: 4 ranks on 2 cores by rankfile took 20-37 ms
  // a repetition of the distributed benchmark here, against 9.7-9.9 ms with it on.
  return std::to_string(layout.node_ranks) + " ranks x " + std::to_string(layout.threads) +
         " threads share rank 0's node's " + std::to_string(layout.node_cores) +
         " cores while Open MPI busy-polls in every wait (mpi_yield_when_idle is off): a waiting "
         "rank holds a core that a computing rank needs: run with 'mpirun --mca "
         "mpi_yield_when_idle 1' (or OMPI_MCA_mpi_yield_when_idle=1 in the environment)";
}

NodeLayout node_layout(const bmpi::communicator& comm, int configured) {
  NodeLayout layout;
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, comm.rank(), MPI_INFO_NULL, &node);
  MPI_Comm_size(node, &layout.node_ranks);
  MPI_Comm_free(&node);
  layout.node_cores = core::online_cores();
  if (configured > 0) {
    layout.threads = configured;
  } else if (std::getenv("OMP_NUM_THREADS") != nullptr) {
    layout.threads = kernels::openmp_max_threads();
  } else {
    // Ranks bound to disjoint cores each see their own; unbound ranks all see the whole node and
    // share it. Counting the node's ranks per usable core covers both.
    const std::int64_t usable = core::affinity_count();
    const std::int64_t sharing = std::min<std::int64_t>(layout.node_ranks, usable);
    const std::int64_t mine =
        std::max<std::int64_t>(1, usable / std::max<std::int64_t>(1, sharing));
    layout.threads =
        static_cast<int>(layout.node_ranks * usable <= layout.node_cores ? usable : mine);
  }
  return layout;
}

core::Provenance gather_provenance(const bmpi::communicator& comm, const std::string& command_line,
                                   const core::Config& config, const NodeLayout& layout) {
  const std::string host = node_name();
  const std::string cpus = core::affinity_cpus();
  std::vector<std::string> hosts;
  std::vector<std::string> bindings;
  bmpi::gather(comm, host, hosts, 0);
  bmpi::gather(comm, cpus, bindings, 0);

  core::Provenance p;
  if (comm.rank() == 0) {
    p = core::capture_local_provenance(command_line);
    p.run_id = new_run_id();
    p.simd_isa = kernels::compiled_simd_isa();
    p.libraries = library_versions();
    p.ranks = comm.size();
    p.threads_per_rank = layout.threads;
    p.omp_binding = kernels::openmp_binding();
    p.config_json = config.json.dump();
    std::vector<std::pair<std::string, int>> counts;
    for (const auto& h : hosts) {
      auto it =
          std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == h; });
      if (it == counts.end())
        counts.emplace_back(h, 1);
      else
        ++it->second;
    }
    for (const auto& [h, n] : counts)
      p.hosts += (p.hosts.empty() ? "" : ",") + h + ":" + std::to_string(n);
    for (std::size_t r = 0; r < bindings.size(); ++r) {
      p.rank_binding += (r == 0 ? "" : ";") + std::to_string(r) + ":" + bindings[r];
    }
  }
  bmpi::broadcast(comm, p, 0);
  return p;
}

}  // namespace nsperf::mpi
