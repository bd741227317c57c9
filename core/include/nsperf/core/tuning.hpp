#pragma once
/// \file What `nsperf tune` may change, and how it tells candidates apart. Every setting that
/// may be tuned is declared where it is owned, in its own file, with NSPERF_REGISTER_TUNABLE:
/// the values worth trying on a workload, and why a value cannot run beside the other settings
/// (a tile larger than the image, more threads than the rank's cores). The search itself is
/// mpi/jobs/tune.cpp; the statistics that decide a race are here, as `compare` uses them.

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "nsperf/core/image.hpp"
#include "nsperf/core/registry.hpp"
#include "nsperf/core/statistics.hpp"

namespace nsperf::core {

/// What candidates are chosen for: the image as the job sees it, and where it runs.
struct TuneWorkload {
  Extent image;
  int ranks = 1;
  int cores_per_rank = 1;  ///< the cores a rank may use (shared with the ranks of its node)
};

/// Settings by config key ("run.strategy": "fused", "input.tile": 512): a JSON object.
using Settings = nlohmann::json;

/// A setting tune may change.
struct Tunable {
  std::string name;  ///< its config key, e.g. "run.strategy"
  /// Races run in this order, lowest first: a setting others depend on (the strategy, which
  /// decides whether threads matter) comes before them.
  int order = 0;
  /// The values tried when --space does not name the key, beside the other settings `s`.
  std::function<std::vector<nlohmann::json>(const TuneWorkload& w, const Settings& s)> values;
  /// Why `value` cannot (or need not) run beside the other settings `s` on `w`: "" when it can.
  std::function<std::string(const nlohmann::json& value, const TuneWorkload& w, const Settings& s)>
      impossible;
  /// Whether the value changes how tiles are computed, which the check against the float64
  /// reference can tell (the strategy, its threads, the tile), so that each new value is checked
  /// once; false where it cannot (how tiles are shared out, how the output is compressed).
  bool computes = true;
};

/// Every tunable setting, by name.
Registry<Tunable>& tunables();

/// The tunables in race order.
std::vector<const Tunable*> tunables_in_order();

/// `--space key=v1,v2,...` options, parsed: the values of each key named, as its config key
/// types them. Throws ConfigError listing every problem: not key=values, an unknown key (with
/// "did you mean"), a config key tune does not vary, an empty list, a value the key does not
/// take, a key given twice.
std::map<std::string, std::vector<nlohmann::json>> parse_space(std::span<const std::string> specs);

/// The values of one tunable in a search: those --space gave, or its own for the settings at hand.
struct SpaceKey {
  const Tunable* tunable = nullptr;
  std::vector<nlohmann::json> given;  ///< from --space; empty: the tunable's own values
};

/// The space in race order: every tunable, with the values --space gave it (one value pins a
/// key). Throws ConfigError when a key's given values are all impossible beside every
/// combination of the others' (a contradictory --space), naming the key and why.
std::vector<SpaceKey> make_space(const std::map<std::string, std::vector<nlohmann::json>>& given,
                                 const TuneWorkload& w, const Settings& defaults);

/// The candidates of one key beside the settings `s`: its values, without the impossible ones
/// and without repeats.
std::vector<nlohmann::json> candidates_of(const SpaceKey& key, const TuneWorkload& w,
                                          const Settings& s);

/// `s` with `key` set to `value`.
Settings with_setting(Settings s, const std::string& key, const nlohmann::json& value);

/// "fused", "512": a value as a user writes it.
std::string value_text(const nlohmann::json& value);

/// "run.strategy=fused input.tile=512": settings as a user writes them.
std::string settings_text(const Settings& s);

/// The significance level of a race, as `nsperf compare` uses it.
inline constexpr double kTuneAlpha = 0.05;

/// Where a race stands after a round: the candidate with the lowest median time, and for each
/// candidate whether it is significantly slower than that one (two-sided Mann-Whitney p <
/// kTuneAlpha and a Hodges-Lehmann shift above zero). Every candidate needs at least one time.
struct Standing {
  std::size_t best = 0;
  std::vector<bool> slower;
};
Standing race_standing(std::span<const std::vector<double>> times);

/// How `next`'s times compare with `base`'s: the ratio next/base (Hodges-Lehmann on the logs of
/// the times, so that the interval is of a ratio), its 95% interval and the Mann-Whitney p.
struct TimeRatio {
  double ratio = 1;
  Interval ci;
  double p = 1;
};
TimeRatio time_ratio(std::span<const double> base, std::span<const double> next);

/// What a workload is like, for finding the tuned settings of the nearest one recorded (the
/// catalog's `tuned` table). Sampled from the input, not from a run of the job.
struct WorkloadFeatures {
  std::int64_t width = 0;
  std::int64_t height = 0;
  std::string dtype;           ///< u8, u16, f32, ...
  double empty_tiles = 0;      ///< sampled tiles of one value throughout (no signal), 0..1
  double compressibility = 1;  ///< zstd-compressed / raw bytes of the sampled tiles, 0..1
  int ranks = 1;
  int cores_per_rank = 1;
  std::string host;  ///< rank 0's node
};

/// How far apart two workloads are, 0 for alike: the root of the sum of squares of the size's
/// log2 ratio in pixels over 4 (16 times the pixels counts 1), the log2 ratios of ranks and of
/// cores per rank over 2, the differences of the empty-tile fraction and of the
/// compressibility, 1 for another pixel type and 0.5 for another node. `how` (if not null) gets
/// each term, as a user reads it.
double workload_distance(const WorkloadFeatures& a, const WorkloadFeatures& b,
                         std::string* how = nullptr);

}  // namespace nsperf::core

#define NSPERF_TUNABLE_CONCAT2(a, b) a##b
#define NSPERF_TUNABLE_CONCAT(a, b) NSPERF_TUNABLE_CONCAT2(a, b)
/// Declares a tunable setting in the file that owns it:
///   NSPERF_REGISTER_TUNABLE(tile, {"input.tile", 30, values, impossible});
#define NSPERF_REGISTER_TUNABLE(id, ...)                                           \
  namespace {                                                                      \
  [[maybe_unused]] const bool NSPERF_TUNABLE_CONCAT(nsperf_tunable_, id) =         \
      (::nsperf::core::tunables().add(::nsperf::core::Tunable __VA_ARGS__), true); \
  }
