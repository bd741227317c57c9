#include "nsperf/core/records.hpp"

#include <algorithm>
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

std::vector<SummaryRow> summarize_samples(
    std::span<const Sample> samples,
    std::span<const std::pair<std::string, std::string>> baselines) {
  struct Group {
    SummaryRow row;
    std::map<int, double> makespan;  // repetition -> slowest rank's seconds
    std::map<int, std::pair<std::int64_t, std::int64_t>> work;  // repetition -> pixels, bytes
    std::set<int> ranks;
  };
  std::vector<Group> groups;
  auto find_group = [&](const Sample& s) -> Group& {
    for (auto& g : groups) {
      const auto& r = g.row;
      if (r.optimizer == s.optimizer && r.strategy == s.strategy && r.kernel == s.kernel &&
          r.image == s.image) {
        return g;
      }
    }
    Group g;
    g.row.optimizer = s.optimizer;
    g.row.strategy = s.strategy;
    g.row.kernel = s.kernel;
    g.row.image = s.image;
    g.row.check = CheckStatus::passed;
    groups.push_back(std::move(g));
    return groups.back();
  };

  for (const auto& s : samples) {
    Group& g = find_group(s);
    auto& span = g.makespan[s.repetition];
    span = std::max(span, s.seconds);
    g.ranks.insert(s.rank);
    g.work[s.repetition].first += s.pixels;
    g.work[s.repetition].second += s.bytes;
    if (s.check != CheckStatus::passed) {
      g.row.check = g.row.check == CheckStatus::failed ? CheckStatus::failed : s.check;
    }
    g.row.max_abs_error = std::max(g.row.max_abs_error, s.max_abs_error);
    g.row.tolerance = std::max(g.row.tolerance, s.tolerance);
  }

  std::vector<SummaryRow> rows;
  for (auto& g : groups) {
    std::vector<double> spans;
    for (const auto& [rep, seconds] : g.makespan) spans.push_back(seconds);
    g.row.seconds = summarize(spans);
    g.row.ranks = static_cast<int>(g.ranks.size());
    // Every repetition does the same work; the largest guards against a rank's missing sample.
    for (const auto& [rep, work] : g.work) {
      g.row.pixels = std::max(g.row.pixels, work.first);
      g.row.bytes = std::max(g.row.bytes, work.second);
    }
    const double m = g.row.seconds.median;
    g.row.mpixel_per_s = m > 0 ? static_cast<double>(g.row.pixels) / m / 1e6 : 0;
    g.row.gbyte_per_s = m > 0 ? static_cast<double>(g.row.bytes) / m / 1e9 : 0;
    rows.push_back(g.row);
  }
  for (auto& r : rows) {
    for (const auto& [optimizer, baseline] : baselines) {
      if (optimizer != r.optimizer) continue;
      for (const auto& b : rows) {
        if (b.optimizer == r.optimizer && b.strategy == baseline && b.kernel == r.kernel &&
            b.image == r.image && r.seconds.median > 0) {
          r.speedup = b.seconds.median / r.seconds.median;
        }
      }
    }
  }
  return rows;
}

}  // namespace nsperf::core
