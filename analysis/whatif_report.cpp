// nsperf whatif's tables. Analysis computes (the validation's pairs and ranking); the reporters
// below only format.
#include "nsperf/analysis/whatif_report.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "nsperf/analysis/summary_table.hpp"
#include "nsperf/analysis/whatif_inputs.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/statistics.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/io/results_file.hpp"

namespace nsperf::analysis {
namespace {

std::string whatif_fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

std::string whatif_percent(double fraction) {
  const double p = 100 * fraction;
  return whatif_fixed(p, std::abs(p) >= 10 ? 0 : 1) + "%";
}

// How far apart two makespans are, so a reader tells a reversed 2% from a reversed 30%.
std::string apart(double x, double y) {
  return whatif_percent(std::max(x, y) / std::min(x, y) - 1) + " apart";
}

std::string whatif_gbyte(double bytes_per_s) {
  return core::format_number(bytes_per_s / 1e9, 3) + " GB/s";
}

// The prediction table's cells.
std::vector<std::vector<std::string>> prediction_cells(const WhatifReport& r, bool markdown) {
  std::vector<std::vector<std::string>> rows;
  // A column only where it tells something: tile and image when more than one was simulated.
  std::set<std::int64_t> tiles;
  std::set<std::pair<std::int64_t, std::int64_t>> images;
  for (const auto& p : r.predictions) {
    tiles.insert(p.scenario.tile_size);
    images.insert({p.scenario.image.width, p.scenario.image.height});
  }
  const bool tile_column = tiles.size() > 1;
  const bool write_column = std::any_of(r.predictions.begin(), r.predictions.end(),
                                        [](const sim::Prediction& p) { return p.write_s > 0; });
  std::vector<std::string> head = {"ranks", "partitioner"};
  if (tile_column) head.push_back("tile");
  head.emplace_back("tiles");
  head.emplace_back("makespan");
  if (write_column) head.emplace_back("of it write");
  for (const char* h : {"speedup", "efficiency", "imbalance", "rank 0 coordinating", "bottleneck"})
    head.emplace_back(h);
  rows.push_back(head);
  if (markdown) rows.emplace_back(head.size(), "---");
  for (const auto& p : r.predictions) {
    std::vector<std::string> row = {std::to_string(p.scenario.ranks), p.scenario.partitioner};
    if (tile_column) row.push_back(std::to_string(p.scenario.tile_size));
    row.push_back(std::to_string(p.tiles));
    row.push_back(format_seconds(p.makespan_s));
    if (write_column) row.push_back(format_seconds(p.write_s));
    row.push_back(whatif_fixed(p.speedup, 2) + "x");
    row.push_back(whatif_percent(p.efficiency));
    row.push_back(whatif_fixed(p.imbalance, 2));
    row.push_back(whatif_percent(p.coordination_share));
    row.push_back(p.bottleneck);
    rows.push_back(std::move(row));
  }
  return rows;
}

void whatif_markdown_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  for (const auto& r : rows) {
    out << "|";
    for (const auto& c : r) out << " " << c << " |";
    out << "\n";
  }
}

std::string smallest_ranks_text(const WhatifReport& r) {
  int least = 0;
  for (const auto& p : r.predictions)
    least = least == 0 ? p.scenario.ranks : std::min(least, p.scenario.ranks);
  return std::to_string(least) + (least == 1 ? " rank" : " ranks");
}

void whatif_text(std::ostream& out, const WhatifReport& r) {
  out << "nsperf whatif: " << r.file << ", run " << r.run_id << "\n";
  for (const auto& line : r.inputs) out << "  " << line << "\n";
  out << "  platform: " << r.platform << "\n";
  for (const auto& n : r.notes) out << "  note: " << n << "\n";
  out << "\n";
  print_table(out, prediction_cells(r, false));
  const bool written = std::any_of(r.predictions.begin(), r.predictions.end(),
                                   [](const sim::Prediction& p) { return p.write_s > 0; });
  out << (written ? "\n  makespan: the job from the ranks' common start to the end of the "
                    "collective write (its last\n  part, \"of it write\");"
                  : "\n  makespan: the job from the ranks' common start to the last rank's end "
                    "of the pipeline\n  (the write left out: --write-bandwidth adds it);")
      << " speedup and efficiency against " << smallest_ranks_text(r)
      << ", same partitioner;\n  imbalance: max / mean of the ranks' compute time; rank 0 "
         "coordinating: its time cutting\n  and sending other ranks' tiles and serving their "
         "requests, as a share of the makespan;\n  bottleneck: the largest of the busiest rank's "
         "compute, rank 0's coordinating, rank 0's\n  pixels over its link"
      << (written ? " and the write" : "") << " (docs/whatif.md).\n";
}

void whatif_markdown(std::ostream& out, const WhatifReport& r) {
  out << "**nsperf whatif** `" << r.file << "`, run `" << r.run_id << "`\n\n";
  for (const auto& line : r.inputs) out << "- " << line << "\n";
  out << "- platform: " << r.platform << "\n";
  for (const auto& n : r.notes) out << "- note: " << n << "\n";
  out << "\n";
  whatif_markdown_table(out, prediction_cells(r, true));
}

nlohmann::json prediction_json(const sim::Prediction& p) {
  return {{"ranks", p.scenario.ranks},
          {"partitioner", p.scenario.partitioner},
          {"tile", p.scenario.tile_size},
          {"image_width", p.scenario.image.width},
          {"image_height", p.scenario.image.height},
          {"tiles", p.tiles},
          {"nodes", p.nodes},
          {"makespan_s", p.makespan_s},
          {"pipeline_s", p.pipeline_s},
          {"write_s", p.write_s},
          {"speedup", p.speedup},
          {"efficiency", p.efficiency},
          {"imbalance", p.imbalance},
          {"coordination_share", p.coordination_share},
          {"compute_s", p.compute_s},
          {"coordination_s", p.coordination_s},
          {"network_s", p.network_s},
          {"bottleneck", p.bottleneck},
          {"simulated_in_s", p.simulated_in_s},
          {"simulation_rss_bytes", p.simulation_rss_bytes}};
}

void whatif_json(std::ostream& out, const WhatifReport& r) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : r.predictions) list.push_back(prediction_json(p));
  out << list.dump(2) << "\n";
}

