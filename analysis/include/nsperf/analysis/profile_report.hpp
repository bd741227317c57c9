#pragma once
// What `nsperf profile` prints: a run's profiled regions (hotspots, the call tree, MPI time per
// rank, the profiler's own cost) and the recommendations over one or more runs. Reads records
// only; the rules are core::recommend.

#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "nsperf/analysis/format.hpp"
#include "nsperf/core/provenance.hpp"
#include "nsperf/core/recommend.hpp"

namespace nsperf::analysis {

/// One run as `nsperf profile` reads it.
struct ProfiledRun {
  std::string kind;  ///< "benchmark" (a results file's run) or "run" (nsperf run's output)
  std::string file;
  std::string run_id;
  core::RunEvidence evidence;    ///< summary, regions and layout, for the rules
  double region_overhead_s = 0;  ///< cost of one region when it was measured (0 = unknown)
};

/// Without MPI: the run `run_id` (default: the newest) of a results file, or an output of
/// nsperf run. Throws InputError naming the file when it is neither or the run is missing.
ProfiledRun read_profiled_run(const std::filesystem::path& path,
                              const std::optional<std::string>& run_id);

/// Builds the evidence for the rules from a run's provenance, summary and regions.
core::RunEvidence make_evidence(const std::string& source, const core::Provenance& provenance,
                                std::vector<core::SummaryRow> summary,
                                std::vector<core::RankRegion> regions);

/// How the profile is shown.
struct ProfileView {
  std::size_t top = 15;  ///< hotspots listed
  bool tree = false;     ///< also the call tree
};

/// The run's profile: time and MPI share per rank, the profiler's overhead, hotspots (and the
/// call tree).
void print_profile(std::ostream& out, const ProfiledRun& run, const ProfileView& view);

/// The recommendations, numbered, each with its evidence and the key to set.
void print_recommendations(std::ostream& out, std::span<const core::Recommendation> recs);

/// Everything above as JSON (for scripts and the HTML report).
nlohmann::json profile_json(std::span<const ProfiledRun> runs,
                            std::span<const core::Recommendation> recs, const ProfileView& view);

/// The recommendations over `runs` (the newest last).
std::vector<core::Recommendation> recommendations_for(std::span<const ProfiledRun> runs);

/// What `nsperf profile FILE...` reports: the runs, the recommendations over them, the view.
struct ProfileSet {
  std::vector<ProfiledRun> runs;
  std::vector<core::Recommendation> recommendations;
  ProfileView view;
};

/// text (the default: each run's profile, then the recommendations) and json (profile_json).
const Reporters<ProfileSet>& profile_reporters();

}  // namespace nsperf::analysis
