#pragma once
/// \file The plain records runners produce and reporters read: one Sample per strategy, kernel,
/// rank and repetition; one Repetition per strategy, kernel and repetition across ranks; one
/// TileResult per tile and strategy; one SummaryRow per strategy and kernel.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nsperf/core/image.hpp"
#include "nsperf/core/statistics.hpp"
#include "nsperf/core/tile_plan.hpp"

namespace nsperf::core {

/// Outcome of checking a strategy's output against the reference.
enum class CheckStatus : std::uint8_t {
  passed,       ///< within the stated tolerance of the reference
  failed,       ///< beyond it, or different output from the same input on another repetition
  not_checked,  ///< no reference was run (e.g. the tile failed earlier)
};

/// "passed", "failed", "not-checked".
std::string_view to_string(CheckStatus s) noexcept;
/// The status of its text form; nullopt for any other text.
std::optional<CheckStatus> parse_check_status(std::string_view text) noexcept;

/// One measurement: one strategy's kernel over all of one rank's tiles, once.
struct Sample {
  std::string optimizer;
  std::string strategy;
  std::string kernel;
  ImageSpec image;
  int rank = 0;
  int repetition = 0;
  std::int64_t tiles = 0;
  double seconds = 0;      ///< this rank's time in the measured region (docs/results-schema.md)
  double start_s = 0;      ///< when this rank began: seconds since the run began, on rank 0's clock
  double end_s = 0;        ///< when it ended, same clock
  std::int64_t bytes = 0;  ///< bytes the kernel read and wrote (working type)
  std::int64_t pixels = 0;          ///< output values computed
  std::int64_t peak_rss_bytes = 0;  ///< peak resident memory of the rank after this sample
  std::uint64_t checksum = 0;       ///< of the output, tiles in id order
  CheckStatus check = CheckStatus::not_checked;
  double max_abs_error = 0;    ///< against the reference, over this rank's tiles
  double tolerance = 0;        ///< the largest error the check accepts
  std::int64_t differing = 0;  ///< output values that differ from the reference's
  // Memory accounting (the memory optimizer measures these; -1 = not measured):
  std::int64_t rss_increase_bytes = -1;  ///< peak resident memory during the run minus at its start
  std::int64_t held_bytes = -1;          ///< most bytes the strategy's buffers held at once
  std::int64_t allocations = -1;         ///< buffer allocations the run made
  std::int64_t queue_bytes = -1;         ///< the waiting tiles as the strategy held them
  // Where the rank's time went (the distributed and network optimizers; -1 = not measured):
  double busy_s = -1;            ///< computing tiles
  double idle_s = -1;            ///< waiting for work or for a peer
  double transfer_s = -1;        ///< sending and receiving tile data
  double io_s = -1;              ///< producing tiles from the image (cutting them out)
  std::int64_t wire_bytes = -1;  ///< bytes this rank received over the network, as sent
};

/// One tile of `nsperf run`: a row of the output file's /tiles and of the catalog.
struct TileStats {
  std::int64_t tile_id = 0;
  int rank = 0;
  Rect rect;
  double negative_space_fraction = 0;  ///< background pixels of the opened mask / pixels
  double gradient_mean = 0;
  double gradient_max = 0;
  double read_s = 0;                    ///< reading (or cutting out) the tile's pixels
  double transfer_s = 0;                ///< receiving them from rank 0 (0 when read from the file)
  double compute_s = 0;                 ///< the pipeline's stages on this tile
  std::uint64_t mask_checksum = 0;      ///< checksum of the tile's mask rows
  std::uint64_t gradient_checksum = 0;  ///< checksum of its gradient rows (float32, row-major)
  CheckStatus check = CheckStatus::not_checked;
  std::int64_t differing_pixels = 0;  ///< mask pixels that differ from the reference's
};

/// One tile under one strategy.
struct TileResult {
  std::int64_t tile_id = 0;
  int rank = 0;
  Rect rect;
  std::int64_t halo = 0;
  std::string optimizer;
  std::string strategy;
  std::string kernel;
  double compute_s = 0;  ///< median over the repetitions
  double stage_a_s =
      -1;  ///< distributed: Gaussian and Sobel, before the reductions (-1 = not measured)
  double stage_b_s = -1;       ///< distributed: mask and opening, after them (-1 = not measured)
  double transfer_s = 0;       ///< the owner's wait for and receipt of the tile's pixels
  double io_s = 0;             ///< producing the tile's pixels from the image source (on rank 0)
  std::int64_t raw_bytes = 0;  ///< pixels with halo, in the image's type, as sent
  std::uint64_t checksum = 0;
  CheckStatus check = CheckStatus::not_checked;
  double max_abs_error = 0;
  double tolerance = 0;
  std::int64_t differing = 0;
  double negative_space = -1;  ///< background fraction of the tile (pipeline rows; -1 otherwise)
};

/// One repetition of one strategy across every rank (made on rank 0).
struct Repetition {
  std::string optimizer;
  std::string strategy;
  std::string kernel;
  ImageSpec image;
  int repetition = 0;
  double makespan_s = 0;  ///< from the earliest rank's start to the latest rank's end
  double start_s = 0;     ///< earliest start, rank 0's clock since the run began
  double end_s = 0;       ///< latest end
  int slowest_rank = 0;   ///< the rank that ended last
  bool outlier = false;   ///< makespan more than 3 scaled MADs from the median
  double speedup = 0;     ///< baseline makespan / this one, same round (0 without a baseline)
  double imbalance = -1;  ///< max / mean of the ranks' busy time (-1 = busy time not measured)
};

/// Statistics of one strategy's kernel over the repetitions' makespans.
struct SummaryRow {
  std::string optimizer;
  std::string strategy;
  std::string kernel;
  ImageSpec image;
  int ranks = 0;
  std::int64_t pixels = 0;  ///< per repetition, all ranks
  std::int64_t bytes = 0;   ///< per repetition, all ranks
  Summary seconds;          ///< of the makespans
  int outliers = 0;         ///< repetitions flagged as outliers
  double speedup = 0;       ///< median over rounds of baseline / this makespan (0 without baseline)
  Interval speedup_ci;      ///< 95% interval of that median
  double mpixel_per_s = 0;  ///< pixels / median makespan / 1e6
  double gbyte_per_s = 0;   ///< bytes / median makespan / 1e9
  double bandwidth_fraction = 0;  ///< gbyte_per_s / the measured bandwidth ceiling (0 if unknown)
  CheckStatus check = CheckStatus::not_checked;  ///< passed only if every sample passed
  double max_abs_error = 0;
  double tolerance = 0;
  std::int64_t differing = 0;  ///< largest over the samples
  // Memory accounting, -1 when not measured: rss increase is the largest of any rank; the others
  // are summed over ranks, the largest repetition.
  std::int64_t rss_increase_bytes = -1;
  std::int64_t held_bytes = -1;
  std::int64_t allocations = -1;
  std::int64_t queue_bytes = -1;
  double imbalance = -1;         ///< median over the repetitions (-1 = not measured)
  std::int64_t wire_bytes = -1;  ///< received over the network per repetition, all ranks
  // Where the ranks' time went: summed over ranks, median over repetitions (-1 = not measured).
  double busy_s = -1;
  double idle_s = -1;
  double transfer_s = -1;
  double io_s = -1;
};

/// What summarize_samples makes.
struct Summaries {
  std::vector<Repetition> repetitions;
  std::vector<SummaryRow> rows;
};

/// One message size of the network optimizer's sweep (benchmark --network --sizes): rank 0 and
/// rank 1, one reused buffer each, the methods of osu_latency and osu_bw.
struct MessageSize {
  std::int64_t bytes = 0;        ///< of one message
  bool tile = false;             ///< the workload's largest tile (with halo), added to the sweep
  std::int64_t round_trips = 0;  ///< timed ping-pongs per repetition
  std::int64_t messages = 0;     ///< timed streamed messages per repetition (windows of 64)
  int repetitions = 0;           ///< of each
  double latency_s = 0;          ///< median one-way latency: round trip / 2
  Interval latency_ci;           ///< distribution-free interval of that median
  double gbyte_per_s = 0;        ///< median streaming bandwidth, bytes / s / 1e9
  Interval gbyte_per_s_ci;
};

/// One job run of `nsperf tune`: a row of its run's `tune` table (docs/tuning.md).
struct TuneTrial {
  std::int64_t trial = 0;      ///< in the order run, from 0
  std::int64_t candidate = 0;  ///< the settings' number: the same settings, the same number
  std::string settings;        ///< the tuned keys, a JSON object: {"input.tile":512,...}
  /// What the run was for: the key whose race it belongs to ("run.strategy"), or "confirm" (the
  /// defaults against the tuned settings, side by side at the end).
  std::string race;
  std::int64_t round = 0;         ///< the race's number, from 0 (every key's race in every pass)
  int repetition = -1;            ///< the candidate's measured run, from 0; -1: its checked run
  double seconds = 0;             ///< the job as the user waits for it, slowest rank
  std::int64_t output_bytes = 0;  ///< the output file it wrote
  std::string status;             ///< ok, failed-check (the reference disagreed), failed (an error)
  /// The candidate's fate in that race: chosen (the settings so far unless something was
  /// significantly faster, else the lowest median), tied (not told apart from the best median),
  /// slower (significantly), failed, unmeasured (the search stopped first); in the closing
  /// comparison: default or tuned.
  std::string outcome;
};

/// One prediction of `nsperf whatif`: a row of its output's `whatif` table (docs/whatif.md).
struct WhatifRow {
  int ranks = 0;
  std::string partitioner;
  std::int64_t tile = 0;
  std::int64_t image_width = 0;
  std::int64_t image_height = 0;
  std::int64_t tiles = 0;
  int nodes = 0;
  double makespan_s = 0;          ///< pipeline_s + write_s
  double pipeline_s = 0;          ///< common start to the last rank's end of stage B
  double write_s = 0;             ///< the collective write; 0 when left out
  double speedup = 0;             ///< the smallest rank count's makespan / this one
  double efficiency = 0;          ///< speedup x smallest rank count / ranks
  double imbalance = 0;           ///< max / mean of the ranks' compute time
  double coordination_share = 0;  ///< rank 0 cutting, sending and serving / makespan
  double compute_s = 0;           ///< the busiest rank's compute
  double coordination_s = 0;      ///< rank 0's coordinating
  double network_s = 0;           ///< rank 0's outgoing pixels over its route's bandwidth
  std::string bottleneck;         ///< compute, coordination, network or write
};

/// The strategy an optimizer's others are paired with, for every kernel or for one: the
/// database's queries are measured against no-index, its inserts against naive.
struct Baseline {
  std::string optimizer;
  std::string strategy;
  std::string kernel;  ///< empty: every kernel without a baseline of its own
};

/// The baseline of `kernel` of `optimizer` among `baselines` (its own first), or null.
const Baseline* baseline_of(std::span<const Baseline> baselines, std::string_view optimizer,
                            std::string_view kernel);

/// Summarizes samples gathered from every rank. Groups by optimizer, strategy, kernel and
/// image, in the order groups first appear. A repetition's time is from the earliest rank's
/// start to the latest rank's end (samples without start/end times use the slowest rank's
/// seconds). Speedups pair each repetition with the same round's of the kernel's baseline
/// (baseline_of). `bandwidth_gbyte_per_s` (0 if unknown) gives the bandwidth fractions of the
/// optimizers that work in memory.
Summaries summarize_samples(std::span<const Sample> samples, std::span<const Baseline> baselines,
                            double bandwidth_gbyte_per_s = 0);

/// Indices of the values more than `k` scaled MADs (1.4826 MAD, a normal sigma) from the
/// median; none when the MAD is 0.
std::vector<std::size_t> mad_outliers(std::span<const double> values, double k = 3.0);

}  // namespace nsperf::core