// --- validation ------------------------------------------------------------------------------

// "20261206T150518Z-b07f", or with more runs of the configuration "20261206T150518Z-b07f +2"
// ("runs 20261206T150518Z-b07f +2" / "run 20261206T150518Z-b07f" in a sentence).
std::string runs_label(const std::vector<std::string>& ids, bool sentence = false) {
  std::string s = ids.empty() ? std::string("-") : ids.front();
  if (ids.size() > 1) s += " +" + std::to_string(ids.size() - 1);
  if (sentence) s = (ids.size() > 1 ? "runs " : "run ") + s;
  return s;
}

std::string signed_percent(double fraction) {
  return (fraction >= 0 ? "+" : "") + whatif_percent(fraction);
}

std::vector<std::vector<std::string>> validation_cells(const ValidationReport& r, bool markdown) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"predicted from", "measured runs", "ranks", "nodes x cores", "threads",
                  "partitioner", "measured median", "predicted", "error", "tiles' cost",
                  "slowest rank's"});
  if (markdown) rows.emplace_back(rows.front().size(), "---");
  for (const auto& v : r.rows) {
    const auto change = v.tile_cost_change();
    rows.push_back(
        {runs_label(v.base_runs) + " (" + std::to_string(v.base_ranks) + ")", runs_label(v.runs),
         std::to_string(v.ranks), std::to_string(v.nodes) + " x " + std::to_string(v.cores),
         std::to_string(v.threads_per_rank), v.partitioner, format_seconds(v.measured_median_s),
         format_seconds(v.predicted_s), signed_percent(v.error()),
         std::isnan(change.whole) ? "-" : signed_percent(change.whole),
         std::isnan(change.slowest_rank) ? "-" : signed_percent(change.slowest_rank)});
  }
  return rows;
}

