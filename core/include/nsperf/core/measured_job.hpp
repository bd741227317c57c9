#pragma once
/// \file What `nsperf whatif` replays: one run's measured per-tile costs with the transfer and
/// write figures around them (read from a results file by analysis::read_measured_job, replayed
/// on a SimGrid platform by sim::predict). Plain data, no I/O.

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "nsperf/core/image.hpp"
#include "nsperf/core/tile_plan.hpp"

namespace nsperf::core {

/// One tile's measured costs on one rank (seconds on the measuring machine).
struct TileCost {
  Rect rect;
  double stage_a_s = 0;        ///< Gaussian and Sobel, before the global reductions
  double histogram_s = 0;      ///< its share of the global histogram, between the reductions
  double stage_b_s = 0;        ///< mask and opening, after them
  std::int64_t raw_bytes = 0;  ///< the tile with halo in the image's type, as rank 0 sends it
};

/// A figure the model uses and where it came from, shown beside every prediction.
struct SourcedValue {
  double value = 0;
  std::string source;  ///< e.g. "message_sizes of run X" or "default: no ... in the file"
};

/// One tile of a measured run, as --validate compares runs: who computed it, and how long.
struct MeasuredTile {
  int rank = 0;
  double compute_s = 0;  ///< the tile's median over the repetitions
};

/// One distributed benchmark run's measured makespans for one partitioner (for --validate).
struct MeasuredMakespans {
  std::string run_id;
  std::string partitioner;
  int ranks = 0;
  int threads_per_rank = 1;
  int cores = 0;                  ///< online cores of rank 0's node
  int nodes = 1;                  ///< distinct hosts the ranks ran on
  int ranks_per_node = 0;         ///< the most ranks on one host
  std::vector<int> core_of_rank;  ///< each rank's one CPU (rank_binding); empty unless all bound
  Extent image;
  std::int64_t tile_size = 0;
  std::int64_t chunk = 0;
  std::vector<double> makespans_s;  ///< one per measured repetition
  /// Its tiles by id (the same tiles at every rank count: how fast the machine computed in this
  /// run, and each rank); empty = no tiles table
  std::map<std::int64_t, MeasuredTile> tiles;
};

/// One run's measured job, as nsperf whatif replays it.
struct MeasuredJob {
  std::string path;    ///< the results file
  std::string run_id;  ///< the run the tile costs come from
  std::string image_label;
  Extent image;
  std::int64_t tile_size = 0;
  std::int64_t halo = 0;
  std::int64_t chunk = 2;  ///< optimizers.distributed.chunk: dynamic's chunk, guided's least
  int ranks = 1;
  int threads_per_rank = 1;
  int cores = 1;
  int nodes = 1;
  bool oversubscribed = false;            ///< a node had more rank threads than cores
  std::vector<std::string> partitioners;  ///< measured in that run
  std::vector<TileCost> tiles;            ///< indexed by tile id
  SourcedValue cut_bytes_per_s;  ///< rank 0 cutting its own tiles (with halo) out of the image
  SourcedValue cut_for_others_bytes_per_s;  ///< rank 0 cutting other ranks' tiles; 0 = as its own
  /// rank 0 cutting another rank's tile not adjacent to the one it cut before; 0 = as any other
  SourcedValue cut_apart_bytes_per_s;
  /// A rank's time per tile outside the measured stages (bookkeeping between them), added to
  /// every tile's stage A.
  SourcedValue per_tile_overhead_s;
  SourcedValue latency_s;              ///< one-way point-to-point latency, at the tile's size
  SourcedValue bandwidth_bytes_per_s;  ///< point-to-point streaming bandwidth
  bool network_within_node = true;     ///< measured between two ranks of one node
  /// Rank 0's time serving a self-scheduled rank's request for a chunk (a 4-byte request
  /// received, a 16-byte reply sent): a small message's one-way latency; 0 = latency_s
  SourcedValue request_s;
  /// The latency of nsperf whatif's links: a small message's, where measured (the one at the
  /// tile's size already holds the tile's bytes over the bandwidth, which a link adds again).
  [[nodiscard]] const SourcedValue& link_latency() const {
    return request_s.value > 0 ? request_s : latency_s;
  }
  /// An MPI call that yields a core shared with another rank: with that rank waiting in MPI,
  /// and computing (the network optimizer's shared-core probe); 0 = not measured, not charged
  SourcedValue handover_waiting_s;
  SourcedValue handover_computing_s;
  /// How long a rank waiting on a shared core gets no turn while the other rank computes
  /// without an MPI call (the rest of its time slice; the same probe); 0 = not measured
  SourcedValue handover_slice_s;
  /// Rank 0's time inside MPI calls per byte it sends to another node: the processor's part of
  /// the transport (TCP copies every byte; RDMA hardly any), the network optimizer's sending
  /// probe; 0 = not measured, not charged
  SourcedValue sending_s_per_byte;
  /// How much slower a core computes the tiles while `busy_cores_probed` cores of its node
  /// compute (rank 0's among them) than alone: the distributed optimizer's busy-cores probe;
  /// 0 = not measured. And how many of its node's cores computed while the tiles were measured.
  SourcedValue busy_cores_slowdown;
  int busy_cores_probed = 0;
  int busy_cores_measured = 1;
  /// A tile's cost on a core of a node with `busy` of its cores computing, against its measured
  /// cost: the probe's slowdown, linear in the other cores computing up to the probed count and
  /// flat beyond it, over the same at the measured count. 1 without a probe, and for a slowdown
  /// below 1 (the other cores cannot speed a core up: that is the probe's noise).
  [[nodiscard]] double contention(int busy) const {
    const double s = busy_cores_slowdown.value;
    if (!(s > 1) || busy_cores_probed < 2) return 1.0;
    auto at = [&](int b) {
      const int k = std::clamp(b, 1, busy_cores_probed);
      return 1.0 + (s - 1.0) * (k - 1) / (busy_cores_probed - 1);
    };
    return at(busy) / at(busy_cores_measured);
  }
  /// A core's speed from one repetition to the next: each repetition's busy time over its
  /// median, per rank with a fixed share of tiles (the same count in every repetition), in the
  /// run replayed, over their middle one, in ascending order; a simulation draws one for each
  /// core (1 = the tile costs as they are). Empty: the tiles cost the same in every simulation.
  std::vector<double> core_speeds;
  std::string core_speeds_source;
  SourcedValue write_bytes_per_s;           ///< aggregate collective write bandwidth; 0 = unknown
  std::int64_t output_bytes_per_pixel = 5;  ///< what nsperf run writes: u8 mask + f32 gradient
  std::vector<MeasuredMakespans> measured;  ///< every distributed run in the file
};

}  // namespace nsperf::core
