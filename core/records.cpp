#include "nsperf/core/records.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace nsperf::core {

std::string_view to_string(CheckStatus s) noexcept {
  switch (s) {
    case CheckStatus::passed:
      return "passed";
    case CheckStatus::failed:
      return "failed";
    case CheckStatus::not_checked:
      return "not-checked";
  }
  return "?";
}

std::optional<CheckStatus> parse_check_status(std::string_view text) noexcept {
  for (auto s : {CheckStatus::passed, CheckStatus::failed, CheckStatus::not_checked})
    if (to_string(s) == text) return s;
  return std::nullopt;
}

std::vector<std::size_t> mad_outliers(std::span<const double> values, double k) {
  std::vector<std::size_t> out;
  if (values.empty()) return out;
  const double m = median(values);
  const double spread = 1.4826 * mad(values);
  if (spread <= 0) return out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::abs(values[i] - m) > k * spread) out.push_back(i);
  }
  return out;
}

namespace {

struct Round {
  double start = INFINITY;
  double end = -INFINITY;
  double slowest_seconds = 0;
  int slowest_rank = 0;
  std::int64_t pixels = 0;
  std::int64_t bytes = 0;
  std::int64_t held = -1;
  std::int64_t allocations = -1;
  std::int64_t queue = -1;
  std::int64_t wire = -1;
  std::vector<double> busy;  // of each rank, when measured
  double idle = -1;
  double transfer = -1;
  double io = -1;
  // Runs without timestamps (end not after start) fall back to the slowest rank's time.
  [[nodiscard]] double makespan() const { return end > start ? end - start : slowest_seconds; }
};

struct Group {
  SummaryRow row;
  std::map<int, Round> rounds;  // by repetition
  std::set<int> ranks;
  [[nodiscard]] bool same(const Sample& s) const {
    return row.optimizer == s.optimizer && row.strategy == s.strategy && row.kernel == s.kernel &&
           row.image == s.image;
  }
};

// max / mean of the ranks' busy times; -1 when not measured, 1 when no rank was busy.
double imbalance(const std::vector<double>& busy) {
  if (busy.empty()) return -1;
  double sum = 0;
  double most = 0;
  for (double b : busy) {
    sum += b;
    most = std::max(most, b);
  }
  return sum > 0 ? most / (sum / static_cast<double>(busy.size())) : 1.0;
}

std::vector<Group> group(std::span<const Sample> samples) {
  std::vector<Group> groups;
  for (const auto& s : samples) {
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return g.same(s); });
    if (it == groups.end()) {
      Group g;
      g.row.optimizer = s.optimizer;
      g.row.strategy = s.strategy;
      g.row.kernel = s.kernel;
      g.row.image = s.image;
      g.row.check = CheckStatus::passed;
      groups.push_back(std::move(g));
      it = groups.end() - 1;
    }
    Group& g = *it;
    Round& r = g.rounds[s.repetition];
    r.start = std::min(r.start, s.start_s);
    if (s.end_s >= r.end) {
      r.end = s.end_s;
      r.slowest_rank = s.rank;
    }
    r.slowest_seconds = std::max(r.slowest_seconds, s.seconds);
    r.pixels += s.pixels;
    r.bytes += s.bytes;
    // Measured counts add up over ranks; -1 (not measured) stays -1.
    auto add = [](std::int64_t& sum, std::int64_t v) {
      if (v >= 0) sum = (sum < 0 ? 0 : sum) + v;
    };
    add(r.held, s.held_bytes);
    add(r.allocations, s.allocations);
    add(r.queue, s.queue_bytes);
    add(r.wire, s.wire_bytes);
    if (s.busy_s >= 0) r.busy.push_back(s.busy_s);
    auto add_time = [](double& sum, double v) {
      if (v >= 0) sum = (sum < 0 ? 0 : sum) + v;
    };
    add_time(r.idle, s.idle_s);
    add_time(r.transfer, s.transfer_s);
    add_time(r.io, s.io_s);
    g.row.rss_increase_bytes = std::max(g.row.rss_increase_bytes, s.rss_increase_bytes);
    g.ranks.insert(s.rank);
    if (s.check != CheckStatus::passed) {
      g.row.check = g.row.check == CheckStatus::failed ? CheckStatus::failed : s.check;
    }
    g.row.max_abs_error = std::max(g.row.max_abs_error, s.max_abs_error);
    g.row.tolerance = std::max(g.row.tolerance, s.tolerance);
    g.row.differing = std::max(g.row.differing, s.differing);
  }
  return groups;
}

}  // namespace

