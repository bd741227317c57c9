// The recommendation rules. Each looks for one pattern in measured figures and, when the data
// supports a change, says what to set and what the measurements predict. A rule that lacks its
// data stays silent: nothing is recommended on a guess.
#include "nsperf/core/recommend.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "nsperf/core/text.hpp"

namespace nsperf::core {
namespace {

std::string times(double factor) { return format_number(factor, 3) + "x"; }

std::string percent(double fraction) { return format_number(100 * fraction, 2) + "%"; }

// "433 ms", "1339 ms": at least three significant digits, never an exponent.
std::string milliseconds(double s) {
  const double ms = s * 1e3;
  // As many digits as the whole milliseconds have, at least three.
  const int digits = ms >= 1000 ? static_cast<int>(std::floor(std::log10(ms))) + 1 : 3;
  return format_number(ms, digits) + " ms";
}

std::string interval(const Interval& ci) {
  if (ci.level <= 0) return "";
  return " [" + format_number(ci.low, 3) + ", " + format_number(ci.high, 3) + "]";
}

std::string size_of(const SummaryRow& r) {
  return std::to_string(r.image.extent.width) + "x" + std::to_string(r.image.extent.height) + ":" +
         std::string(to_string(r.image.dtype));
}

const std::string* baseline_of(const RunEvidence& run, const std::string& optimizer) {
  for (const auto& [o, b] : run.baselines) {
    if (o == optimizer) return &b;
  }
  return nullptr;
}

// The newest run with summary rows of `optimizer` and `kernel`.
const RunEvidence* newest_with(std::span<const RunEvidence> runs, const std::string& optimizer,
                               const std::string& kernel) {
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    for (const auto& r : it->summary) {
      if (r.optimizer == optimizer && r.kernel == kernel) return &*it;
    }
  }
  return nullptr;
}

const SummaryRow* row_of(const RunEvidence& run, const std::string& optimizer,
                         const std::string& kernel, const std::string& strategy) {
  for (const auto& r : run.summary) {
    if (r.optimizer == optimizer && r.kernel == kernel && r.strategy == strategy) return &r;
  }
  return nullptr;
}

// The fastest strategy whose output passed its check and whose gain over the baseline is
// significant (the interval's lower end above `min_speedup`).
const SummaryRow* best_of(const RunEvidence& run, const std::string& optimizer,
                          const std::string& kernel, const std::string& baseline,
                          double min_speedup) {
  const SummaryRow* best = nullptr;
  for (const auto& r : run.summary) {
    if (r.optimizer != optimizer || r.kernel != kernel || r.strategy == baseline) continue;
    if (r.check != CheckStatus::passed || r.speedup_ci.low <= min_speedup) continue;
    if (best == nullptr || r.speedup > best->speedup) best = &r;
  }
  return best;
}

std::string versus(const SummaryRow& best, const std::string& baseline, const RunEvidence& run) {
  return best.strategy + " vs " + baseline + " on " + best.kernel + " " + size_of(best) + ", " +
         std::to_string(best.seconds.count) + " repetitions: " + times(best.speedup) +
         interval(best.speedup_ci) + " (" + run.source + ")";
}

// Selects `value` of `optimizer` for the benchmark, beside the baseline it was measured against.
std::string measured_list(const std::string& baseline, const std::string& best) {
  return baseline + "," + best;
}

void cpu_bandwidth(std::span<const RunEvidence> runs, const RecommendRules& rules,
                   std::vector<Recommendation>& out) {
  const RunEvidence* run = newest_with(runs, "cpu", "pipeline");
  if (run == nullptr) return;
  const std::string* baseline = baseline_of(*run, "cpu");
  if (baseline == nullptr) return;
  const SummaryRow* base = row_of(*run, "cpu", "pipeline", *baseline);
  if (base == nullptr || base->bandwidth_fraction <= 0 ||
      base->bandwidth_fraction >= rules.bandwidth_fraction)
    return;
  const SummaryRow* best = best_of(*run, "cpu", "pipeline", *baseline, rules.min_speedup);
  if (best == nullptr) return;
  // Nothing to change when the configured strategy is as fast as the best, within their
  // intervals.
  if (const SummaryRow* current = row_of(*run, "cpu", "pipeline", run->run_strategy);
      current != nullptr && current->speedup_ci.high >= best->speedup_ci.low) {
    return;
  }
  Recommendation r;
  r.rule = "cpu-bandwidth";
  r.optimizer = "cpu";
  r.finding = "the " + *baseline + " pipeline reaches " + percent(base->bandwidth_fraction) +
              " of the measured memory-bandwidth ceiling (" + format_number(base->gbyte_per_s, 3) +
              " GB/s): it is bound by instructions, " + "not by memory";
  r.action = "compute the pipeline with the " + best->strategy + " strategy (" +
             percent(best->bandwidth_fraction) + " of the ceiling)";
  r.key = "run.strategy";
  r.value = best->strategy;
  r.run_key = true;
  r.expected_speedup = best->speedup;
  r.expected_ci = best->speedup_ci;
  r.evidence = versus(*best, *baseline, *run);
  out.push_back(std::move(r));
}

void threads(std::span<const RunEvidence> runs, std::vector<Recommendation>& out) {
  if (runs.empty()) return;
  const RunEvidence& run = runs.back();
  const std::int64_t used = static_cast<std::int64_t>(run.ranks_on_node) * run.threads_per_rank;
  if (run.ranks_on_node <= 0 || run.threads_per_rank <= 0 || run.node_cores <= used) return;
  const std::int64_t per_rank = run.node_cores / run.ranks_on_node;
  if (per_rank <= run.threads_per_rank) return;
  Recommendation r;
  r.rule = "idle-cores";
  r.optimizer = "cpu";
  r.finding = std::to_string(run.ranks_on_node) + " rank(s) x " +
              std::to_string(run.threads_per_rank) + " thread(s) use " + std::to_string(used) +
              " of the node's " + std::to_string(run.node_cores) + " cores (" + run.source + ")";
  r.action = "run " + std::to_string(per_rank) +
             " OpenMP threads per rank, with each rank given that many cores (mpirun "
             "--map-by slot:PE=" +
             std::to_string(per_rank) +
             ", or --bind-to none; srun --cpus-per-task=" + std::to_string(per_rank) + ")";
  r.key = "optimizers.cpu.threads";
  r.value = std::to_string(per_rank);
  r.run_key = true;
  r.evidence = "not measured at " + std::to_string(per_rank) +
               " threads here: the threaded strategies (openmp, blocked, fused) gain up to " +
               std::to_string(per_rank) + "x on compute-bound stages";
  out.push_back(std::move(r));
}

void memory_storage(std::span<const RunEvidence> runs, const RecommendRules& rules,
                    std::vector<Recommendation>& out) {
  const RunEvidence* run = newest_with(runs, "memory", "pipeline");
  if (run == nullptr) return;
  const std::string* baseline = baseline_of(*run, "memory");
  if (baseline == nullptr) return;
  const SummaryRow* base = row_of(*run, "memory", "pipeline", *baseline);
  if (base == nullptr || base->held_bytes <= 0) return;
  // The smallest footprint among the strategies that pass and are not slower than the baseline.
  const SummaryRow* best = nullptr;
  for (const auto& r : run->summary) {
    if (r.optimizer != "memory" || r.kernel != "pipeline" || r.strategy == *baseline) continue;
    if (r.check != CheckStatus::passed || r.held_bytes <= 0) continue;
    if (r.speedup_ci.level > 0 && r.speedup_ci.high < 1.0) continue;  // significantly slower
    if (best == nullptr || r.held_bytes < best->held_bytes) best = &r;
  }
  if (best == nullptr) return;
  const double saved =
      1.0 - static_cast<double>(best->held_bytes) / static_cast<double>(base->held_bytes);
  if (saved < rules.memory_saving) return;
  Recommendation r;
  r.rule = "memory-storage";
  r.optimizer = "memory";
  r.finding = *baseline + " buffers hold " + format_bytes(static_cast<double>(base->held_bytes)) +
              " at their peak; " + best->strategy + " holds " +
              format_bytes(static_cast<double>(best->held_bytes)) + " (" + percent(saved) +
              " less)";
  r.action = "store the planes as " + best->strategy + " does (nsperf run computes in float32)";
  r.key = "optimizers.memory.strategies";
  r.value = measured_list(*baseline, best->strategy);
  r.expected_speedup = best->speedup;
  r.expected_ci = best->speedup_ci;
  r.evidence = versus(*best, *baseline, *run) + "; memory " + percent(saved) + " less";
  out.push_back(std::move(r));
}

// Per rank, the time spent computing the pipeline's stages (every region named after a stage).
std::vector<double> stage_time_per_rank(const RunEvidence& run) {
  std::vector<double> busy(static_cast<std::size_t>(std::max(run.ranks, 0)), 0.0);
  for (const auto& rr : run.rank_regions) {
    const auto& name = rr.region.name;
    if (rr.region.kind != RegionKind::code ||
        (name != "stage_a" && name != "histogram" && name != "stage_b"))
      continue;
    if (rr.rank >= 0 && static_cast<std::size_t>(rr.rank) < busy.size())
      busy[static_cast<std::size_t>(rr.rank)] += rr.region.exclusive_s;
  }
  return busy;
}

void imbalance(std::span<const RunEvidence> runs, const RecommendRules& rules,
               std::vector<Recommendation>& out) {
  // Measured imbalance: the distributed optimizer's baseline, or the profiled stages' time per
  // rank of the newest profiled run.
  const RunEvidence* dist = newest_with(runs, "distributed", "pipeline");
  const std::string* baseline = dist != nullptr ? baseline_of(*dist, "distributed") : nullptr;
  const SummaryRow* base =
      baseline != nullptr ? row_of(*dist, "distributed", "pipeline", *baseline) : nullptr;
  std::string finding;
  if (base != nullptr && base->imbalance > rules.imbalance) {
    finding = "with " + *baseline + " partitioning the busiest rank computes " +
              times(base->imbalance) + " the mean (max/mean busy time, " + dist->source + ")";
  } else {
    for (auto it = runs.rbegin(); it != runs.rend() && finding.empty(); ++it) {
      const auto busy = stage_time_per_rank(*it);
      if (busy.size() < 2) continue;
      double sum = 0;
      for (double b : busy) sum += b;
      if (sum <= 0) continue;
      const auto most = std::max_element(busy.begin(), busy.end());
      const double ratio = *most / (sum / static_cast<double>(busy.size()));
      if (ratio > rules.imbalance) {
        finding = "the pipeline's stages keep rank " + std::to_string(most - busy.begin()) +
                  " busy " + times(ratio) + " as long as the mean rank (profiled regions, " +
                  it->source + ")";
      }
    }
  }
  if (finding.empty()) return;
  Recommendation r;
  r.rule = "imbalance";
  r.optimizer = "distributed";
  r.finding = finding + ": tile costs differ across the image";
  const SummaryRow* best =
      baseline != nullptr ? best_of(*dist, "distributed", "pipeline", *baseline, rules.min_speedup)
                          : nullptr;
  if (best != nullptr) {
    r.action = "share the tiles out with the " + best->strategy + " partitioner (imbalance " +
               format_number(best->imbalance, 3) + ")";
    r.key = "optimizers.distributed.strategies";
    r.value = measured_list(*baseline, best->strategy);
    r.expected_speedup = best->speedup;
    r.expected_ci = best->speedup_ci;
    r.evidence = versus(*best, *baseline, *dist);
  } else {
    r.action = "share the tiles out dynamically (self-scheduling) instead of in fixed blocks";
    r.key = "optimizers.distributed.strategies";
    r.value = "static-block,dynamic";
    r.evidence =
        "no partitioner measured on this workload yet: run nsperf benchmark "
        "--distributed on the same image to predict the gain";
  }
  out.push_back(std::move(r));
}

void network(std::span<const RunEvidence> runs, const RecommendRules& rules,
             std::vector<Recommendation>& out) {
  for (const char* kernel : {"transfer+compute", "transfer"}) {
    const RunEvidence* run = newest_with(runs, "network", kernel);
    if (run == nullptr) continue;
    const std::string* baseline = baseline_of(*run, "network");
    if (baseline == nullptr) continue;
    const SummaryRow* best = nullptr;
    for (const char* name : {"compressed", "adaptive"}) {
      const SummaryRow* r = row_of(*run, "network", kernel, name);
      if (r == nullptr || r->check != CheckStatus::passed || r->wire_bytes <= 0) continue;
      const double ratio = static_cast<double>(r->bytes) / static_cast<double>(r->wire_bytes);
      if (ratio < rules.compressible || r->speedup_ci.low <= rules.min_speedup) continue;
      if (best == nullptr || r->speedup > best->speedup) best = r;
    }
    if (best == nullptr) continue;
    const double ratio = static_cast<double>(best->bytes) / static_cast<double>(best->wire_bytes);
    // How much of the ranks' time MPI takes, where a profile says.
    std::string share;
    for (auto it = runs.rbegin(); it != runs.rend() && share.empty(); ++it) {
      double mpi = 0;
      double total = 0;
      for (const auto& t : it->rank_times) {
        mpi += t.mpi_s;
        total += t.total_s;
      }
      if (total > 0 && mpi / total >= rules.mpi_share)
        share = "; the ranks spend " + percent(mpi / total) + " of their time in MPI (" +
                it->source + ")";
    }
    Recommendation r;
    r.rule = "compress-transfers";
    r.optimizer = "network";
    r.finding =
        "tiles compress " + times(ratio) + " and the link is slow enough for it to pay" + share;
    r.action = "send tiles with the " + best->strategy + " transfer";
    r.key = "optimizers.network.strategies";
    r.value = measured_list(*baseline, best->strategy);
    r.expected_speedup = best->speedup;
    r.expected_ci = best->speedup_ci;
    r.evidence = versus(*best, *baseline, *run);
    out.push_back(std::move(r));
    return;
  }
}

void io_writes(std::span<const RunEvidence> runs, const RecommendRules& rules,
               std::vector<Recommendation>& out) {
  const RunEvidence* run = newest_with(runs, "io", "write");
  if (run == nullptr) return;
  const std::string* baseline = baseline_of(*run, "io");
  if (baseline == nullptr) return;
  const SummaryRow* base = row_of(*run, "io", "write", *baseline);
  const SummaryRow* best = best_of(*run, "io", "write", *baseline, rules.min_speedup);
  if (base == nullptr || best == nullptr) return;
  Recommendation r;
  r.rule = "small-writes";
  r.optimizer = "io";
  r.finding = *baseline + " writes (a system call per tile row) take " +
              milliseconds(base->seconds.median) + " for " +
              format_bytes(static_cast<double>(base->bytes)) + ", fsync included";
  r.action = "aggregate the writes as " + best->strategy + " does";
  r.key = "optimizers.io.strategies";
  r.value = measured_list(*baseline, best->strategy);
  r.expected_speedup = best->speedup;
  r.expected_ci = best->speedup_ci;
  r.evidence = versus(*best, *baseline, *run);
  out.push_back(std::move(r));
}

void database(std::span<const RunEvidence> runs, const RecommendRules& rules,
              std::vector<Recommendation>& out) {
  if (const RunEvidence* run = newest_with(runs, "database", "insert")) {
    const std::string* baseline = baseline_of(*run, "database");
    const SummaryRow* best = baseline != nullptr
                                 ? best_of(*run, "database", "insert", *baseline, rules.min_speedup)
                                 : nullptr;
    if (best != nullptr) {
      Recommendation r;
      r.rule = "catalog-inserts";
      r.optimizer = "database";
      r.finding = "a connection and a journal sync per catalog row (" + *baseline + ")";
      r.action = "insert the catalog's rows as " + best->strategy + " does (transactions of " +
                 "many rows; nsperf run --catalog does)";
      r.key = "optimizers.database.strategies";
      r.value = measured_list(*baseline, best->strategy);
      r.expected_speedup = best->speedup;
      r.expected_ci = best->speedup_ci;
      r.evidence = versus(*best, *baseline, *run);
      out.push_back(std::move(r));
    }
  }
  if (const RunEvidence* run = newest_with(runs, "database", "query")) {
    const SummaryRow* plain = row_of(*run, "database", "query", "no-index");
    const SummaryRow* indexed = row_of(*run, "database", "query", "indexed");
    if (plain != nullptr && indexed != nullptr && indexed->seconds.median > 0 &&
        indexed->check == CheckStatus::passed && indexed->seconds.ci.high < plain->seconds.ci.low) {
      const double gain = plain->seconds.median / indexed->seconds.median;
      Recommendation r;
      r.rule = "catalog-indexes";
      r.optimizer = "database";
      r.finding = "catalog queries scan the tiles table without an index (" +
                  milliseconds(plain->seconds.median) + ")";
      r.action = "index the queried columns (nsperf run --catalog creates them)";
      r.key = "optimizers.database.strategies";
      r.value = "no-index,indexed";
      r.expected_speedup = gain;
      r.evidence =
          "indexed vs no-index medians, intervals apart: " + times(gain) + " (" + run->source + ")";
      out.push_back(std::move(r));
    }
  }
}

// The slowest rank's time in top-level region `name` of a profiled run, and its whole time.
std::pair<double, double> region_share(const RunEvidence& run, std::string_view name) {
  double region = 0;
  for (const auto& s : run.regions)
    if (s.depth == 0 && s.name == name) region = s.inclusive_max_s;
  double total = 0;
  for (const auto& t : run.rank_times) total = std::max(total, t.total_s);
  return {region, total};
}

// nsperf run's output write, from its own profile: deflate is the slow filter of the two it
// offers. The gain is predicted from the io optimizer's chunked writes (deflate against zstd)
// when a benchmark measured them, by Amdahl's law over the write's share.
void output_compression(std::span<const RunEvidence> runs, const RecommendRules& rules,
                        std::vector<Recommendation>& out) {
  const RunEvidence* run = nullptr;
  for (auto it = runs.rbegin(); it != runs.rend() && run == nullptr; ++it)
    if (it->production && !it->regions.empty()) run = &*it;
  if (run == nullptr || run->run_compression != "deflate") return;
  const auto [write_s, total_s] = region_share(*run, "output-write");
  if (total_s <= 0 || write_s / total_s < rules.write_share) return;
  const double share = write_s / total_s;
  Recommendation r;
  r.rule = "output-compression";
  r.optimizer = "io";
  r.finding = "writing the output took " + format_number(write_s, 3) + " s of the job's " +
              format_number(total_s, 3) + " s (" + percent(share) + "), compressed with deflate (" +
              run->source + ")";
  r.action =
      "compress the output with zstd (HDF5 filter 32015; readers need the plugin, "
      "docs/hdf5-zstd.md), or without compression if the file size does not matter";
  r.key = "run.compression";
  r.value = "zstd";
  r.run_key = true;
  if (const RunEvidence* io = newest_with(runs, "io", "write")) {
    const SummaryRow* deflate = row_of(*io, "io", "write", "hdf5-chunked-deflate");
    const SummaryRow* zstd = row_of(*io, "io", "write", "hdf5-chunked-zstd");
    if (deflate != nullptr && zstd != nullptr && zstd->seconds.median > 0 &&
        zstd->check == CheckStatus::passed) {
      const double faster = deflate->seconds.median / zstd->seconds.median;
      r.expected_speedup = 1.0 / ((1.0 - share) + share / faster);
      r.evidence = "the write " + times(faster) +
                   " faster (io optimizer, chunked HDF5 writes: " + "deflate " +
                   milliseconds(deflate->seconds.median) + ", zstd " +
                   milliseconds(zstd->seconds.median) + ", " + io->source + ") over its " +
                   percent(share) + " of the job";
    }
  }
  if (r.evidence.empty()) {
    r.evidence =
        "not measured here: nsperf benchmark --io measures deflate against zstd "
        "(hdf5-chunked-deflate, hdf5-chunked-zstd) on this machine";
  }
  out.push_back(std::move(r));
}

}  // namespace

std::vector<Recommendation> recommend(std::span<const RunEvidence> runs,
                                      const RecommendRules& rules) {
  std::vector<Recommendation> out;
  imbalance(runs, rules, out);
  network(runs, rules, out);
  cpu_bandwidth(runs, rules, out);
  memory_storage(runs, rules, out);
  io_writes(runs, rules, out);
  database(runs, rules, out);
  output_compression(runs, rules, out);
  threads(runs, out);
  std::stable_sort(out.begin(), out.end(), [](const Recommendation& a, const Recommendation& b) {
    return a.expected_speedup > b.expected_speedup;
  });
  return out;
}

}  // namespace nsperf::core
