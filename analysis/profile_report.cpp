#include "nsperf/analysis/profile_report.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <variant>

#include "nsperf/analysis/summary_table.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/strategy.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/io/output_file.hpp"
#include "nsperf/io/results_file.hpp"

namespace nsperf::analysis {
namespace {

// The provenance fields the profile and the rules read, from stored attributes.
core::Provenance provenance_of(core::Attributes attrs) {
  core::Provenance p;
  p.run_id = core::attribute_text(attrs, "run_id");
  p.command_line = core::attribute_text(attrs, "command_line");
  p.hosts = core::attribute_text(attrs, "hosts");
  p.image = core::attribute_text(attrs, "image");
  p.config_json = core::attribute_text(attrs, "config");
  p.ranks = static_cast<std::int64_t>(core::attribute_number(attrs, "ranks"));
  p.threads_per_rank = static_cast<std::int64_t>(core::attribute_number(attrs, "threads_per_rank"));
  p.cores = static_cast<std::int64_t>(core::attribute_number(attrs, "cores"));
  p.region_overhead_s = core::attribute_number(attrs, "region_overhead_s");
  return p;
}

// Ranks on rank 0's node: hosts are "host:ranks" pairs, rank 0's host first.
int ranks_on_first_host(const std::string& hosts, std::int64_t ranks) {
  const auto comma = hosts.find(',');
  const std::string first = hosts.substr(0, comma);
  const auto colon = first.rfind(':');
  if (colon == std::string::npos) return static_cast<int>(ranks);
  try {
    return std::stoi(first.substr(colon + 1));
  } catch (const std::exception&) {
    return static_cast<int>(ranks);
  }
}

// run.<key> of a stored config ("" if absent or unreadable).
std::string run_setting_of(const std::string& config_json, const char* key) {
  try {
    const auto j = nlohmann::json::parse(config_json);
    if (j.contains("run") && j["run"].contains(key) && j["run"][key].is_string())
      return j["run"][key];
  } catch (const std::exception&) {
  }
  return "";
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.resize(width, ' ');
  return s;
}

std::string percent(double fraction) { return core::format_number(100 * fraction, 3) + "%"; }

std::string expected_text(const core::Recommendation& r) {
  if (r.expected_speedup <= 0) return "not measured";
  std::string text = core::format_number(r.expected_speedup, 3) + "x";
  if (r.expected_ci.level > 0) {
    text += " [" + core::format_number(r.expected_ci.low, 3) + ", " +
            core::format_number(r.expected_ci.high, 3) + "]";
  }
  return text;
}

}  // namespace

core::RunEvidence make_evidence(const std::string& source, const core::Provenance& p,
                                std::vector<core::SummaryRow> summary,
                                std::vector<core::RankRegion> regions) {
  core::RunEvidence e;
  e.source = source;
  e.ranks = static_cast<int>(p.ranks);
  e.threads_per_rank = static_cast<int>(p.threads_per_rank);
  e.node_cores = p.cores;
  e.ranks_on_node = ranks_on_first_host(p.hosts, p.ranks);
  e.run_strategy = run_setting_of(p.config_json, "strategy");
  e.run_compression = run_setting_of(p.config_json, "compression");
  e.summary = std::move(summary);
  e.regions = core::region_stats(regions, e.ranks);
  e.rank_times = core::rank_times(regions, e.ranks);
  e.rank_regions = std::move(regions);
  for (const auto& optimizer : core::strategy_catalog().optimizers()) {
    if (const auto* b = core::strategy_catalog().baseline(optimizer))
      e.baselines.emplace_back(optimizer, b->name);
  }
  return e;
}

ProfiledRun read_profiled_run(const std::filesystem::path& path,
                              const std::optional<std::string>& run_id) {
  ProfiledRun run;
  run.file = path.string();
  if (io::is_output_file(path)) {
    if (run_id) {
      throw UsageError("--run " + *run_id + ": " + path.string() +
                       " is an output of nsperf run, which holds one run");
    }
    run.kind = "run";
    const auto attrs = io::read_output_attributes(path);
    const auto p = provenance_of(attrs);
    run.run_id = p.run_id;
    run.region_overhead_s = p.region_overhead_s;
    run.evidence = make_evidence(path.filename().string() + ", run " + p.run_id, p, {},
                                 io::read_output_regions(path));
    run.evidence.production = true;
    return run;
  }
  const auto runs = io::list_runs(path);  // names the file if it is not a results file
  if (runs.empty()) throw InputError(path.string() + ": holds no run");
  run.kind = "benchmark";
  run.run_id = run_id.value_or(runs.back());
  const auto attrs = io::read_run_attributes(path, run.run_id);  // names a missing run
  const auto p = provenance_of(attrs);
  run.region_overhead_s = p.region_overhead_s;
  run.evidence =
      make_evidence(path.filename().string() + ", run " + run.run_id, p,
                    io::read_summary(path, run.run_id), io::read_regions(path, run.run_id));
  return run;
}

void print_profile(std::ostream& out, const ProfiledRun& run, const ProfileView& view) {
  const auto& e = run.evidence;
  out << "profile: " << run.file << " (run " << run.run_id << ", "
      << (run.kind == "run" ? "nsperf run" : "nsperf benchmark") << ", " << e.ranks << " rank"
      << (e.ranks == 1 ? "" : "s") << " x " << e.threads_per_rank << " thread"
      << (e.threads_per_rank == 1 ? "" : "s") << ")\n";
  if (e.rank_regions.empty()) {
    out << "  no profiled regions in this run (written by an older nsperf, results schema "
           "3 or older)\n";
    return;
  }
  out << "  time per rank (top-level regions) and its share in MPI:";
  double longest = 0;
  for (const auto& t : e.rank_times) {
    out << (t.rank == 0 ? " " : ", ") << t.rank << ": " << format_seconds(t.total_s) << " (MPI "
        << percent(t.total_s > 0 ? t.mpi_s / t.total_s : 0) << ")";
    longest = std::max(longest, t.total_s);
  }
  out << "\n";
  std::int64_t calls = 0;
  for (const auto& s : e.regions) calls += s.calls;
  if (run.region_overhead_s > 0 && longest > 0) {
    // Every rank enters about the same regions; the slowest rank pays its share of them.
    const double per_rank_calls = static_cast<double>(calls) / std::max(1, e.ranks);
    const double cost = per_rank_calls * run.region_overhead_s;
    out << "  profiler overhead: " << core::format_number(per_rank_calls, 6)
        << " region calls per rank x " << core::format_number(run.region_overhead_s * 1e9, 3)
        << " ns = " << format_seconds(cost) << ", " << percent(cost / longest)
        << " of the slowest rank's time\n";
  }
  const auto top = core::hotspots(e.regions, view.top);
  std::string probes;
  for (const auto& s : e.regions) {
    if (s.depth == 0 && core::is_probe(s))
      probes += (probes.empty() ? "" : ", ") + s.name + " " + format_seconds(s.inclusive_max_s);
  }
  if (!probes.empty())
    out << "  nsperf's own probes of the machine, not the workload (left out of the hotspots): "
        << probes << "\n";
  out << "hotspots (ranked by the slowest rank's exclusive time; imbalance = max/mean of "
         "inclusive time over ranks):\n";
  std::size_t width = 6;
  for (const auto& s : top)
    width = std::max(width, s.path.size() + (s.kind == core::RegionKind::mpi ? 6 : 0));
  out << "  " << pad("region", width) << "  calls      excl (slowest)  excl (mean)  incl (max)  "
      << "imbalance  slowest rank\n";
  for (const auto& s : top) {
    std::ostringstream line;
    line << "  " << pad(s.path + (s.kind == core::RegionKind::mpi ? " [MPI]" : ""), width) << "  "
         << pad(std::to_string(s.calls), 9) << "  " << pad(format_seconds(s.exclusive_max_s), 14)
         << "  " << pad(format_seconds(s.exclusive_mean_s), 11) << "  "
         << pad(format_seconds(s.inclusive_max_s), 10) << "  "
         << pad(core::format_number(s.imbalance, 3), 9) << "  " << s.slowest_rank;
    out << line.str() << "\n";
  }
  if (view.tree) {
    out << "call tree (inclusive time, slowest rank; calls summed over ranks):\n";
    for (const auto& s : e.regions) {
      out << "  " << std::string(static_cast<std::size_t>(2 * s.depth), ' ') << s.name
          << (s.kind == core::RegionKind::mpi ? " [MPI]" : "") << "  "
          << format_seconds(s.inclusive_max_s) << "  (" << s.calls << " calls)\n";
    }
  }
}

void print_recommendations(std::ostream& out, std::span<const core::Recommendation> recs) {
  if (recs.empty()) {
    out << "recommendations: none; no rule found a change its data supports (docs/profiling.md "
           "lists the rules and the data each needs)\n";
    return;
  }
  // What the user runs first: settings nsperf run takes; then what the benchmarks found
  // among strategies that nsperf run does not choose between.
  int n = 0;
  for (const bool run_settings : {true, false}) {
    bool header = false;
    for (const auto& r : recs) {
      if (r.run_key != run_settings) continue;
      if (!header) {
        out << (run_settings ? "recommendations for nsperf run (most expected gain first):\n"
                             : "benchmark findings (strategies nsperf run does not choose "
                               "between; what to measure next):\n");
        header = true;
      }
      out << "  " << ++n << ". [" << r.rule << "] " << r.finding << "\n";
      out << "     do:       " << r.action << "\n";
      if (!r.key.empty() && r.run_key)
        out << "     set:      --set " << r.key << "=" << r.value << "\n";
      else if (!r.key.empty())
        out << "     measure:  nsperf benchmark --set " << r.key << "=" << r.value << "\n";
      out << "     expected: " << expected_text(r) << "; " << r.evidence << "\n";
    }
  }
}

std::vector<core::Recommendation> recommendations_for(std::span<const ProfiledRun> runs) {
  std::vector<core::RunEvidence> evidence;
  for (const auto& r : runs) evidence.push_back(r.evidence);
  return core::recommend(evidence);
}

nlohmann::json profile_json(std::span<const ProfiledRun> runs,
                            std::span<const core::Recommendation> recs, const ProfileView& view) {
  nlohmann::json j;
  j["runs"] = nlohmann::json::array();
  for (const auto& run : runs) {
    const auto& e = run.evidence;
    nlohmann::json r;
    r["file"] = run.file;
    r["run_id"] = run.run_id;
    r["kind"] = run.kind;
    r["ranks"] = e.ranks;
    r["threads_per_rank"] = e.threads_per_rank;
    r["region_overhead_s"] = run.region_overhead_s;
    r["rank_times"] = nlohmann::json::array();
    for (const auto& t : e.rank_times)
      r["rank_times"].push_back({{"rank", t.rank}, {"total_s", t.total_s}, {"mpi_s", t.mpi_s}});
    auto region = [](const core::RegionStats& s) {
      return nlohmann::json{{"path", s.path},
                            {"name", s.name},
                            {"depth", s.depth},
                            {"kind", core::to_string(s.kind)},
                            {"calls", s.calls},
                            {"ranks_entered", s.ranks_entered},
                            {"inclusive_min_s", s.inclusive_min_s},
                            {"inclusive_mean_s", s.inclusive_mean_s},
                            {"inclusive_max_s", s.inclusive_max_s},
                            {"exclusive_min_s", s.exclusive_min_s},
                            {"exclusive_mean_s", s.exclusive_mean_s},
                            {"exclusive_max_s", s.exclusive_max_s},
                            {"slowest_rank", s.slowest_rank},
                            {"imbalance", s.imbalance}};
    };
    r["hotspots"] = nlohmann::json::array();
    for (const auto& s : core::hotspots(e.regions, view.top)) r["hotspots"].push_back(region(s));
    r["regions"] = nlohmann::json::array();
    for (const auto& s : e.regions) r["regions"].push_back(region(s));
    j["runs"].push_back(r);
  }
  j["recommendations"] = nlohmann::json::array();
  for (const auto& r : recs) {
    nlohmann::json x = {{"rule", r.rule},       {"optimizer", r.optimizer},
                        {"finding", r.finding}, {"action", r.action},
                        {"key", r.key},         {"value", r.value},
                        {"run_key", r.run_key}, {"evidence", r.evidence}};
    x["expected_speedup"] = r.expected_speedup > 0 ? nlohmann::json(r.expected_speedup) : nullptr;
    if (r.expected_ci.level > 0)
      x["expected_ci"] = {r.expected_ci.low, r.expected_ci.high};
    else
      x["expected_ci"] = nullptr;
    j["recommendations"].push_back(x);
  }
  return j;
}

const Reporters<ProfileSet>& profile_reporters() {
  static const Reporters<ProfileSet> reporters =
      Reporters<ProfileSet>()
          .add(Format::text,
               [](std::ostream& out, const ProfileSet& p) {
                 for (const auto& r : p.runs) {
                   print_profile(out, r, p.view);
                   out << "\n";
                 }
                 print_recommendations(out, p.recommendations);
               })
          .add(Format::json, [](std::ostream& out, const ProfileSet& p) {
            out << profile_json(p.runs, p.recommendations, p.view).dump(2) << "\n";
          });
  return reporters;
}

}  // namespace nsperf::analysis
