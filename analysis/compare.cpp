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

std::string as_percent(double fraction) { return core::format_number(100 * fraction, 3) + "%"; }

std::string p_text(double p) {
  char text[32];
  std::snprintf(text, sizeof text, p < 0.001 ? "%.1e" : "%.3f", p);
  return text;
}

std::string interval_text(const core::Interval& ci) {
  return "[" + change_percent(ci.low) + ", " + change_percent(ci.high) + "] " +
         core::format_number(100 * ci.level, 2) + "%";
}

// The rule the verdicts follow, in one sentence.
std::string rule_text(const Comparison& c) {
  return "a regression is slower by more than " + as_percent(std::max(c.threshold, c.drift)) +
         " and significant (Mann-Whitney p < " + core::format_number(kAlpha, 2) +
         "); with one run on each side, changes within " + as_percent(c.drift) +
         " cannot be told from drift between processes (--drift; docs/compare.md)";
}

void write_comparison_text(std::ostream& out, const Comparison& c, bool markdown) {
  const std::string bold = markdown ? "**" : "";
  if (markdown) {
    out << "**nsperf compare**: `" << c.base_file << "` (run " << c.base_run << ") → `"
        << c.new_file << "` (run " << c.new_run << ")\n\n";
  } else {
    out << "compare: " << c.base_file << " (run " << c.base_run << ") -> " << c.new_file << " (run "
        << c.new_run << ")\n";
  }
  for (const auto& d : c.differences) {
    out << (markdown ? "\n> " : "")
        << "warning: measured differently (--allow-mismatch): " << d.what << ": " << d.base
        << " (base) vs " << d.next << " (new)\n";
  }
  out << (markdown ? "\n" : "") << "verdict: " << rule_text(c) << "\n" << (markdown ? "\n" : "");
  std::vector<std::vector<std::string>> table;
  table.push_back(
      {"benchmark", "base median", "new median", "change", "interval (coverage)", "p", "verdict"});
  bool ungated = false;
  for (const auto& r : c.rows) {
    ungated = ungated || !r.gated;
    if (r.base_n == 0 || r.new_n == 0) {
      table.push_back({r.name, "", "", "", "", "", r.verdict});
      continue;
    }
    table.push_back({r.name, format_seconds(r.base_median_s), format_seconds(r.new_median_s),
                     change_percent(r.ratio), interval_text(r.ratio_ci), p_text(r.p), r.verdict});
  }
  if (markdown) {
    for (std::size_t i = 0; i < table.size(); ++i) {
      out << "|";
      for (const auto& cell : table[i]) out << " " << cell << " |";
      out << "\n";
      if (i == 0) out << "|---|---|---|---|---|---|---|\n";
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
  out << "change = new median / base median - 1; interval: of that ratio, from the two medians' "
         "order-statistic intervals (coverage at least as shown)\n";
  if (ungated) {
    out << "stages of a pipeline also timed whole (the cpu optimizer's kernels) are listed, not "
           "gated: one stage alone drifts far more between processes (--gate-stages gates "
           "them)\n";
  }
  out << (markdown ? "Geometric mean of new/base" : "geometric mean of new/base") << " over "
      << c.in_both << " benchmark(s): " << core::format_number(c.geometric_mean, 4) << "\n";
  for (const auto& w : c.warnings) out << (markdown ? "\n> warning: " : "warning: ") << w << "\n";
  int within = 0;
  for (const auto& r : c.rows) within += r.verdict == "within drift" ? 1 : 0;
  out << (markdown ? "\n" : "") << bold << "result: "
      << (c.regressions == 0 ? "no regression"
                             : std::to_string(c.regressions) + " regression(s) beyond " +
                                   as_percent(std::max(c.threshold, c.drift)))
      << (within > 0 ? "; " + std::to_string(within) + " change(s) within drift" : "") << bold
      << "\n";
}

void write_comparison_json(std::ostream& out, const Comparison& c) {
  nlohmann::json j;
  j["base"] = {{"file", c.base_file}, {"run", c.base_run}};
  j["new"] = {{"file", c.new_file}, {"run", c.new_run}};
  j["threshold"] = c.threshold;
  j["drift"] = c.drift;
  j["gate_stages"] = c.gate_stages;
  j["alpha"] = kAlpha;
  j["geometric_mean_ratio"] = c.geometric_mean;
  j["regressions"] = c.regressions;
  j["warnings"] = c.warnings;
  j["differences"] = nlohmann::json::array();
  for (const auto& d : c.differences)
    j["differences"].push_back({{"what", d.what}, {"base", d.base}, {"new", d.next}});
  for (const auto& r : c.rows) {
    nlohmann::json row = {{"benchmark", r.name}, {"verdict", r.verdict}, {"gated", r.gated}};
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

std::string value_text(const core::Provenance::Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  return core::format_number(std::get<double>(v), 6);
}

const core::Provenance::Value* find_attribute(const RunAttributes& attributes,
                                              std::string_view name) {
  for (const auto& [n, v] : attributes)
    if (n == name) return &v;
  return nullptr;
}

// The optimizers measured in both runs, from their benchmark keys.
std::vector<std::string> optimizers_in_both(const BenchmarkTimes& base,
                                            const BenchmarkTimes& next) {
  std::vector<std::string> out;
  for (const auto& [key, unused] : base) {
    const auto& optimizer = std::get<0>(key);
    const bool in_next = std::any_of(next.begin(), next.end(), [&](const auto& entry) {
      return std::get<0>(entry.first) == optimizer;
    });
    if (in_next && std::find(out.begin(), out.end(), optimizer) == out.end())
      out.push_back(optimizer);
  }
  return out;
}

// The interval of new median / base median from one order-statistic interval of each median:
// both hold at once with at least the product of their coverages. Of the pairs whose product
// reaches 95%, the narrowest ratio interval (a wider interval on one side can buy a narrower one
// on the other: at 9 repetitions a side, 99.6% x 96.1% where two 97.5% intervals would both be
// the whole range). Too few repetitions to reach 95%: the whole ranges, their true coverage.
core::Interval ratio_of_medians_ci(const std::vector<double>& base,
                                   const std::vector<double>& next) {
  core::Interval best{0, 0, 0};
  double best_width = 0;
  for (double want = 0.95; want < 1.0; want += 0.0005) {
    const auto b = core::median_ci(base, want);
    if (b.level < want) break;  // no wider interval reaches more
    const auto n = core::median_ci(next, std::min(1.0, 0.95 / b.level));
    const core::Interval ratio{n.low / b.high, n.high / b.low, b.level * n.level};
    const double width = std::log(ratio.high / ratio.low);
    if (ratio.level >= 0.95 && (best.level == 0 || width < best_width)) {
      best = ratio;
      best_width = width;
    }
  }
  if (best.level > 0) return best;
  const auto b = core::median_ci(base, 1.0);
  const auto n = core::median_ci(next, 1.0);
  return {n.low / b.high, n.high / b.low, b.level * n.level};
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

Comparison compare_times(const BenchmarkTimes& base, const BenchmarkTimes& next,
                         const CompareOptions& options) {
  Comparison c;
  c.threshold = options.threshold;
  c.drift = options.drift;
  c.gate_stages = options.gate_stages;
  std::map<BenchmarkKey, bool> keys;
  for (const auto& [k, v] : base) keys[k] = true;
  for (const auto& [k, v] : next) keys[k] = true;
  // A kernel of a strategy whose whole pipeline is measured too is one stage of it.
  auto is_stage = [&](const BenchmarkKey& key) {
    const auto& [optimizer, strategy, kernel, image] = key;
    return kernel != "pipeline" && keys.count({optimizer, strategy, "pipeline", image}) > 0;
  };
  // Slower (or faster) by more than this factor is beyond the threshold; by more than `beyond`
  // beyond drift too.
  const double small = std::log1p(options.threshold);
  const double beyond = std::log1p(std::max(options.threshold, options.drift));
  double log_sum = 0;
  std::vector<std::string> few;
  for (const auto& [key, unused] : keys) {
    const auto& [optimizer, strategy, kernel, image] = key;
    Compared row;
    row.name = optimizer + "/" + strategy + "/" + kernel + " " + image;
    row.gated = options.gate_stages || !is_stage(key);
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
    row.ratio = row.new_median_s / row.base_median_s;
    row.ratio_ci = ratio_of_medians_ci(b->second, n->second);
    std::vector<double> lb;
    std::vector<double> ln;
    for (double v : b->second) lb.push_back(std::log(v));
    for (double v : n->second) ln.push_back(std::log(v));
    row.p = core::mann_whitney_p(lb, ln);
    const double change = std::log(row.ratio);
    const bool significant = row.p < kAlpha;
    if (!significant || std::abs(change) <= small) {
      row.verdict = "same";
    } else if (std::abs(change) <= beyond) {
      row.verdict = "within drift";
    } else if (change > 0) {
      row.verdict = row.gated ? "regression" : "slower (not gated)";
      c.regressions += row.gated ? 1 : 0;
    } else {
      row.verdict = row.gated ? "improvement" : "faster (not gated)";
    }
    if (row.base_n < kFewRepetitions || row.new_n < kFewRepetitions) few.push_back(row.name);
    log_sum += change;
    ++c.in_both;
    c.rows.push_back(row);
  }
  if (c.in_both > 0) c.geometric_mean = std::exp(log_sum / c.in_both);
  // A slow spell of the machine during one run (other work on a shared host) slows every
  // benchmark in the rounds it lasts: seen as a spread of the gated benchmarks' repetitions far
  // beyond their usual few per cent. The verdicts of such a run say little either way.
  for (const auto& [side, times] : {std::pair{"base", &base}, std::pair{"new", &next}}) {
    std::vector<double> spreads;
    for (const auto& [key, values] : *times) {
      if (values.size() < 5 || (!options.gate_stages && is_stage(key))) continue;
      auto sorted = values;
      std::sort(sorted.begin(), sorted.end());
      // The second fastest against the second slowest: one stray repetition is not a spell.
      spreads.push_back(sorted[sorted.size() - 2] / sorted[1]);
    }
    if (spreads.empty()) continue;
    const double spread = core::median(spreads);
    if (spread > 1 + kSpellSpread) {
      c.warnings.push_back(std::string(side) + " run: its repetitions spread over " +
                           core::format_number(spread, 3) +
                           "x (median over the gated benchmarks): the machine was slower for "
                           "part of the run, and its medians may be off by as much");
    }
  }
  if (!few.empty()) {
    c.warnings.push_back(std::to_string(few.size()) + " benchmark(s) have fewer than " +
                         std::to_string(kFewRepetitions) + " repetitions on a side (e.g. " +
                         few.front() + "): the test has little power there; use -r 9 or more");
  }
  return c;
}

std::vector<std::pair<std::string, std::string>> run_identity(
    const RunAttributes& attributes, const std::vector<std::string>& optimizers) {
  std::vector<std::pair<std::string, std::string>> out;
  auto text = [&](std::string_view name) {
    const auto* v = find_attribute(attributes, name);
    return v ? std::optional<std::string>(value_text(*v)) : std::nullopt;
  };
  if (auto image = text("image")) out.emplace_back("input", *image);
  if (auto sha = text("input_sha256"); sha && !sha->empty()) out.emplace_back("input sha256", *sha);
  if (auto ranks = text("ranks")) out.emplace_back("ranks", *ranks);
  if (auto threads = text("threads_per_rank")) out.emplace_back("threads per rank", *threads);
  const auto config_text = text("config");
  if (!config_text) return out;
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(*config_text);
  } catch (const nlohmann::json::exception&) {
    return out;  // a config that does not parse identifies nothing
  }
  auto add = [&](const std::string& key, const nlohmann::json& value) {
    out.emplace_back(key, value.is_string() ? value.get<std::string>() : value.dump());
  };
  if (const auto input = config.find("input"); input != config.end() && input->is_object()) {
    for (const char* key : {"tile", "skew", "raw"})
      if (input->contains(key)) add(std::string("input.") + key, input->at(key));
  }
  const auto all = config.find("optimizers");
  if (all == config.end() || !all->is_object()) return out;
  for (const auto& optimizer : optimizers) {
    const auto settings = all->find(optimizer);
    if (settings == all->end() || !settings->is_object()) continue;
    for (const auto& [key, value] : settings->items()) {
      // Which strategies ran is matched benchmark by benchmark, not here.
      if (key == "enabled" || key == "strategies") continue;
      add("optimizers." + optimizer + "." + key, value);
    }
  }
  return out;
}

std::vector<Difference> identity_differences(
    const std::vector<std::pair<std::string, std::string>>& base,
    const std::vector<std::pair<std::string, std::string>>& next) {
  auto find = [](const auto& list, const std::string& name) -> const std::string* {
    for (const auto& [n, v] : list)
      if (n == name) return &v;
    return nullptr;
  };
  const bool both_hashed = find(base, "input sha256") && find(next, "input sha256");
  std::vector<std::string> names;
  for (const auto* list : {&base, &next})
    for (const auto& [n, v] : *list)
      if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  std::vector<Difference> out;
  for (const auto& name : names) {
    const auto* b = find(base, name);
    const auto* n = find(next, name);
    // A run written before inputs were hashed is matched by its description alone.
    if (name == "input sha256" && !both_hashed) continue;
    std::string bv = b ? *b : "(not recorded)";
    std::string nv = n ? *n : "(not recorded)";
    // The same file content read the same way matches wherever the file was: the description
    // starts with the path the user gave.
    if (name == "input" && both_hashed) {
      auto after_path = [](const std::string& d) {
        const auto colon = d.rfind(": ");
        return colon == std::string::npos ? d : d.substr(colon + 2);
      };
      bv = after_path(bv);
      nv = after_path(nv);
    }
    if (bv != nv) out.push_back({name, bv, nv});
  }
  return out;
}

Comparison compare_runs(const std::string& base_file, const std::string& new_file,
                        const std::optional<std::string>& base_run,
                        const std::optional<std::string>& new_run, const CompareOptions& options) {
  const std::string base_id = pick_run(base_file, base_run);
  const std::string new_id = pick_run(new_file, new_run);
  const auto base_times = times_of(io::read_repetitions(base_file, base_id));
  const auto new_times = times_of(io::read_repetitions(new_file, new_id));
  Comparison c = compare_times(base_times, new_times, options);
  if (c.in_both == 0) {
    throw InputError(base_file + " and " + new_file +
                     ": no benchmark in common (compare runs of the same optimizers, strategies "
                     "and image sizes)");
  }
  const auto base_attributes = io::read_run_attributes(base_file, base_id);
  const auto new_attributes = io::read_run_attributes(new_file, new_id);
  const auto optimizers = optimizers_in_both(base_times, new_times);
  c.differences = identity_differences(run_identity(base_attributes, optimizers),
                                       run_identity(new_attributes, optimizers));
  if (!c.differences.empty() && !options.allow_mismatch) {
    std::string list;
    for (const auto& d : c.differences)
      list += "\n  " + d.what + ": " + d.base + " (base) vs " + d.next + " (new)";
    throw InputError(base_file + " (run " + base_id + ") and " + new_file + " (run " + new_id +
                     ") measured different things, so their times do not compare:" + list +
                     "\n(--allow-mismatch compares them anyway and lists these differences)");
  }
  // What each run warned about itself (a loaded machine, a slowdown on purpose) bears on it.
  for (const auto& [side, attributes] :
       {std::pair{"base", &base_attributes}, std::pair{"new", &new_attributes}}) {
    if (const auto* w = find_attribute(*attributes, "warnings")) {
      // As stored: "; " separates the warnings and also occurs inside one.
      const std::string text = value_text(*w);
      if (!text.empty()) c.warnings.push_back(std::string(side) + " run: " + text);
    }
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
