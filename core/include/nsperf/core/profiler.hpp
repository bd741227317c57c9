#pragma once
/// \file Region profiling: annotate code with a scope, and each thread builds a call tree of the
/// regions it entered, with calls and inclusive and exclusive time per node.
///
/// ```cpp
/// #include <nsperf/core/profiler.hpp>
/// void exchange_halos() {
///   NSPERF_REGION("halo_exchange");          // until the end of the scope
///   { NSPERF_MPI_REGION("MPI_Waitall"); MPI_Waitall(...); }   // counted as MPI time
/// }
/// ```
///
/// A region nests under the region that was open when it was entered, so the same name in two
/// places makes two nodes ("pipeline/stage_a" and "reference/stage_a"). Each thread has its own
/// tree; nsperf reports the tree of the thread that calls MPI (the main thread): regions opened
/// inside OpenMP parallel regions land in the worker threads' trees and are not reported, so
/// annotate around parallel loops, not inside them. Entering and leaving a region costs two
/// steady-clock reads and a search of the current node's children (about 50 ns here; `nsperf
/// profile` measures and prints it).

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace nsperf::core {

/// What a region's time is: the program's own work, or waiting in MPI (a rank's MPI time is
/// the exclusive time of its `mpi` regions).
enum class RegionKind : std::uint8_t { code = 0, mpi = 1 };

/// "code" or "mpi".
const char* to_string(RegionKind kind) noexcept;

/// One node of a thread's call tree, as recorded.
struct RegionRecord {
  std::string path;  ///< names from the top, '/'-separated, e.g. "benchmark/cpu/scalar/pipeline"
  std::string name;  ///< the last component of path
  int depth = 0;     ///< 0 for a region entered with no region open
  RegionKind kind = RegionKind::code;
  std::int64_t calls = 0;
  double inclusive_s = 0;  ///< wall time inside the region, its children included
  double exclusive_s = 0;  ///< inclusive time minus its children's inclusive time
};

/// One thread's call tree of regions. Not thread-safe: each thread has its own (thread_regions).
class RegionTree {
 public:
  RegionTree();
  /// Opens region `name` under the region open now. `name` must outlive the tree (a string
  /// literal): its address is remembered to find the node again without comparing strings.
  void enter(const char* name, RegionKind kind = RegionKind::code);
  /// As enter(), for a name built at run time (compared by value, copied into the tree).
  void enter(const std::string& name, RegionKind kind = RegionKind::code);
  /// Closes the region entered last. Ignored when none is open.
  void leave() noexcept;
  /// Every node entered so far, depth first, children in the order first entered. Regions still
  /// open count the time up to now, and their call in progress.
  [[nodiscard]] std::vector<RegionRecord> records() const;
  /// Regions currently open.
  [[nodiscard]] std::size_t open_regions() const noexcept { return stack_.size(); }
  /// Sum of every node's calls: how many times a region was entered.
  [[nodiscard]] std::int64_t total_calls() const noexcept;
  /// Forgets every closed region; regions still open stay open, with their time from now on.
  void clear();

 private:
  using Clock = std::chrono::steady_clock;
  struct Node {
    const char* key;  // a literal that entered it (or null): a fast first comparison
    std::string name;
    RegionKind kind;
    int parent;
    std::int64_t calls = 0;
    std::int64_t inclusive_ns = 0;
    std::vector<int> children;
  };
  struct Open {
    int node;
    Clock::time_point start;
  };
  int child_of(int parent, const char* name, RegionKind kind, bool stable);
  void push(int node);
  std::vector<Node> nodes_;  // nodes_[0] is the root, which is never reported
  std::vector<Open> stack_;
};

/// The calling thread's region tree.
RegionTree& thread_regions() noexcept;

/// Opens a region in the calling thread's tree for the lifetime of the object.
class ScopedRegion {
 public:
  explicit ScopedRegion(const char* name, RegionKind kind = RegionKind::code) {
    thread_regions().enter(name, kind);
  }
  explicit ScopedRegion(const std::string& name, RegionKind kind = RegionKind::code) {
    thread_regions().enter(name, kind);
  }
  ~ScopedRegion() { thread_regions().leave(); }
  ScopedRegion(const ScopedRegion&) = delete;
  ScopedRegion& operator=(const ScopedRegion&) = delete;
};

/// Seconds one empty region costs (enter and leave), measured over `iterations` in a scratch
/// tree on the calling thread: the profiler's overhead per region call.
double region_overhead_s(int iterations = 200000);

}  // namespace nsperf::core

#define NSPERF_REGION_CONCAT2(a, b) a##b
#define NSPERF_REGION_CONCAT(a, b) NSPERF_REGION_CONCAT2(a, b)
/// Times the rest of the enclosing scope as region `name` (a string literal or std::string).
#define NSPERF_REGION(name) \
  const ::nsperf::core::ScopedRegion NSPERF_REGION_CONCAT(nsperf_region_, __LINE__) { name }
/// Times the rest of the enclosing scope as region `name`, counted as MPI time.
#define NSPERF_MPI_REGION(name)                                                       \
  const ::nsperf::core::ScopedRegion NSPERF_REGION_CONCAT(nsperf_region_, __LINE__) { \
    name, ::nsperf::core::RegionKind::mpi                                             \
  }