std::vector<std::string> ranking_lines(const ValidationReport& r) {
  std::vector<std::string> lines;
  for (const auto& k : r.rankings) {
    std::string line = "ranking at " + std::to_string(k.ranks) +
                       (k.ranks == 1 ? " rank" : " ranks") + " (" + runs_label(k.runs, true) +
                       ", from " + runs_label(k.base_runs, true) + "): ";
    if (k.significant_pairs() == 0) {
      line +=
          "no two partitioners' measured makespans differ significantly (Mann-Whitney p < "
          "0.05): nothing to rank";
    } else if (k.disagreements.empty()) {
      line += "the prediction orders all " + std::to_string(k.significant_pairs()) +
              " significantly different pairs as measured";
    } else {
      line +=
          std::to_string(k.disagreements.size()) + " of " + std::to_string(k.significant_pairs()) +
          " significantly different pairs ordered otherwise: " + core::join(k.disagreements, "; ");
    }
    lines.push_back(line);
  }
  return lines;
}

void write_validation_text(std::ostream& out, const ValidationReport& r) {
  out << "nsperf whatif --validate: " << r.file << "\n";
  for (const auto& line : r.inputs) out << "  " << line << "\n";
  out << "\n";
  print_table(out, validation_cells(r, false));
  out << "\n";
  for (const auto& line : ranking_lines(r)) out << "  " << line << "\n";
  out << "\n  measured: the distributed benchmark's makespans (no output written), every "
         "repetition of the\n  runs of one configuration (\"+2\": two more runs); predicted: "
         "the replayed pipeline on\n  their nodes, cores and threads per rank, the median over "
         "the predicting runs; error:\n  (predicted - measured) / measured; tiles' cost: "
         "each measured run's sum of its\n  tiles' compute times against the same tiles' in "
         "the predicting runs, the median\n  over the measured runs: where the machine "
         "computed faster or slower than when it\n  was measured for the prediction, the error "
         "holds that drift as well as the model's;\n  slowest rank's: the same for each run's "
         "rank whose tiles took longest (a slower core\n  or node, or a core shared with "
         "another rank, which the sum hides).\n";
}

void write_validation_markdown(std::ostream& out, const ValidationReport& r) {
  out << "**nsperf whatif --validate** `" << r.file << "`\n\n";
  whatif_markdown_table(out, validation_cells(r, true));
  out << "\n";
  for (const auto& line : ranking_lines(r)) out << "- " << line << "\n";
}

nlohmann::json or_null(double v) {
  return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
}

void write_validation_json(std::ostream& out, const ValidationReport& r) {
  nlohmann::json list = nlohmann::json::array();
  nlohmann::json rankings = nlohmann::json::array();
  for (const auto& k : r.rankings) {
    nlohmann::json pairs = nlohmann::json::array();
    for (const auto& p : k.pairs) {
      pairs.push_back({{"faster_measured", p.a},
                       {"slower_measured", p.b},
                       {"p", p.p},
                       {"significant", p.significant()},
                       {"measured_s", {p.measured_a_s, p.measured_b_s}},
                       {"predicted_s", {p.predicted_a_s, p.predicted_b_s}},
                       {"ordered_as_measured", p.ordered_as_measured()}});
    }
    rankings.push_back({{"base_runs", k.base_runs},
                        {"base_ranks", k.base_ranks},
                        {"runs", k.runs},
                        {"ranks", k.ranks},
                        {"significant_pairs", k.significant_pairs()},
                        {"ordered_otherwise", k.disagreements.size()},
                        {"pairs", pairs}});
  }
  for (const auto& v : r.rows) {
    const auto change = v.tile_cost_change();
    list.push_back({{"base_runs", v.base_runs},
                    {"base_ranks", v.base_ranks},
                    {"runs", v.runs},
                    {"ranks", v.ranks},
                    {"nodes", v.nodes},
                    {"cores", v.cores},
                    {"threads_per_rank", v.threads_per_rank},
                    {"partitioner", v.partitioner},
                    {"measured_median_s", v.measured_median_s},
                    {"predicted_s", v.predicted_s},
                    {"predictions_s", v.predictions_s},
                    {"error", v.error()},
                    {"tile_cost_change", or_null(change.whole)},
                    {"slowest_rank_tile_cost_change", or_null(change.slowest_rank)}});
  }
  out << nlohmann::json{{"rows", list}, {"rankings", rankings}}.dump(2) << "\n";
}

}  // namespace

