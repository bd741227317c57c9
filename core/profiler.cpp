#include "nsperf/core/profiler.hpp"

#include <algorithm>
#include <cstring>

namespace nsperf::core {

const char* to_string(RegionKind kind) noexcept { return kind == RegionKind::mpi ? "mpi" : "code"; }

RegionTree::RegionTree() { nodes_.push_back({nullptr, "", RegionKind::code, -1, 0, 0, {}}); }

int RegionTree::child_of(int parent, const char* name, RegionKind kind, bool stable) {
  // A literal at one call site always passes the same address, so the string comparison runs
  // only on a node's first use from that site and for names built at run time.
  const auto& siblings = nodes_[static_cast<std::size_t>(parent)].children;
  if (stable) {
    for (int c : siblings) {
      const auto& n = nodes_[static_cast<std::size_t>(c)];
      if (n.key == name && n.kind == kind) return c;
    }
  }
  for (int c : siblings) {
    auto& n = nodes_[static_cast<std::size_t>(c)];
    if (n.kind == kind && n.name == name) {
      if (stable) n.key = name;
      return c;
    }
  }
  const int id = static_cast<int>(nodes_.size());
  nodes_.push_back({stable ? name : nullptr, name, kind, parent, 0, 0, {}});
  nodes_[static_cast<std::size_t>(parent)].children.push_back(id);
  return id;
}

void RegionTree::push(int node) { stack_.push_back({node, Clock::now()}); }

void RegionTree::enter(const char* name, RegionKind kind) {
  push(child_of(stack_.empty() ? 0 : stack_.back().node, name, kind, /*stable=*/true));
}

void RegionTree::enter(const std::string& name, RegionKind kind) {
  push(child_of(stack_.empty() ? 0 : stack_.back().node, name.c_str(), kind, /*stable=*/false));
}

void RegionTree::leave() noexcept {
  if (stack_.empty()) return;
  const auto end = Clock::now();
  const Open open = stack_.back();
  stack_.pop_back();
  auto& n = nodes_[static_cast<std::size_t>(open.node)];
  ++n.calls;
  n.inclusive_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(end - open.start).count();
}

std::vector<RegionRecord> RegionTree::records() const {
  // Open regions count up to now: a tree read in the middle of a run is still consistent.
  std::vector<std::int64_t> inclusive(nodes_.size());
  std::vector<std::int64_t> calls(nodes_.size());
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    inclusive[i] = nodes_[i].inclusive_ns;
    calls[i] = nodes_[i].calls;
  }
  const auto now = Clock::now();
  for (const auto& open : stack_) {
    const auto i = static_cast<std::size_t>(open.node);
    inclusive[i] += std::chrono::duration_cast<std::chrono::nanoseconds>(now - open.start).count();
    ++calls[i];  // the call in progress
  }
  std::vector<RegionRecord> out;
  struct Item {
    int node;
    std::string path;
    int depth;
  };
  std::vector<Item> todo;
  const auto& top = nodes_[0].children;
  for (auto it = top.rbegin(); it != top.rend(); ++it) todo.push_back({*it, "", 0});
  while (!todo.empty()) {
    Item item = std::move(todo.back());
    todo.pop_back();
    const auto& n = nodes_[static_cast<std::size_t>(item.node)];
    RegionRecord r;
    r.name = n.name;
    r.path = item.path.empty() ? n.name : item.path + "/" + n.name;
    r.depth = item.depth;
    r.kind = n.kind;
    r.calls = calls[static_cast<std::size_t>(item.node)];
    std::int64_t children_ns = 0;
    for (int c : n.children) children_ns += inclusive[static_cast<std::size_t>(c)];
    const std::int64_t own = inclusive[static_cast<std::size_t>(item.node)];
    r.inclusive_s = static_cast<double>(own) * 1e-9;
    r.exclusive_s = static_cast<double>(own > children_ns ? own - children_ns : 0) * 1e-9;
    for (auto it = n.children.rbegin(); it != n.children.rend(); ++it)
      todo.push_back({*it, r.path, item.depth + 1});
    out.push_back(std::move(r));
  }
  return out;
}

std::int64_t RegionTree::total_calls() const noexcept {
  std::int64_t calls = 0;
  for (const auto& n : nodes_) calls += n.calls;
  return calls;
}

void RegionTree::clear() {
  // Keep the open chain (with fresh counters), drop everything else.
  std::vector<Node> kept;
  kept.push_back({nullptr, "", RegionKind::code, -1, 0, 0, {}});
  const auto now = Clock::now();
  for (auto& open : stack_) {
    const auto& old = nodes_[static_cast<std::size_t>(open.node)];
    const int id = static_cast<int>(kept.size());
    kept.push_back({old.key, old.name, old.kind, id - 1, 0, 0, {}});
    kept[static_cast<std::size_t>(id - 1)].children.push_back(id);
    open.node = id;
    open.start = now;
  }
  nodes_ = std::move(kept);
}

RegionTree& thread_regions() noexcept {
  thread_local RegionTree tree;
  return tree;
}

double region_overhead_s(int iterations) {
  RegionTree scratch;
  static const char* const kName = "empty";
  // Warm up: the node exists and the stack has its capacity before the clock starts.
  scratch.enter(kName);
  scratch.leave();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) {
    scratch.enter(kName);
    scratch.leave();
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  return std::chrono::duration<double>(elapsed).count() / std::max(1, iterations);
}

}  // namespace nsperf::core
