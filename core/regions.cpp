#include "nsperf/core/regions.hpp"

#include <algorithm>
#include <limits>
#include <map>

namespace nsperf::core {

namespace {

// The regions of every rank merged into one tree, depth first, siblings in the order first
// seen: each rank's records are depth first, but a path only some ranks entered (a receive on
// the non-root ranks) appears after the first rank's whole tree.
std::vector<RegionStats> tree_order(std::vector<RegionStats> flat) {
  std::map<std::string, std::vector<std::size_t>> children;  // parent path -> indices
  std::map<std::string, bool> known;
  for (const auto& s : flat) known[s.path] = true;
  std::vector<std::size_t> roots;
  for (std::size_t i = 0; i < flat.size(); ++i) {
    const auto slash = flat[i].path.rfind('/');
    // A node whose parent is missing (a path cut at its stored length) stays at the top.
    if (slash == std::string::npos || !known.count(flat[i].path.substr(0, slash)))
      roots.push_back(i);
    else
      children[flat[i].path.substr(0, slash)].push_back(i);
  }
  std::vector<RegionStats> out;
  std::vector<std::size_t> todo(roots.rbegin(), roots.rend());
  while (!todo.empty()) {
    const std::size_t i = todo.back();
    todo.pop_back();
    const auto it = children.find(flat[i].path);
    if (it != children.end()) todo.insert(todo.end(), it->second.rbegin(), it->second.rend());
    out.push_back(std::move(flat[i]));
  }
  return out;
}

}  // namespace

std::vector<RegionStats> region_stats(std::span<const RankRegion> regions, int ranks) {
  struct PerRank {
    double inclusive = 0;
    double exclusive = 0;
    bool entered = false;
  };
  std::vector<RegionStats> out;
  std::vector<std::vector<PerRank>> values;
  std::map<std::string, std::size_t> index;
  const auto n = static_cast<std::size_t>(std::max(ranks, 1));
  for (const auto& rr : regions) {
    const auto& r = rr.region;
    auto [it, added] = index.try_emplace(r.path, out.size());
    if (added) {
      RegionStats s;
      s.path = r.path;
      s.name = r.name;
      s.depth = r.depth;
      s.kind = r.kind;
      out.push_back(s);
      values.emplace_back(n);
    }
    if (rr.rank < 0 || static_cast<std::size_t>(rr.rank) >= n) continue;
    auto& v = values[it->second][static_cast<std::size_t>(rr.rank)];
    v.inclusive += r.inclusive_s;
    v.exclusive += r.exclusive_s;
    v.entered = v.entered || r.calls > 0;
    out[it->second].calls += r.calls;
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto& s = out[i];
    s.inclusive_min_s = s.exclusive_min_s = std::numeric_limits<double>::infinity();
    double inclusive_sum = 0;
    double exclusive_sum = 0;
    for (std::size_t r = 0; r < n; ++r) {
      const auto& v = values[i][r];
      s.ranks_entered += v.entered ? 1 : 0;
      s.inclusive_min_s = std::min(s.inclusive_min_s, v.inclusive);
      s.inclusive_max_s = std::max(s.inclusive_max_s, v.inclusive);
      s.exclusive_min_s = std::min(s.exclusive_min_s, v.exclusive);
      if (v.exclusive > s.exclusive_max_s) {
        s.exclusive_max_s = v.exclusive;
        s.slowest_rank = static_cast<int>(r);
      }
      inclusive_sum += v.inclusive;
      exclusive_sum += v.exclusive;
    }
    s.inclusive_mean_s = inclusive_sum / static_cast<double>(n);
    s.exclusive_mean_s = exclusive_sum / static_cast<double>(n);
    s.imbalance = s.inclusive_mean_s > 0 ? s.inclusive_max_s / s.inclusive_mean_s : 1.0;
  }
  return tree_order(std::move(out));
}

bool is_probe(const RegionStats& s) {
  const std::string top = s.path.substr(0, s.path.find('/'));
  return top == "bandwidth" || top == "clock";
}

std::vector<RegionStats> hotspots(std::span<const RegionStats> stats, std::size_t count) {
  std::vector<RegionStats> out;
  for (const auto& s : stats) {
    if (s.exclusive_max_s > 0 && !is_probe(s)) out.push_back(s);
  }
  std::stable_sort(out.begin(), out.end(), [](const RegionStats& a, const RegionStats& b) {
    return a.exclusive_max_s > b.exclusive_max_s;
  });
  if (out.size() > count) out.resize(count);
  return out;
}

std::vector<RankTime> rank_times(std::span<const RankRegion> regions, int ranks) {
  std::vector<RankTime> out(static_cast<std::size_t>(std::max(ranks, 0)));
  for (std::size_t r = 0; r < out.size(); ++r) out[r].rank = static_cast<int>(r);
  for (const auto& rr : regions) {
    if (rr.rank < 0 || rr.rank >= ranks) continue;
    auto& t = out[static_cast<std::size_t>(rr.rank)];
    if (rr.region.depth == 0) t.total_s += rr.region.inclusive_s;
    if (rr.region.kind == RegionKind::mpi) t.mpi_s += rr.region.exclusive_s;
  }
  return out;
}

}  // namespace nsperf::core
