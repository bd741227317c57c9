#pragma once
/// \file Where a job runs and what it records about that: how the ranks sit on their nodes, the
/// provenance of the run (identical on every rank), the library versions. Both jobs use it.

#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "nsperf/core/config.hpp"
#include "nsperf/core/provenance.hpp"

namespace nsperf::mpi {

namespace bmpi = boost::mpi;

/// How the ranks sit on this rank's node.
struct NodeLayout {
  int node_ranks = 1;           ///< ranks sharing this node
  std::int64_t node_cores = 1;  ///< online cores of the node
  int threads = 1;              ///< OpenMP threads this rank's multi-threaded strategies use
  /// The cores this node's ranks keep busy (ranks x threads): above node_cores, oversubscribed.
  [[nodiscard]] std::int64_t busy_cores() const {
    return static_cast<std::int64_t>(node_ranks) * threads;
  }
};

/// Collective over `comm`. Threads: `configured` if positive, else OMP_NUM_THREADS if set, else
/// the cores this rank may use, shared with the ranks on its node that may use them too (at
/// least 1): unbound ranks split the node instead of each starting a thread per core.
NodeLayout node_layout(const bmpi::communicator& comm, int configured);

/// Whether this process's MPI library yields the processor while it waits (Open MPI's
/// mpi_yield_when_idle, read through the MPI tool interface); empty when the library has no such
/// setting. Local: no communication.
std::optional<bool> waits_yield_the_core();

/// What the warnings say when ranks outnumber their node's cores and waits do not yield the
/// core; empty otherwise.
std::string busy_polling_warning(const NodeLayout& layout, std::optional<bool> yields);

/// Collective over `comm`: provenance of this run as rank 0 sees it, with every rank's host and
/// binding; identical on every rank afterwards.
core::Provenance gather_provenance(const bmpi::communicator& comm, const std::string& command_line,
                                   const core::Config& config, const NodeLayout& layout);

/// "Open MPI v4.1.4; HDF5 1.10.8 (parallel); Boost 1.74; …": the libraries this binary uses.
std::string library_versions();

/// The node this process runs on: SLURM's name for it inside a SLURM job step (SLURMD_NODENAME),
/// else MPI's processor name (the host name). Emulated SLURM nodes on one machine
/// (slurm/local-cluster) share a host name and are told apart only so. Local.
std::string node_name();

/// A new run id: the UTC time to the second and 4 random hex digits ("20261206T012553Z-828d"),
/// sortable by time. Local.
std::string new_run_id();

}  // namespace nsperf::mpi