std::vector<std::string> whatif_inputs(const core::MeasuredJob& job) {
  std::int64_t columns = (job.image.width + job.tile_size - 1) / job.tile_size;
  std::int64_t rows = (job.image.height + job.tile_size - 1) / job.tile_size;
  std::vector<std::string> out;
  out.push_back("measured: " + job.image_label + ", " + std::to_string(columns * rows) +
                " tiles of " + std::to_string(job.tile_size) + " at " + std::to_string(job.ranks) +
                " rank" + (job.ranks == 1 ? "" : "s") + " x " +
                std::to_string(job.threads_per_rank) + " thread" +
                (job.threads_per_rank == 1 ? "" : "s") + " on " + std::to_string(job.nodes) +
                " node" + (job.nodes == 1 ? "" : "s") + " of " + std::to_string(job.cores) +
                " cores; tile costs: the median over " + core::join(job.partitioners) +
                " of each stage, scaled to the repetitions' median busy time, plus " +
                format_seconds(job.per_tile_overhead_s.value) + " a tile outside the stages (" +
                job.per_tile_overhead_s.source + ")");
  out.push_back(
      "rank 0 cutting tiles: " + whatif_gbyte(job.cut_bytes_per_s.value) + " its own (" +
      job.cut_bytes_per_s.source + "), " +
      (job.cut_for_others_bytes_per_s.value > 0
           ? whatif_gbyte(job.cut_for_others_bytes_per_s.value) + " other ranks' (" +
                 job.cut_for_others_bytes_per_s.source + ")"
           : "other ranks' " + job.cut_for_others_bytes_per_s.source) +
      (job.cut_apart_bytes_per_s.value > 0
           ? ", " + whatif_gbyte(job.cut_apart_bytes_per_s.value) + " (" +
                 job.cut_apart_bytes_per_s.source +
                 "): a tile, rank 0's own or another rank's, that does not follow the one it "
                 "cut before costs the difference from the adjacent rate more a byte"
           : ""));
  // The tile-sized latency is not a link's (MeasuredJob::link_latency), and not shown as if it
  // were.
  out.push_back("point to point: " + whatif_gbyte(job.bandwidth_bytes_per_s.value) + " (" +
                job.bandwidth_bytes_per_s.source + ")");
  out.push_back(
      "a small message, the links' latency (a request for a chunk and rank 0 serving it, the "
      "reply, the all-reduces; a tile's message, " +
      std::string(job.network_within_node
                      ? "its receiver then copying the pixels at the bandwidth above"
                      : "its bytes then at the bandwidth above") +
      "): " + format_seconds(job.link_latency().value) + " (" + job.link_latency().source + ")");
  out.push_back(
      "rank 0 sending a tile to another node, inside its MPI calls, and the rank receiving it "
      "(the transport's processor time: TCP copies every byte on each end, RDMA hardly any; "
      "the receiver's taken as the sender's): " +
      (job.sending_s_per_byte.value > 0
           ? core::format_number(job.sending_s_per_byte.value * 1e9, 3) + " ns a byte (" +
                 job.sending_s_per_byte.source + ")"
           : job.sending_s_per_byte.source));
  out.push_back(
      "an MPI call of rank 0 yielding a core it shares (nodes with more ranks than cores): " +
      (job.handover_waiting_s.value > 0 || job.handover_computing_s.value > 0
           ? format_seconds(job.handover_waiting_s.value) + " with the other rank waiting, " +
                 format_seconds(job.handover_computing_s.value) + " with it computing (" +
                 job.handover_waiting_s.source + ")"
           : job.handover_waiting_s.source));
  out.push_back(
      "a rank whose message came while the other rank of its core computes without an MPI call, "
      "until it gets the core (the rest of a time slice): " +
      (job.handover_slice_s.value > 0
           ? format_seconds(job.handover_slice_s.value) + " (" + job.handover_slice_s.source + ")"
           : job.handover_slice_s.source));
  out.push_back("a core computing while its node's other cores compute (the tiles, measured with " +
                std::to_string(job.busy_cores_measured) +
                " of a node's cores computing, scaled to each "
                "simulated node's): " +
                (job.busy_cores_slowdown.value > 1
                     ? core::format_number(job.busy_cores_slowdown.value, 3) + "x slower with " +
                           std::to_string(job.busy_cores_probed) +
                           " cores computing than alone, linear in between and flat beyond (" +
                           job.busy_cores_slowdown.source + ")"
                     : job.busy_cores_slowdown.source));
  if (job.core_speeds.empty()) {
    out.push_back("a core's speed from one repetition to the next: " + job.core_speeds_source);
  } else {
    const auto& speeds = job.core_speeds;  // ascending
    auto at = [&](double q) {
      return core::format_number(
          speeds[static_cast<std::size_t>(q * static_cast<double>(speeds.size() - 1))], 3);
    };
    out.push_back(
        "a core's speed from one repetition to the next (its tiles' time against the "
        "median; each simulation draws one for every core, independently, and a "
        "prediction is the median of " +
        std::to_string(sim::kSpeedDraws) + " simulations, " + std::to_string(sim::kSpeedDrawsMany) +
        " past 256 ranks): " + std::to_string(speeds.size()) + " measured, " + at(0.0) + " to " +
        at(1.0) + ", 10% at most " + at(0.1) + ", 10% at least " + at(0.9) + " (" +
        job.core_speeds_source + ")");
  }
  out.push_back(job.write_bytes_per_s.value > 0
                    ? "collective write: " + whatif_gbyte(job.write_bytes_per_s.value) + " (" +
                          job.write_bytes_per_s.source + ")"
                    : "collective write: left out, " + job.write_bytes_per_s.source +
                          " (--write-bandwidth GB/s gives the file system's)");
  return out;
}

