#pragma once
/// \file `nsperf tune`: finds the production job's settings by racing candidates. Every
/// candidate is `nsperf run`'s whole job (read, pipeline, write of the output, flushed) at the
/// rank count tune runs with; the settings that may change and their values are the tunables
/// (core/tuning.hpp). Coordinate-wise racing: one key at a time, its values race beside the
/// settings found so far; each candidate is checked once against the float64 reference, then
/// gets measured runs in shuffled rounds, and those significantly slower than the best are
/// dropped (core::race_standing) until one is left, the rest cannot be told apart, or the budget
/// is spent. Passes over the keys repeat until one changes nothing. The defaults and the tuned
/// settings are then measured side by side. docs/tuning.md.

#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nsperf/core/config.hpp"
#include "nsperf/core/provenance.hpp"
#include "nsperf/core/records.hpp"
#include "nsperf/core/tuning.hpp"
#include "nsperf/io/catalog.hpp"
#include "nsperf/mpi/optimizer.hpp"

namespace nsperf::mpi {

namespace bmpi = boost::mpi;

/// Measured runs a candidate gets before it can be dropped (5 against 5 can reach p < 0.05),
/// after each round, and at most, in a race; and each side's in the closing comparison.
inline constexpr int kTuneFirstRuns = 5;
inline constexpr int kTuneMoreRuns = 3;
inline constexpr int kTuneMostRuns = 10;  // no more than the exhaustive search gives each
inline constexpr int kTuneConfirmRuns = 10;

struct TuneRequest {
  /// Identical on every rank: the input and the settings tune starts from (its defaults).
  core::Config config;
  std::string command_line;
  /// Rank 0: several images (nsperf tune --images, --image repeated or a glob), or none for
  /// config.input's one. With several, a job run is `nsperf run`'s job over all of them
  /// (mpi::run_batch: each image its own output), timed as a whole.
  std::vector<std::string> images;
  /// --space, parsed (core::parse_space).
  std::map<std::string, std::vector<nlohmann::json>> space;
  std::int64_t budget_runs = 0;  ///< job runs at most (0: no limit by count)
  double budget_s = 0;           ///< seconds at most (0: no limit by time)
  /// Instead of racing, every setting of the space kTuneConfirmRuns times (the yardstick of
  /// docs/tuning.md: what racing is measured against).
  bool exhaustive = false;
  /// The folder the trial runs write their outputs in (each removed after its run).
  std::filesystem::path scratch;
  /// The stop signal received so far, 0 for none; asked between and inside runs.
  std::function<int()> stop_signal;
  /// Where the search starts instead of the defaults (the settings of the nearest workload in
  /// a catalog, nsperf tune --catalog); null: the defaults. Keys the space leaves out, or
  /// values it cannot run, are moved into it as the defaults' are.
  std::optional<core::Settings> start;
  /// --resume: the job runs of the stopped search, in order. The search replays them (its
  /// seed and decisions are the same) instead of running them again, and checks each is the
  /// run it would make (InputError otherwise: other input, options or rank count).
  std::vector<core::TuneTrial> replay;
};

/// What one setting gained: the chosen value against the default one in that key's last race,
/// beside the other settings of that race.
struct TuneGain {
  std::string key;
  nlohmann::json from;    ///< the default value
  nlohmann::json to;      ///< the chosen value
  bool measured = false;  ///< both raced together (a default impossible beside the others: not)
  core::TimeRatio ratio;  ///< time with `to` / time with `from`
  std::string beside;     ///< the race's other settings
  std::string why;        ///< when not measured: why the default could not run with the others
};

/// One race as it ended: its entrants (the settings so far first), each one's measured times
/// then (from this race and earlier ones with the same settings) and fate.
struct TuneRace {
  std::int64_t round = 0;
  std::string key;
  std::vector<core::Settings> entrants;
  std::vector<std::vector<double>> times;
  std::vector<std::string> outcomes;  ///< as core::TuneTrial::outcome
};

/// The outcome, identical on every rank.
struct TuneReport {
  core::Provenance provenance;
  core::TuneWorkload workload;
  std::string input;        ///< the image as the job describes it
  core::Settings defaults;  ///< every tunable as the config had it (threads resolved)
  core::Settings best;      ///< the tuned settings (the defaults when nothing beat them)
  std::vector<core::TuneTrial> trials;  ///< every job run, in order
  std::vector<TuneRace> races;          ///< in order
  std::vector<TuneGain> gains;          ///< one per tunable key
  /// The closing comparison (empty when the best are the defaults): job seconds of each.
  std::vector<double> default_s;
  std::vector<double> tuned_s;
  core::TimeRatio overall;  ///< tuned / defaults
  /// The closing comparison found the tuned settings significantly slower: `best` fell back to
  /// the defaults.
  bool fell_back = false;
  std::string stopped;          ///< why the search ended, for the console and the JSON
  bool interrupted = false;     ///< a stop signal ended it: the trials so far are kept
  std::int64_t runs = 0;        ///< job runs made, replayed ones included
  std::int64_t replayed = 0;    ///< of them, taken from the stopped search (--resume)
  std::int64_t space_size = 0;  ///< settings an exhaustive search of the space would measure
  std::vector<std::string> notes;
  /// Samples of the closing comparison (optimizer "tune", strategies "default" and "tuned",
  /// kernel "job", rank 0), for the results file's samples and summary.
  std::vector<core::Sample> samples;
};

/// Local: what the input of `cfg` is like, from up to 16 square tiles of a quarter of its
/// shorter side (32 to 512 pixels) spread over it on a 4x4 grid (a PNG or JPEG is decoded whole
/// first): the fraction of them that hold one
/// value throughout, and how far zstd (level 1, bytes shuffled) shrinks them. `ranks`, `cores`
/// and `host` are copied in. Throws InputError for an input that cannot be read.
core::WorkloadFeatures sample_workload(const core::Config& cfg, int ranks, int cores,
                                       const std::string& host);

/// The recorded search whose workload is nearest `f` (core::workload_distance), with that
/// distance and its terms; null when `rows` is empty.
struct NearestTuned {
  io::CatalogTuned row;
  double distance = 0;
  std::string how;
};
std::optional<NearestTuned> nearest_tuned(const std::vector<io::CatalogTuned>& rows,
                                          const core::WorkloadFeatures& f);

/// Collective over `comm`. Runs the search; returns what it found, also after a stop signal
/// (report.interrupted). A candidate whose run fails (its check, or an error) is recorded and
/// dropped; the search goes on. `progress` is used on rank 0 only and may be null.
TuneReport run_tune(const bmpi::communicator& comm, const TuneRequest& request,
                    ProgressSink* progress);

}  // namespace nsperf::mpi
