#pragma once
// Inside the sim library: one simulation, run in a child process (SimGrid allows one engine
// per process), and the helper that forks it.

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "nsperf/sim/whatif.hpp"

namespace nsperf::sim::detail {

/// What a replay measured on the simulated clock.
struct ReplayResult {
  double pipeline_s = 0;
  double max_busy_s = 0;
  double mean_busy_s = 0;
  double coordination_s = 0;
  double network_s = 0;
  int nodes = 0;
};

/// In this process, once: starts SimGrid quietly with the model settings whatif uses, loads
/// `platform` (throws with SimGrid's message) and replays `scenario` over `tiles`.
/// `cores_are_hosts`: the platform is one node whose hosts are its cores
/// (node_of_cores_platform_xml), each with as many ranks as the next: placement 0 puts the
/// ranks on them in turn, placement k > 0 in an order shuffled with seed k. `draw` of `draws`
/// (0 <= draw < draws): each core's speed one of job.core_speeds, a stratum of them per draw
/// (draw -1: the tile costs as they are).
ReplayResult replay(const core::MeasuredJob& job, const std::filesystem::path& platform,
                    const Scenario& scenario, const std::vector<core::TileCost>& tiles,
                    bool cores_are_hosts = false, int placement = 0, int draw = -1, int draws = 0);

/// Starts SimGrid in this process and loads `platform`; returns its host count (throws with
/// SimGrid's message).
int load_only(const std::filesystem::path& platform);

}  // namespace nsperf::sim::detail