const Reporters<WhatifReport>& whatif_reporters() {
  static const auto reporters = Reporters<WhatifReport>()
                                    .add(Format::text, whatif_text)
                                    .add(Format::json, whatif_json)
                                    .add(Format::markdown, whatif_markdown);
  return reporters;
}

const Reporters<ValidationReport>& validation_reporters() {
  static const auto reporters = Reporters<ValidationReport>()
                                    .add(Format::text, write_validation_text)
                                    .add(Format::json, write_validation_json)
                                    .add(Format::markdown, write_validation_markdown);
  return reporters;
}

ValidationPlan plan_validation(const std::string& file, const std::string& base_run) {
  ValidationPlan plan;
  plan.report.file = file;
  std::vector<core::MeasuredJob> bases;
  if (!base_run.empty()) {
    bases.push_back(read_measured_job(file, base_run));
  } else {
    int oversubscribed = 0;
    for (const auto& id : io::list_runs(file)) {
      try {
        auto job = read_measured_job(file, id);
        // An oversubscribed run's tile times include waiting for a core: measured against,
        // never predicted from, unless asked for with --run.
        if (job.oversubscribed) {
          ++oversubscribed;
        } else {
          bases.push_back(std::move(job));
        }
      } catch (const InputError&) {
        // a run without tile costs predicts nothing; it may still be measured against
      }
    }
    if (bases.empty() && oversubscribed > 0)
      throw InputError(file +
                       ": every run with tile costs had more ranks than cores on a node, "
                       "so its tile times include waiting for a core; name one with "
                       "--run to predict from it anyway");
    if (bases.empty()) (void)read_measured_job(file, "");  // throws, naming what is missing
  }
  plan.report.inputs = whatif_inputs(bases.front());
  // Runs of one configuration pool: the measured ones into one row per partitioner, the base
  // ones into its predictions (one case per base run and measured configuration).
  auto configuration = [](int ranks, int nodes, int cores, int threads, int per_node,
                          std::int64_t chunk) {
    return std::to_string(ranks) + " ranks, " + std::to_string(nodes) + " nodes x " +
           std::to_string(cores) + " cores, " + std::to_string(threads) + " threads, " +
           std::to_string(per_node) + " a node, chunk " + std::to_string(chunk);
  };
  auto add_once = [](std::vector<std::string>& ids, const std::string& id) {
    if (std::find(ids.begin(), ids.end(), id) != ids.end()) return false;
    ids.push_back(id);
    return true;
  };
  std::map<std::string, std::size_t> row_of;
  for (const auto& job : bases) {
    const std::string base_key =
        configuration(job.ranks, job.nodes, job.cores, job.threads_per_rank, 0, 0) + " of " +
        std::to_string(job.image.width) + "x" + std::to_string(job.image.height) + "/" +
        std::to_string(job.tile_size);
    std::map<std::string, ValidationPlan::Case> by_configuration;
    for (const auto& m : job.measured) {
      if (m.run_id == job.run_id || m.ranks == job.ranks || !(m.image == job.image) ||
          m.tile_size != job.tile_size || !sim::is_partitioner(m.partitioner))
        continue;
      std::string binding;
      for (int c : m.core_of_rank) binding += (binding.empty() ? "" : ",") + std::to_string(c);
      const std::string key =
          configuration(m.ranks, m.nodes, m.cores, m.threads_per_rank, m.ranks_per_node, m.chunk) +
          (binding.empty() ? "" : ", bound to " + binding);
      auto [it, fresh] = by_configuration.try_emplace(key);
      ValidationPlan::Case& c = it->second;
      if (fresh) {
        c.job = job;
        c.job.chunk = m.chunk;
        c.platform.nodes = m.nodes;
        c.platform.cores_per_node = m.cores;
      }
      const std::string group = base_key + " -> " + key;
      auto [at, new_row] = row_of.try_emplace(group + " " + m.partitioner, plan.report.rows.size());
      if (new_row) {
        ValidationRow row;
        row.base_ranks = job.ranks;
        row.partitioner = m.partitioner;
        row.ranks = m.ranks;
        row.nodes = m.nodes;
        row.cores = m.cores;
        row.threads_per_rank = m.threads_per_rank;
        row.group = group;
        plan.report.rows.push_back(std::move(row));
      }
      ValidationRow& row = plan.report.rows[at->second];
      if (add_once(row.base_runs, job.run_id)) {
        // The base run's tiles: every partitioner computed the same ones.
        for (const auto& b : job.measured)
          if (b.run_id == job.run_id && !b.tiles.empty()) row.base_tiles.push_back(b.tiles);
      }
      if (add_once(row.runs, m.run_id)) {
        row.measured_s.insert(row.measured_s.end(), m.makespans_s.begin(), m.makespans_s.end());
        if (!m.tiles.empty()) row.measured_tiles.push_back(m.tiles);
      }
      // One scenario per partitioner and case, placed as the measured runs were: their ranks
      // per host, whatever the hosts' cores, and each on its core where they were bound.
      if (std::find(c.rows.begin(), c.rows.end(), at->second) == c.rows.end()) {
        c.scenarios.push_back({m.ranks, m.partitioner, job.tile_size, job.image, m.threads_per_rank,
                               m.ranks_per_node, m.core_of_rank});
        c.rows.push_back(at->second);
      }
    }
    for (auto& [key, c] : by_configuration) plan.cases.push_back(std::move(c));
  }
  for (auto& row : plan.report.rows) row.measured_median_s = core::median(row.measured_s);
  // Rows read by base rank count, then measured rank count, then partitioner; the cases keep
  // pointing at their rows.
  std::vector<std::size_t> order(plan.report.rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto& rows = plan.report.rows;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(rows[a].base_ranks, rows[a].ranks, rows[a].group, rows[a].partitioner) <
           std::tie(rows[b].base_ranks, rows[b].ranks, rows[b].group, rows[b].partitioner);
  });
  std::vector<std::size_t> position(order.size());
  std::vector<ValidationRow> sorted;
  for (std::size_t k = 0; k < order.size(); ++k) {
    position[order[k]] = k;
    sorted.push_back(rows[order[k]]);
  }
  plan.report.rows = std::move(sorted);
  for (auto& c : plan.cases)
    for (auto& r : c.rows) r = position[r];
  if (plan.cases.empty()) {
    std::string ranks;
    std::set<int> measured;
    for (const auto& b : bases) {
      if (measured.insert(b.ranks).second)
        ranks += (ranks.empty() ? "" : ", ") + std::to_string(b.ranks);
    }
    // Suggest a count the file lacks: 2, else 1, else the next power of two above the largest.
    int suggest = 2;
    if (measured.count(2) != 0) suggest = 1;
    if (measured.count(1) != 0 && measured.count(2) != 0) {
      suggest = 4;
      while (measured.count(suggest) != 0) suggest *= 2;
    }
    throw InputError(file +
                     ": --validate needs distributed runs at a second rank count (same "
                     "image and tile) besides the run(s) with tile costs, at " +
                     ranks + " rank(s); add one: mpirun -n " + std::to_string(suggest) +
                     (suggest > 2 ? " --oversubscribe" : "") +
                     " nsperf benchmark --distributed --append -o " + file +
                     " (with the same --synthetic/--image and --tile)");
  }
  return plan;
}

