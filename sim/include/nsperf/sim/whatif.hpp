#pragma once
/// \file `nsperf whatif`: the distributed job replayed on a SimGrid platform (S4U) at rank
/// counts no test machine has, from one run's measured tile, transfer and write costs
/// (core::MeasuredJob). docs/whatif.md describes the model.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nsperf/core/measured_job.hpp"

namespace nsperf::sim {

/// The partitioners whatif replays, as the distributed optimizer runs them: static-block,
/// static-cyclic, dynamic, guided.
std::vector<std::string> partitioner_names();
[[nodiscard]] bool is_partitioner(std::string_view name);

/// A network link: bandwidth and one-way latency.
struct Link {
  double bytes_per_s = 0;
  double latency_s = 0;
};

/// Between nodes when the user gives no --link and the file measured no inter-node transfer:
/// an HDR InfiniBand-class link (100 Gbit/s, 1.5 µs).
inline constexpr Link kDefaultNodeLink{12.5e9, 1.5e-6};

/// Largest rank count whatif simulates.
inline constexpr int kMaxRanks = 1'000'000;

/// The machine the job is replayed on.
struct PlatformSpec {
  std::filesystem::path xml;  ///< the user's SimGrid platform XML; empty: a generated cluster
  int nodes = 0;              ///< generated: 0 = as many as the largest rank count needs
  int cores_per_node = 0;     ///< generated: 0 = as many as the measuring node had
  Link link;                  ///< generated, between nodes: 0 = measured between nodes, or default
};

/// One job to simulate.
struct Scenario {
  int ranks = 0;
  std::string partitioner;
  std::int64_t tile_size = 0;
  core::Extent image;
  int threads_per_rank = 0;  ///< OpenMP threads each rank computes with; 0 = as measured
  /// Ranks placed on each host in turn, the next host's once one has this many (as mpirun and
  /// srun place them by default); 0 = as many as its cores hold (threads per rank at a time).
  int ranks_per_node = 0;
  /// On one node with more ranks than cores: the core each rank was bound to (any CPU numbers;
  /// distinct ones are the node's cores in order). Empty: unbound, the prediction the median
  /// over placements of the ranks on the cores.
  std::vector<int> core_of_rank;
};

/// What one simulated job did.
struct Prediction {
  Scenario scenario;
  std::int64_t tiles = 0;
  int nodes = 0;                  ///< nodes the ranks were placed on
  double makespan_s = 0;          ///< pipeline_s + write_s
  double pipeline_s = 0;          ///< common start to the last rank's end of stage B
  double write_s = 0;             ///< the collective write of the output at the write bandwidth
  double compute_s = 0;           ///< the busiest rank's computing time
  double coordination_s = 0;      ///< rank 0 cutting other ranks' tiles and serving requests
  double network_s = 0;           ///< rank 0's outgoing pixels over its route's bandwidth
  double imbalance = 0;           ///< max / mean of the ranks' computing time
  double coordination_share = 0;  ///< coordination_s / makespan_s
  double speedup = 0;      ///< the smallest rank count's makespan / this (same partitioner, tile)
  double efficiency = 0;   ///< speedup × smallest rank count / ranks
  std::string bottleneck;  ///< the largest of compute, coordination, network, write
  double simulated_in_s = 0;              ///< wall time the simulation took
  std::int64_t simulation_rss_bytes = 0;  ///< its peak resident memory
};

/// Every tile of `image` cut into `tile_size` tiles with the costs the measured run implies:
/// the measured tiles themselves when nothing changes; otherwise each new tile takes the cost per
/// padded pixel of the measured tile under its centre (the image scaled to the measured one), so
/// a skew in the measured image survives. Pure.
std::vector<core::TileCost> workload_tiles(const core::MeasuredJob& job, core::Extent image,
                                           std::int64_t tile_size);

/// The smallest image, the measured one scaled by a whole factor per side, that gives each of
/// `ranks` ranks at least one tile of `tile_size`.
core::Extent image_for_ranks(const core::MeasuredJob& job, std::int64_t tile_size, int ranks);

/// SimGrid platform XML: `nodes` hosts of `cores` cores at `core_flops` each, linked through a
/// switch (`between`: node to node, split between the two hosts' links), ranks of one node
/// through its loopback (`within`).
std::string cluster_platform_xml(int nodes, int cores, double core_flops, Link between,
                                 Link within);

/// Whether a generated platform of `nodes` nodes of `cores` cores, `most_ranks` ranks of
/// `threads` threads at most, is simulated with each core a host of its own (one node with more
/// single-threaded ranks than cores: each rank keeps to one core, see replay.cpp).
inline bool cores_are_hosts(int nodes, int cores, int threads, int most_ranks) {
  return nodes == 1 && threads == 1 && most_ranks > cores;
}

/// How many placements of unbound ranks on such a node's cores a prediction takes the median of
/// (odd: the median is one of them).
inline constexpr int kPlacements = 7;
/// Simulations of a scenario, each with every core's speed drawn from the measured ones
/// (MeasuredJob::core_speeds), whose median is the prediction; past 256 ranks, fewer.
inline constexpr int kSpeedDraws = 9;
inline constexpr int kSpeedDrawsMany = 5;

/// SimGrid platform XML of one node whose `cores` cores are hosts of one core each, linked as
/// its ranks are (`within`): for a node with more ranks than cores, where each rank keeps to
/// the core it was put on (see replay.cpp).
std::string node_of_cores_platform_xml(int cores, double core_flops, Link within);

/// Throws InputError with SimGrid's message and the file's name when SimGrid cannot load
/// `xml` as a platform, or it has no host.
void check_platform(const std::filesystem::path& xml);

/// Simulates every scenario, each in its own process (SimGrid runs one engine per process),
/// as many at once as there are cores; fills speedup and efficiency. `progress` is called after
/// each one. Throws InputError on a platform SimGrid refuses, Error when a simulation fails.
std::vector<Prediction> predict(const core::MeasuredJob& job, const PlatformSpec& platform,
                                std::span<const Scenario> scenarios,
                                const std::function<void(std::size_t, std::size_t)>& progress = {});

}  // namespace nsperf::sim
