#pragma once
/// \file Where and how a run was made: stored as attributes of every run in the results file.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace nsperf::core {

/// Everything needed to know where a number came from. Fields that need MPI or HDF5 (hosts,
/// rank binding, library versions) are filled in by the layers that own those libraries.
struct Provenance {
  std::string run_id;
  std::string command_line;
  std::string start_time;  ///< UTC, ISO 8601
  std::string end_time;
  std::string nsperf_version;
  std::string git_commit;
  std::string compiler;
  std::string build_type;
  std::string build_flags;
  std::string simd_isa;               ///< vector instruction sets the kernels were compiled for
  std::string hosts;                  ///< "host:ranks" pairs, comma separated
  std::string cpu_model;              ///< of rank 0's node
  std::int64_t cores = 0;             ///< online cores of rank 0's node
  std::int64_t memory_bytes = 0;      ///< physical memory of rank 0's node
  std::string libraries;              ///< "name version" pairs, semicolon separated
  std::int64_t ranks = 0;             ///< MPI world size
  std::int64_t threads_per_rank = 0;  ///< OpenMP threads each rank's parallel regions use
  std::string omp_binding;            ///< OMP_PROC_BIND and OMP_PLACES as the runtime sees them
  std::string rank_binding;           ///< the cores each rank may run on, "0:0;1:1"
  std::string config_json;            ///< the effective config
  std::string image;                  ///< the input: file, format, type and size, or synthetic
  std::string input_sha256;           ///< of the input file (benchmark); empty for the synthetic
  std::string slurm_job;              ///< SLURM_JOB_ID etc. when run under SLURM, else empty
  std::string load_average;           ///< /proc/loadavg's three figures on rank 0's node at start
  std::string cpu_governor;           ///< scaling governor(s) of rank 0's node, or "unknown"
  double bandwidth_gbyte_per_s = 0;   ///< the job's measured triad bandwidth, all ranks at once
  double clock_uncertainty_s = 0;     ///< largest uncertainty of a rank's clock offset to rank 0
  double region_overhead_s = 0;       ///< what one profiled region costs (enter + leave), rank 0
  /// distributed optimizer: rank 0 cutting tiles (with halo) ahead into buffers of their own, as
  /// it does for other ranks, GB/s; 0 = not measured
  double cut_ahead_gbyte_per_s = 0;
  /// the same for every other tile (ids 1, 3, 5, ...), as static-cyclic's rank 0 at 2 ranks
  double cut_ahead_apart_gbyte_per_s = 0;
  /// network optimizer (--shared-core): an MPI call that yields a core two ranks share, seconds
  /// per call with the other rank waiting in MPI, and with it computing; 0 = not measured
  double handover_waiting_s = 0;
  double handover_computing_s = 0;
  double handover_slice_s = 0;
  /// distributed optimizer (--busy-cores): rank 0's tiles' time with every other core of its node
  /// computing the same over alone, and the cores computing then; 0 = not measured
  double busy_cores_slowdown = 0;
  std::int64_t busy_cores = 0;
  /// network optimizer, ranks 0 and 1 on different nodes: rank 0's time inside MPI calls per
  /// byte it streams to rank 1 while both compute, ns; 0 = not measured
  double sending_ns_per_byte = 0;
  std::string warnings;  ///< why figures may not be representative, "; "-separated
  std::string notes;  ///< what the figures need to be read right (query plans, ...), "\n"-separated

  /// Name/value pairs in documented order (docs/results-schema.md).
  using Value = std::variant<std::int64_t, double, std::string>;
  [[nodiscard]] std::vector<std::pair<std::string, Value>> attributes() const;
};

/// Name/value pairs as Provenance::attributes() gives them and the files store them.
using Attributes = std::span<const std::pair<std::string, Provenance::Value>>;

/// Attribute `name` as a number (an integer or a float64), or 0 when absent or text.
double attribute_number(Attributes attributes, std::string_view name);

/// Attribute `name` as text (an integer in decimal), or "" when absent or a float64.
std::string attribute_text(Attributes attributes, std::string_view name);

/// Fills the fields this process can see alone: build identity, CPU model, cores, memory,
/// start time, SLURM variables.
Provenance capture_local_provenance(std::string command_line);

/// The cores this process may run on, as a list like "0-3,8".
std::string affinity_cpus();

/// How many cores this process may run on (at least 1).
std::int64_t affinity_count() noexcept;

/// Online cores of this node.
std::int64_t online_cores() noexcept;

/// "model name" from /proc/cpuinfo, or "unknown".
std::string cpu_model();

/// The distinct cpufreq scaling governors of this node's cores ("performance", "powersave
/// schedutil", ...), or "unknown" where the kernel does not expose them.
std::string cpu_governors();

/// Why measurements on this node, now, with this build, may not be representative: a loaded
/// machine (1-minute load above the cores left after `own_ranks`), a governor other than
/// "performance", a build that is not optimized or is sanitized. Empty when nothing is wrong.
std::vector<std::string> measurement_warnings(std::int64_t own_ranks);

}  // namespace nsperf::core
