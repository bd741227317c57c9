// nsperf compare BASE.h5 NEW.h5: per benchmark (optimizer, strategy, kernel, image), the change
// of the repetition times from BASE to NEW with a distribution-free 95% interval and a
// Mann–Whitney p-value; exit 1 when a slowdown is both significant and beyond --threshold, so CI
// can gate on it. The comparison is made here; the three reporters below only format it.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <tuple>

#include "command.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/statistics.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/io/hdf5.hpp"
#include "nsperf/io/results_file.hpp"
#include "summary_table.hpp"

namespace nsperf::cli {
namespace {

constexpr double kAlpha = 0.05;
constexpr std::size_t kFewRepetitions = 9;

struct Compared {
  std::string name;  // "cpu/fused/pipeline 2048x2048:u8"
  std::size_t base_n = 0;
  std::size_t new_n = 0;
  double base_median_s = 0;
  double new_median_s = 0;
  double ratio = 1;  // new / base, Hodges–Lehmann on log times
  core::Interval ratio_ci;
  double p = 1;
  std::string verdict;  // regression, improvement, same, only in base, only in new
};

struct Comparison {
  std::string base_file, base_run, new_file, new_run;
  double threshold = 0.05;
  std::vector<Compared> rows;
  double geometric_mean = 1;  // of the ratios of benchmarks in both files
  std::vector<std::string> warnings;
  int regressions = 0;
};

using Key = std::tuple<std::string, std::string, std::string, std::string>;

std::map<Key, std::vector<double>> times_of(const std::vector<core::Repetition>& reps) {
  std::map<Key, std::vector<double>> out;
  for (const auto& r : reps) {
    if (!(r.makespan_s > 0)) continue;
    out[{r.optimizer, r.strategy, r.kernel, core::to_string(r.image)}].push_back(r.makespan_s);
  }
  return out;
}

// The run to compare: the one named, else the newest (run ids sort by time).
std::string pick_run(const std::string& file, const std::optional<std::string>& wanted) {
  const auto runs = io::list_runs(file);
  if (wanted) return *wanted;  // read_repetitions names the valid ones if it is absent
  if (runs.empty()) throw InputError(file + ": holds no run");
  return *std::max_element(runs.begin(), runs.end());
}

Comparison compare(const std::string& base_file, const std::string& new_file,
                   const std::optional<std::string>& base_run,
                   const std::optional<std::string>& new_run, double threshold) {
  Comparison c;
  c.base_file = base_file;
  c.new_file = new_file;
  c.base_run = pick_run(base_file, base_run);
  c.new_run = pick_run(new_file, new_run);
  c.threshold = threshold;
  const auto base = times_of(io::read_repetitions(base_file, c.base_run));
  const auto next = times_of(io::read_repetitions(new_file, c.new_run));
  std::map<Key, bool> keys;
  for (const auto& [k, v] : base) keys[k] = true;
  for (const auto& [k, v] : next) keys[k] = true;
  double log_sum = 0;
  int both = 0;
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
    ++both;
    c.rows.push_back(row);
  }
  if (both == 0) {
    throw InputError(base_file + " and " + new_file +
                     ": no benchmark in common (compare runs of the same optimizers, strategies "
                     "and image sizes)");
  }
  c.geometric_mean = std::exp(log_sum / both);
  if (!few.empty()) {
    c.warnings.push_back(std::to_string(few.size()) + " benchmark(s) have fewer than " +
                         std::to_string(kFewRepetitions) + " repetitions on a side (e.g. " +
                         few.front() + "): the test has little power there; use -r 9 or more");
  }
  return c;
}

std::string percent(double ratio) {
  char text[32];
  std::snprintf(text, sizeof text, "%+.1f%%", 100 * (ratio - 1));
  return text;
}

std::string p_text(double p) {
  char text[32];
  std::snprintf(text, sizeof text, p < 0.001 ? "%.1e" : "%.3f", p);
  return text;
}

void print_text(std::ostream& out, const Comparison& c, bool markdown) {
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
    table.push_back({r.name, format_seconds(r.base_median_s), format_seconds(r.new_median_s),
                     percent(r.ratio),
                     "[" + percent(r.ratio_ci.low) + ", " + percent(r.ratio_ci.high) + "]",
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

void print_json(std::ostream& out, const Comparison& c) {
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

int run(const CommandContext& ctx) {
  po::options_description options("Options");
  options.add_options()("base", po::value<std::string>()->value_name("BASE.h5"),
                        "baseline results")("new", po::value<std::string>()->value_name("NEW.h5"),
                                            "results to check")(
      "threshold", po::value<double>()->value_name("PERCENT")->default_value(5.0),
      "a significant slowdown beyond this fails (exit 1)")(
      "format", po::value<std::string>()->value_name("F")->default_value("text"),
      "text, json or markdown")("base-run", po::value<std::string>()->value_name("ID"),
                                "run of BASE to compare (default: its newest)")(
      "new-run", po::value<std::string>()->value_name("ID"),
      "run of NEW to compare (default: its newest)")("help,h", "this help");
  po::positional_options_description positional;
  positional.add("base", 1).add("new", 1);
  const auto vm = parse_options(ctx.args, options, &positional, "compare");
  if (vm.count("help")) {
    std::cout << "usage: nsperf compare BASE.h5 NEW.h5 [--threshold 5] [--format text|json|"
                 "markdown]\n\n"
                 "Per benchmark (optimizer, strategy, kernel, image size) of the two runs: the\n"
                 "median repetition times, the change NEW/BASE (Hodges-Lehmann on log times) with\n"
                 "its distribution-free 95% interval, and a Mann-Whitney U p-value; the geometric\n"
                 "mean of the changes. Exit 1 when a slowdown is significant (p < 0.05) and\n"
                 "beyond the threshold; 0 otherwise; 2 for bad input.\n\n"
              << options;
    return 0;
  }
  if (!vm.count("base") || !vm.count("new"))
    throw UsageError("compare needs two results files: nsperf compare BASE.h5 NEW.h5");
  const double threshold = vm["threshold"].as<double>();
  if (!(threshold >= 0) || threshold > 1000)
    throw UsageError("--threshold " + std::to_string(threshold) + ": valid: 0..1000 (percent)");
  const std::string format = vm["format"].as<std::string>();
  if (format != "text" && format != "json" && format != "markdown")
    throw UsageError("--format " + format + ": valid: text, json, markdown");
  auto optional = [&](const char* name) {
    return vm.count(name) ? std::optional<std::string>(vm[name].as<std::string>()) : std::nullopt;
  };
  io::silence_hdf5_errors();
  const Comparison c = compare(vm["base"].as<std::string>(), vm["new"].as<std::string>(),
                               optional("base-run"), optional("new-run"), threshold / 100);
  if (format == "json")
    print_json(std::cout, c);
  else
    print_text(std::cout, c, format == "markdown");
  return c.regressions > 0 ? static_cast<int>(ExitCode::runtime) : 0;
}

}  // namespace
}  // namespace nsperf::cli

NSPERF_REGISTER_COMMAND(Compare, "compare",
                        "compare two results files; exit 1 on a significant regression",
                        /*uses_mpi=*/false, &nsperf::cli::run)