const Baseline* baseline_of(std::span<const Baseline> baselines, std::string_view optimizer,
                            std::string_view kernel) {
  const Baseline* any_kernel = nullptr;
  for (const auto& b : baselines) {
    if (b.optimizer != optimizer) continue;
    if (b.kernel == kernel) return &b;
    if (b.kernel.empty()) any_kernel = &b;
  }
  return any_kernel;
}

Summaries summarize_samples(std::span<const Sample> samples, std::span<const Baseline> baselines,
                            double bandwidth_gbyte_per_s) {
  std::vector<Group> groups = group(samples);
  for (auto& g : groups) {
    std::vector<double> spans;
    for (const auto& [rep, r] : g.rounds) {
      spans.push_back(r.makespan());
      // Every repetition does the same work; the largest guards against a missing sample.
      g.row.pixels = std::max(g.row.pixels, r.pixels);
      g.row.bytes = std::max(g.row.bytes, r.bytes);
      g.row.held_bytes = std::max(g.row.held_bytes, r.held);
      g.row.allocations = std::max(g.row.allocations, r.allocations);
      g.row.queue_bytes = std::max(g.row.queue_bytes, r.queue);
      g.row.wire_bytes = std::max(g.row.wire_bytes, r.wire);
    }
    g.row.seconds = summarize(spans);
    // Medians over the repetitions of the ranks' summed times, where measured.
    auto median_of = [&](auto get) {
      std::vector<double> v;
      for (const auto& [rep, r] : g.rounds) {
        if (const double x = get(r); x >= 0) v.push_back(x);
      }
      return v.empty() ? -1.0 : median(v);
    };
    g.row.busy_s = median_of([](const Round& r) {
      double sum = r.busy.empty() ? -1.0 : 0.0;
      for (double b : r.busy) sum += b;
      return sum;
    });
    g.row.idle_s = median_of([](const Round& r) { return r.idle; });
    g.row.transfer_s = median_of([](const Round& r) { return r.transfer; });
    g.row.io_s = median_of([](const Round& r) { return r.io; });
    g.row.ranks = static_cast<int>(g.ranks.size());
    const double m = g.row.seconds.median;
    g.row.mpixel_per_s = m > 0 ? static_cast<double>(g.row.pixels) / m / 1e6 : 0;
    g.row.gbyte_per_s = m > 0 ? static_cast<double>(g.row.bytes) / m / 1e9 : 0;
    // A fraction of the memory bandwidth means nothing for files, databases and transfers.
    const bool in_memory =
        g.row.optimizer != "io" && g.row.optimizer != "database" && g.row.optimizer != "network";
    g.row.bandwidth_fraction =
        bandwidth_gbyte_per_s > 0 && in_memory ? g.row.gbyte_per_s / bandwidth_gbyte_per_s : 0;
  }

  Summaries out;
  for (auto& g : groups) {
    const Group* base = nullptr;
    if (const auto* baseline = baseline_of(baselines, g.row.optimizer, g.row.kernel)) {
      for (const auto& b : groups) {
        if (b.row.optimizer == g.row.optimizer && b.row.strategy == baseline->strategy &&
            b.row.kernel == g.row.kernel && b.row.image == g.row.image) {
          base = &b;
        }
      }
    }
    std::vector<double> spans;
    for (const auto& [rep, r] : g.rounds) spans.push_back(r.makespan());
    const auto flagged = mad_outliers(spans);
    g.row.outliers = static_cast<int>(flagged.size());
    std::vector<double> ratios;
    std::vector<double> imbalances;
    std::size_t i = 0;
    for (const auto& [rep, r] : g.rounds) {
      Repetition row{g.row.optimizer, g.row.strategy, g.row.kernel, g.row.image,   rep,
                     r.makespan(),    r.start,        r.end,        r.slowest_rank};
      row.outlier = std::find(flagged.begin(), flagged.end(), i++) != flagged.end();
      row.imbalance = imbalance(r.busy);
      if (row.imbalance >= 0) imbalances.push_back(row.imbalance);
      if (base != nullptr) {
        // The baseline ran in the same round, interleaved: the pair shares the machine's state.
        const auto b = base->rounds.find(rep);
        if (b != base->rounds.end() && row.makespan_s > 0) {
          row.speedup = b->second.makespan() / row.makespan_s;
          ratios.push_back(row.speedup);
        }
      }
      out.repetitions.push_back(row);
    }
    if (!imbalances.empty()) g.row.imbalance = median(imbalances);
    if (!ratios.empty()) {
      g.row.speedup = median(ratios);
      g.row.speedup_ci = median_ci(ratios);
    }
    out.rows.push_back(g.row);
  }
  return out;
}

}  // namespace nsperf::core