ValidationRow::TileCostChange ValidationRow::tile_cost_change() const {
  std::map<std::int64_t, std::vector<double>> each;
  for (const auto& b : base_tiles)
    for (const auto& [id, t] : b) each[id].push_back(t.compute_s);
  std::map<std::int64_t, double> base;
  for (auto& [id, v] : each) base[id] = core::median(v);
  std::vector<double> whole;
  std::vector<double> slowest;
  for (const auto& m : measured_tiles) {
    std::map<int, std::pair<double, double>> by_rank;  // its tiles here, the same in the base
    for (const auto& [id, t] : m) {
      const auto it = base.find(id);
      if (it == base.end()) continue;
      by_rank[t.rank].first += t.compute_s;
      by_rank[t.rank].second += it->second;
    }
    double measured = 0;
    double before = 0;
    std::vector<double> per_rank;
    for (const auto& [rank, sums] : by_rank) {
      measured += sums.first;
      before += sums.second;
      if (sums.second > 0) per_rank.push_back(sums.first / sums.second - 1);
    }
    if (per_rank.empty()) continue;
    whole.push_back(measured / before - 1);
    slowest.push_back(*std::max_element(per_rank.begin(), per_rank.end()));
  }
  TileCostChange out;
  if (!whole.empty()) out = {core::median(whole), core::median(slowest)};
  return out;
}

