#include "nsperf/analysis/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>

#include "nsperf/analysis/summary_table.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/io/results_file.hpp"

namespace nsperf::analysis {
namespace {

// The run to compare: the one named, else the newest (run ids sort by time).
std::string pick_run(const std::string& file, const std::optional<std::string>& wanted) {
  const auto runs = io::list_runs(file);
  if (wanted) return *wanted;  // read_repetitions names the valid ones if it is absent
  if (runs.empty()) throw InputError(file + ": holds no run");
  return *std::max_element(runs.begin(), runs.end());
}

std::string change_percent(double ratio) {
  char text[32];
  std::snprintf(text, sizeof text, "%+.1f%%", 100 * (ratio - 1));
  return text;
}

std::string p_text(double p) {
  char text[32];
  std::snprintf(text, sizeof text, p < 0.001 ? "%.1e" : "%.3f", p);
  return text;
}

void write_comparison_text(std::ostream& out, const Comparison& c, bool markdown) {
  if (markdown) {
    out << "**nsperf compare**: `" << c.base_file << "` (run " << c.base_run << ") → `"
        << c.new_file << "` (run " << c.new_run << "); threshold "
        << core::format_number(100 * c.threshold, 3) << "%, significance p < " << kAlpha << "\n\n"
        << "| benchmark | base median | new median | change | 95% CI | p | verdict |\n"
        << "|---|---|---|---|---|---|---|\n";
  } else {
    out << "compare: " << c.base_file << " (run " << c.base_run << ") -> " << c.new_file << " (run "
        << c.new_run << "); threshold " << core::format_number(100 * c.threshold, 3)
        << "%, significance p < " << kAlpha << "\n";
  }
  std::vector<std::vector<std::string>> table;
  table.push_back({"benchmark", "base median", "new median", "change", "95% CI", "p", "verdict"});
  for (const auto& r : c.rows) {
    if (r.base_n == 0 || r.new_n == 0) {
      table.push_back({r.name, "", "", "", "", "", r.verdict});
      continue;
    }
    table.push_back(
        {r.name, format_seconds(r.base_median_s), format_seconds(r.new_median_s),
         change_percent(r.ratio),
         "[" + change_percent(r.ratio_ci.low) + ", " + change_percent(r.ratio_ci.high) + "]",
         p_text(r.p), r.verdict});
  }
  if (markdown) {
    for (std::size_t i = 1; i < table.size(); ++i) {
      out << "|";
      for (const auto& cell : table[i]) out << " " << cell << " |";
      out << "\n";
    }
    out << "\n";
  } else {
    std::vector<std::size_t> width(table.front().size(), 0);
    for (const auto& row : table)
      for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    for (const auto& row : table) {
      std::string line = " ";
      for (std::size_t i = 0; i < row.size(); ++i) {
        std::string cell = row[i];
        if (i + 1 < row.size()) cell.resize(width[i] + 2, ' ');
        line += " " + cell;
      }
      out << line << "\n";
    }
  }
  out << (markdown ? "Geometric mean of new/base: " : "geometric mean of new/base: ")
      << core::format_number(c.geometric_mean, 4) << "\n";
  for (const auto& w : c.warnings) out << (markdown ? "\n> warning: " : "warning: ") << w << "\n";
  out << (markdown ? "\n**" : "") << "result: "
      << (c.regressions == 0 ? "no regression"
                             : std::to_string(c.regressions) + " regression(s) beyond " +
                                   core::format_number(100 * c.threshold, 3) + "%")
      << (markdown ? "**" : "") << "\n";
}

void write_comparison_json(std::ostream& out, const Comparison& c) {
  nlohmann::json j;
  j["base"] = {{"file", c.base_file}, {"run", c.base_run}};
  j["new"] = {{"file", c.new_file}, {"run", c.new_run}};
  j["threshold"] = c.threshold;
  j["alpha"] = kAlpha;
  j["geometric_mean_ratio"] = c.geometric_mean;
  j["regressions"] = c.regressions;
  j["warnings"] = c.warnings;
  for (const auto& r : c.rows) {
    nlohmann::json row = {{"benchmark", r.name}, {"verdict", r.verdict}};
    if (r.base_n > 0 && r.new_n > 0) {
      row["base_repetitions"] = r.base_n;
      row["new_repetitions"] = r.new_n;
      row["base_median_s"] = r.base_median_s;
      row["new_median_s"] = r.new_median_s;
      row["ratio"] = r.ratio;
      row["ratio_ci"] = {r.ratio_ci.low, r.ratio_ci.high};
      row["ratio_ci_level"] = r.ratio_ci.level;
      row["p_value"] = r.p;
    }
    j["benchmarks"].push_back(row);
  }
  out << j.dump(2) << "\n";
}

}  // namespace

BenchmarkTimes times_of(const std::vector<core::Repetition>& repetitions) {
  BenchmarkTimes out;
  for (const auto& r : repetitions) {
    if (!(r.makespan_s > 0)) continue;
    out[{r.optimizer, r.strategy, r.kernel, core::to_string(r.image)}].push_back(r.makespan_s);
  }
  return out;
}

Comparison compare_times(const BenchmarkTimes& base, const BenchmarkTimes& next, double threshold) {
  Comparison c;
  c.threshold = threshold;
  std::map<BenchmarkKey, bool> keys;
  for (const auto& [k, v] : base) keys[k] = true;
  for (const auto& [k, v] : next) keys[k] = true;
  double log_sum = 0;
  std::vector<std::string> few;
  for (const auto& [key, unused] : keys) {
    const auto& [optimizer, strategy, kernel, image] = key;
    Compared row;
    row.name = optimizer + "/" + strategy + "/" + kernel + " " + image;
    const auto b = base.find(key);
    const auto n = next.find(key);
    if (b == base.end() || n == next.end()) {
      row.verdict = b == base.end() ? "only in new" : "only in base";
      c.rows.push_back(row);
      continue;
    }
    row.base_n = b->second.size();
    row.new_n = n->second.size();
    row.base_median_s = core::median(b->second);
    row.new_median_s = core::median(n->second);
    // The shift of log times is the log of the ratio: Hodges–Lehmann and its interval there.
    std::vector<double> lb;
    std::vector<double> ln;
    for (double v : b->second) lb.push_back(std::log(v));
    for (double v : n->second) ln.push_back(std::log(v));
    const auto shift = core::hodges_lehmann(lb, ln);
    row.ratio = std::exp(shift.estimate);
    row.ratio_ci = {std::exp(shift.ci.low), std::exp(shift.ci.high), shift.ci.level};
    row.p = core::mann_whitney_p(lb, ln);
    const bool significant = row.p < kAlpha;
    if (significant && row.ratio > 1 + threshold) {
      row.verdict = "regression";
      ++c.regressions;
    } else if (significant && row.ratio < 1 - threshold) {
      row.verdict = "improvement";
    } else {
      row.verdict = "same";
    }
    if (row.base_n < kFewRepetitions || row.new_n < kFewRepetitions) few.push_back(row.name);
    log_sum += std::log(row.ratio);
    ++c.in_both;
    c.rows.push_back(row);
  }
  if (c.in_both > 0) c.geometric_mean = std::exp(log_sum / c.in_both);
  if (!few.empty()) {
    c.warnings.push_back(std::to_string(few.size()) + " benchmark(s) have fewer than " +
                         std::to_string(kFewRepetitions) + " repetitions on a side (e.g. " +
                         few.front() + "): the test has little power there; use -r 9 or more");
  }
  return c;
}

Comparison compare_runs(const std::string& base_file, const std::string& new_file,
                        const std::optional<std::string>& base_run,
                        const std::optional<std::string>& new_run, double threshold) {
  const std::string base_id = pick_run(base_file, base_run);
  const std::string new_id = pick_run(new_file, new_run);
  Comparison c = compare_times(times_of(io::read_repetitions(base_file, base_id)),
                               times_of(io::read_repetitions(new_file, new_id)), threshold);
  if (c.in_both == 0) {
    throw InputError(base_file + " and " + new_file +
                     ": no benchmark in common (compare runs of the same optimizers, strategies "
                     "and image sizes)");
  }
  c.base_file = base_file;
  c.base_run = base_id;
  c.new_file = new_file;
  c.new_run = new_id;
  return c;
}

const Reporters<Comparison>& comparison_reporters() {
  static const Reporters<Comparison> reporters =
      Reporters<Comparison>()
          .add(Format::text,
               [](std::ostream& out, const Comparison& c) { write_comparison_text(out, c, false); })
          .add(Format::json, write_comparison_json)
          .add(Format::markdown,
               [](std::ostream& out, const Comparison& c) { write_comparison_text(out, c, true); });
  return reporters;
}

}  // namespace nsperf::analysis
