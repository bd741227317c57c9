#pragma once
/// \file The plain records runners produce and reporters read: one Sample per strategy, rank
/// and repetition, one TileResult per tile and strategy, one SummaryRow per strategy.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
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

/// One measurement: one strategy over all of one rank's tiles, once.
struct Sample {
  std::string optimizer;
  std::string strategy;
  std::string kernel;
  ImageSpec image;
  int rank = 0;
  int repetition = 0;
  std::int64_t tiles = 0;
  double seconds = 0;               ///< sum of the tiles' compute times
  std::int64_t bytes = 0;           ///< bytes the kernel read and wrote (working type)
  std::int64_t pixels = 0;          ///< output pixels computed
  std::int64_t peak_rss_bytes = 0;  ///< peak resident memory of the rank after this sample
  std::uint64_t checksum = 0;       ///< of the output, tiles in id order
  CheckStatus check = CheckStatus::not_checked;
  double max_abs_error = 0;  ///< against the reference, over this rank's tiles
  double tolerance = 0;      ///< the largest error the check accepts
};

/// One tile under one strategy.
struct TileResult {
  std::int64_t tile_id = 0;
  int rank = 0;
  Rect rect;
  std::int64_t halo = 0;
  std::string optimizer;
  std::string strategy;
  double compute_s = 0;        ///< median over the repetitions
  double transfer_s = 0;       ///< the owner's wait for and receipt of the tile's pixels
  double io_s = 0;             ///< producing the tile's pixels from the image source (on rank 0)
  std::int64_t raw_bytes = 0;  ///< pixels with halo, in the image's type, as sent
  std::uint64_t checksum = 0;
  CheckStatus check = CheckStatus::not_checked;
  double max_abs_error = 0;
  double tolerance = 0;
};

/// Statistics of one strategy over repetitions. The statistic is the repetition's makespan:
/// the slowest rank's time, because that is when the parallel step is done.
struct SummaryRow {
  std::string optimizer;
  std::string strategy;
  std::string kernel;
  ImageSpec image;
  int ranks = 0;
  std::int64_t pixels = 0;  ///< per repetition, all ranks
  std::int64_t bytes = 0;   ///< per repetition, all ranks
  Summary seconds;          ///< of the makespan
  double speedup = 0;  ///< baseline median / this median (1 for the baseline; 0 if no baseline)
  double mpixel_per_s = 0;                       ///< pixels / median makespan / 1e6
  double gbyte_per_s = 0;                        ///< bytes / median makespan / 1e9
  CheckStatus check = CheckStatus::not_checked;  ///< passed only if every sample passed
  double max_abs_error = 0;
  double tolerance = 0;
};

/// Summarizes samples gathered from every rank. Groups by optimizer, strategy, kernel and
/// image; `baselines` maps each optimizer to its baseline strategy name (speedup 0 when the
/// baseline is absent). Rows come out in the order the groups first appear.
std::vector<SummaryRow> summarize_samples(
    std::span<const Sample> samples,
    std::span<const std::pair<std::string, std::string>> baselines);

}  // namespace nsperf::core