void finish_validation(ValidationReport& report) {
  for (auto& r : report.rows) r.predicted_s = core::median(r.predictions_s);
  std::map<std::string, std::vector<const ValidationRow*>> groups;
  for (const auto& r : report.rows) groups[r.group].push_back(&r);
  for (const auto& [key, rows] : groups) {
    ValidationReport::Ranking k;
    k.base_runs = rows.front()->base_runs;
    k.base_ranks = rows.front()->base_ranks;
    k.runs = rows.front()->runs;
    k.ranks = rows.front()->ranks;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      for (std::size_t j = i + 1; j < rows.size(); ++j) {
        const auto* a = rows[i];
        const auto* b = rows[j];
        if (b->measured_median_s < a->measured_median_s) std::swap(a, b);
        const ValidationReport::Ranking::Pair pair{
            a->partitioner,
            b->partitioner,
            core::mann_whitney_p(a->measured_s, b->measured_s),
            a->measured_median_s,
            b->measured_median_s,
            a->predicted_s,
            b->predicted_s};
        k.pairs.push_back(pair);
        if (pair.significant() && !pair.ordered_as_measured())
          k.disagreements.push_back(
              rows[i]->partitioner + (a == rows[i] ? " < " : " > ") + rows[j]->partitioner +
              " measured (" + apart(pair.measured_a_s, pair.measured_b_s) +
              "), the other way predicted (" + apart(pair.predicted_a_s, pair.predicted_b_s) + ")");
      }
    }
    report.rankings.push_back(std::move(k));
  }
}

}  // namespace nsperf::analysis
