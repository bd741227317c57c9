#include "nsperf/analysis/summary_table.hpp"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <sstream>
#include <vector>

#include "nsperf/core/text.hpp"

namespace nsperf::analysis {
namespace {

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

std::string scientific(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1e", v);
  return text;
}

// Three significant digits in the unit that keeps the number readable.
std::string in_unit(double s, double unit) {
  const double v = s / unit;
  return fixed(v, v >= 100 ? 0 : v >= 10 ? 1 : 2);
}

const char* unit_name(double s, double& unit) {
  if (s >= 1.0) {
    unit = 1.0;
    return "s";
  }
  if (s >= 1e-3) {
    unit = 1e-3;
    return "ms";
  }
  unit = 1e-6;
  return "us";
}

// "97.9%": a coverage as a percentage, three significant digits.
std::string coverage_text(double level) { return core::format_number(100 * level, 3) + "%"; }

// The coverage every interval of `levels` has, or a negative value when they differ.
double common_level(const std::vector<double>& levels) {
  if (levels.empty()) return -1;
  for (double l : levels)
    if (l != levels.front()) return -1;
  return levels.front();
}

std::string time_interval(const core::Interval& ci, bool with_level) {
  return format_interval(ci.low, ci.high) + (with_level ? " " + coverage_text(ci.level) : "");
}

std::string speedup_text(const core::SummaryRow& r, bool with_ci, bool with_level) {
  if (r.speedup <= 0) return "-";
  std::string text = fixed(r.speedup, 2) + "x";
  if (with_ci && r.speedup_ci.level > 0) {
    text += " [" + fixed(r.speedup_ci.low, 2) + ", " + fixed(r.speedup_ci.high, 2) + "]" +
            (with_level ? " " + coverage_text(r.speedup_ci.level) : "");
  }
  return text;
}

std::string mib(std::int64_t bytes) {
  return bytes < 0 ? "-" : fixed(static_cast<double>(bytes) / (1 << 20), 1);
}

using Rows = std::vector<const core::SummaryRow*>;

// The columns every table starts with: strategy, median and its interval, speedup and its
// interval. Their headers name the intervals' coverage when every row has the same; else each
// cell does.
struct TimeColumns {
  double level = -1;          // of the medians' intervals
  double speedup_level = -1;  // of the speedups'

  explicit TimeColumns(const Rows& rows) {
    std::vector<double> levels;
    std::vector<double> speedups;
    for (const auto* r : rows) {
      levels.push_back(r->seconds.ci.level);
      if (r->speedup > 0 && r->speedup_ci.level > 0) speedups.push_back(r->speedup_ci.level);
    }
    level = common_level(levels);
    speedup_level = common_level(speedups);
  }
  [[nodiscard]] std::vector<std::string> header(const std::string& speedup_over) const {
    return {"strategy", "median",
            (level > 0 ? coverage_text(level) + " " : std::string()) + "interval of median",
            "speedup" + speedup_over + " [" +
                (speedup_level > 0 ? coverage_text(speedup_level) + " " : std::string()) +
                "interval]"};
  }
  [[nodiscard]] std::vector<std::string> cells(const core::SummaryRow& r) const {
    return {r.strategy, format_seconds(r.seconds.median), time_interval(r.seconds.ci, level < 0),
            speedup_text(r, true, speedup_level < 0)};
  }
};

std::vector<std::string> tail_cells(const core::SummaryRow& r) {
  return {std::to_string(r.outliers), std::string(core::to_string(r.check))};
}

// Memory columns, for optimizers that measure memory.
void print_memory(std::ostream& out, const Rows& rows) {
  std::vector<std::vector<std::string>> table;
  table.push_back({"strategy", "peak added MiB", "of baseline", "buffers held MiB", "queue MiB",
                   "allocations"});
  const auto base = static_cast<double>(rows.front()->rss_increase_bytes);
  for (const auto* r : rows) {
    const bool ratio = base > 0 && r->rss_increase_bytes >= 0;
    table.push_back(
        {r->strategy, mib(r->rss_increase_bytes),
         ratio ? fixed(100.0 * static_cast<double>(r->rss_increase_bytes) / base, 0) + "%" : "-",
         mib(r->held_bytes), mib(r->queue_bytes),
         r->allocations < 0 ? "-" : std::to_string(r->allocations)});
  }
  print_table(out, table);
}

// Where the ranks' time went, for optimizers that split it.
void print_balance(std::ostream& out, const Rows& rows) {
  std::vector<std::vector<std::string>> table;
  table.push_back({"strategy", "makespan", "imbalance", "busy", "idle", "transfer", "I/O"});
  for (const auto* r : rows) {
    if (r->busy_s < 0) continue;
    const double ranks = std::max(1, r->ranks);
    auto per_rank = [&](double s) { return s < 0 ? std::string("-") : format_seconds(s / ranks); };
    table.push_back({r->strategy, format_seconds(r->seconds.median),
                     r->imbalance < 0 ? "-" : fixed(r->imbalance, 2), per_rank(r->busy_s),
                     per_rank(r->idle_s), per_rank(r->transfer_s), per_rank(r->io_s)});
  }
  print_table(out, table);
}

// The optimizers that compute in memory (cpu, memory, distributed): pixels per second and
// bytes per second against the measured triad ceiling.
// Without `bandwidth` (transfers overlapped with compute), pixels per second alone.
void print_compute(std::ostream& out, const Rows& rows, const std::string& over, bool bandwidth) {
  const TimeColumns time(rows);
  std::vector<std::vector<std::string>> table;
  table.push_back(time.header(over));
  table[0].push_back("Mpixel/s");
  if (bandwidth) {
    table[0].push_back("GB/s");
    table[0].push_back("of ceiling");
  }
  table[0].push_back("outliers");
  table[0].push_back("check");
  for (const auto* r : rows) {
    auto line = time.cells(*r);
    line.push_back(fixed(r->mpixel_per_s, 1));
    if (bandwidth) {
      const double f = 100 * r->bandwidth_fraction;
      line.push_back(fixed(r->gbyte_per_s, 2));
      line.push_back(f > 0 ? fixed(f, f < 10 ? 1 : 0) + "%" : "-");
    }
    for (auto& c : tail_cells(*r)) line.push_back(std::move(c));
    table.push_back(std::move(line));
  }
  print_table(out, table);
}

// The database: rows per second (pixels there are rows) or rows returned, and the file.
void print_database(std::ostream& out, const Rows& rows, const std::string& over) {
  const bool query = rows.front()->kernel == "query";
  const TimeColumns time(rows);
  std::vector<std::vector<std::string>> table;
  table.push_back(time.header(over));
  for (const auto& h : {query ? "rows returned" : "rows/s", "file MiB", "outliers", "check"})
    table[0].push_back(h);
  for (const auto* r : rows) {
    auto line = time.cells(*r);
    line.push_back(query ? std::to_string(r->pixels) : fixed(r->mpixel_per_s * 1e6, 0));
    line.push_back(mib(r->bytes));
    for (auto& c : tail_cells(*r)) line.push_back(std::move(c));
    table.push_back(std::move(line));
  }
  print_table(out, table);
}

// Tile transfers: bytes delivered per second, as fractions of the plain-MPI streaming
// references' measured in the same rounds (one buffer: the MPI library's figure, as osu_bw;
// the tiles: the same access pattern), and the bytes on the wire.
void print_network(std::ostream& out, const Rows& rows, const std::string& over) {
  const TimeColumns time(rows);
  std::vector<std::pair<std::string, const core::SummaryRow*>> of;
  for (const auto& [name, header] : {std::pair{"mpi-stream-1buf", "of MPI, 1 buffer"},
                                     std::pair{"mpi-stream", "of MPI, tiles"}}) {
    for (const auto* r : rows)
      if (r->strategy == name && r->gbyte_per_s > 0) of.emplace_back(header, r);
  }
  std::vector<std::vector<std::string>> table;
  table.push_back(time.header(over));
  table[0].push_back("effective GB/s");
  for (const auto& [header, r] : of) table[0].push_back(header);
  for (const auto& h : {"delivered MiB", "on the wire MiB", "outliers", "check"})
    table[0].push_back(h);
  for (const auto* r : rows) {
    auto line = time.cells(*r);
    // A ping-pong moves its bytes both ways: its time is not comparable with a transfer's.
    if (r->bytes != rows.front()->bytes) line[3] = "- (bytes both ways)";
    line.push_back(fixed(r->gbyte_per_s, 2));
    for (const auto& [header, mpi] : of)
      line.push_back(fixed(100 * r->gbyte_per_s / mpi->gbyte_per_s, 0) + "%");
    line.push_back(mib(r->bytes));
    line.push_back(r->wire_bytes > 0 ? mib(r->wire_bytes) : "-");
    for (auto& c : tail_cells(*r)) line.push_back(std::move(c));
    table.push_back(std::move(line));
  }
  print_table(out, table);
}

// Files: MiB/s of the data, as a fraction of plain POSIX file-per-process I/O measured in the
// same rounds, and the bytes on disk (wire bytes there).
void print_io(std::ostream& out, const Rows& rows, const std::string& over) {
  const TimeColumns time(rows);
  const core::SummaryRow* posix = nullptr;
  for (const auto* r : rows)
    if (r->strategy == "posix-fpp") posix = r;
  std::vector<std::vector<std::string>> table;
  table.push_back(time.header(over));
  table[0].push_back("MiB/s");
  if (posix) table[0].push_back("of POSIX");
  for (const auto& h : {"data MiB", "on disk MiB", "outliers", "check"}) table[0].push_back(h);
  for (const auto* r : rows) {
    auto line = time.cells(*r);
    const double mib_per_s = r->gbyte_per_s * 1e9 / (1 << 20);
    line.push_back(fixed(mib_per_s, mib_per_s >= 100 ? 0 : 1));
    if (posix) {
      line.push_back(
          posix->gbyte_per_s > 0 ? fixed(100 * r->gbyte_per_s / posix->gbyte_per_s, 0) + "%" : "-");
    }
    line.push_back(mib(r->bytes));
    line.push_back(r->wire_bytes > 0 ? mib(r->wire_bytes) : "-");
    for (auto& c : tail_cells(*r)) line.push_back(std::move(c));
    table.push_back(std::move(line));
  }
  print_table(out, table);
}

// What a table of `kernel` of `optimizer` is titled, and what its throughput columns mean.
std::string table_title(const std::string& optimizer, const std::string& kernel) {
  if (kernel == "pipeline")
    return "whole pipeline (time = earliest rank's start to latest rank's end, per repetition)";
  if (optimizer == "database" && kernel == "insert")
    return "inserts (rows/s = every rank's rows / median time; file = one rank's catalog)";
  if (optimizer == "database" && kernel == "query")
    return "queries (rows returned = every rank's answers; file = one rank's query catalog)";
  if (optimizer == "database" && kernel == "catalog")
    return "one catalog from every rank's rows (rows/s = every rank's rows / median time)";
  if (optimizer == "network" && kernel == "transfer")
    return "tile transfers (effective GB/s = delivered bytes / time from the earliest rank's "
           "start to the latest rank's end, a ping-pong's bytes counted both ways; of MPI = of "
           "the GB/s of plain MPI streaming the same messages in the same rounds, as osu_bw: "
           "from 1 reused buffer (the MPI library's figure) or from the distinct tiles (the "
           "same access pattern))";
  if (optimizer == "network")
    return kernel + " (the transfers overlapped with the pipeline's compute)";
  if (optimizer == "io" && kernel == "write")
    return "writes (MiB/s = every rank's bytes / median time, open to close with fsync; of POSIX "
           "= of posix-fpp's, one file per rank with write(), in the same rounds)";
  if (optimizer == "io" && kernel == "read")
    return "reads (cold: pages dropped first; MiB/s = every rank's bytes / median time; of POSIX "
           "= of posix-fpp's, one file per rank with read(), in the same rounds)";
  return kernel + " (time = earliest rank's start to latest rank's end, per repetition)";
}

}  // namespace

void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& r : rows) {
    width.resize(std::max(width.size(), r.size()));
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      std::string cell = r[i];
      if (i + 1 < r.size()) cell.resize(width[i] + 2, ' ');
      line += cell;
    }
    out << "  " << line << "\n";
  }
}

std::string format_interval(double low, double high) {
  double unit = 1;
  const char* name = unit_name(high, unit);
  return "[" + in_unit(low, unit) + ", " + in_unit(high, unit) + "] " + name;
}

std::string format_seconds(double s) {
  if (s == 0) return "0 s";  // below the clock's resolution, or nothing at all
  double unit = 1;
  const char* name = unit_name(s, unit);
  return in_unit(s, unit) + " " + name;
}

void print_message_sizes(std::ostream& out, std::span<const core::MessageSize> rows) {
  if (rows.empty()) return;
  std::vector<double> levels;
  for (const auto& r : rows) levels.push_back(r.latency_ci.level);
  const double level = common_level(levels);
  out << "message sizes, rank 0 <-> rank 1, one reused buffer each (latency = one-way, half a "
         "MPI_Send/MPI_Recv round trip, as osu_latency; GB/s = streamed bytes / time, windows of "
         "64 MPI_Isend then an ack, as osu_bw; medians of "
      << rows.front().repetitions << " repetitions"
      << (level > 0 ? ", intervals of " + coverage_text(level) : std::string()) << "):\n";
  std::vector<std::vector<std::string>> table;
  table.push_back({"bytes", "latency", "interval", "GB/s", "interval", ""});
  for (const auto& r : rows) {
    table.push_back({std::to_string(r.bytes), format_seconds(r.latency_s),
                     time_interval(r.latency_ci, level < 0),
                     fixed(r.gbyte_per_s, r.gbyte_per_s < 1 ? 4 : 2),
                     "[" + fixed(r.gbyte_per_s_ci.low, r.gbyte_per_s < 1 ? 4 : 2) + ", " +
                         fixed(r.gbyte_per_s_ci.high, r.gbyte_per_s < 1 ? 4 : 2) + "]",
                     r.tile ? "<- the largest tile with its halo" : ""});
  }
  print_table(out, table);
}

void print_summary(std::ostream& out, const core::Provenance& p,
                   std::span<const core::SummaryRow> rows,
                   std::span<const core::Baseline> baselines, std::int64_t tile_size) {
  if (rows.empty()) {
    out << "no samples (no rank had a tile)\n";
    return;
  }
  std::vector<std::string> optimizers;
  for (const auto& r : rows) {
    if (std::find(optimizers.begin(), optimizers.end(), r.optimizer) == optimizers.end())
      optimizers.push_back(r.optimizer);
  }
  double lowest_level = 1;
  std::size_t fewest = 0;
  for (const auto& optimizer : optimizers) {
    Rows mine;
    for (const auto& r : rows) {
      if (r.optimizer == optimizer) mine.push_back(&r);
    }
    const auto& first = *mine.front();
    const bool database = optimizer == "database";
    const bool in_memory = !database && optimizer != "io" && optimizer != "network";
    out << "\n" << optimizer << " optimizer: ";
    // The database's work is rows, not the image's tiles.
    if (!database)
      out << core::to_string(first.image) << " image, tiles of " << tile_size << " px, ";
    out << p.ranks << (p.ranks == 1 ? " rank" : " ranks") << " x " << p.threads_per_rank
        << (p.threads_per_rank == 1 ? " thread" : " threads") << ", " << first.seconds.count
        << " repetitions";
    if (in_memory && p.bandwidth_gbyte_per_s > 0) {
      out << ", memory bandwidth ceiling " << fixed(p.bandwidth_gbyte_per_s, 1)
          << " GB/s (triad, every rank at once)";
    }
    out << "\n";
    // One table per kind of operation (kernel), in the order measured; the cpu optimizer's
    // single stages go to the per-kernel speedups below its whole pipeline.
    std::vector<std::string> tables;
    std::vector<std::string> stages;
    std::vector<std::string> strategies;
    const bool has_pipeline = std::any_of(mine.begin(), mine.end(),
                                          [](const auto* r) { return r->kernel == "pipeline"; });
    for (const auto* r : mine) {
      auto& into = has_pipeline && r->kernel != "pipeline" ? stages : tables;
      if (std::find(into.begin(), into.end(), r->kernel) == into.end()) into.push_back(r->kernel);
      if (std::find(strategies.begin(), strategies.end(), r->strategy) == strategies.end())
        strategies.push_back(r->strategy);
      lowest_level = std::min(lowest_level, r->seconds.ci.level);
      if (fewest == 0 || r->seconds.count < fewest) fewest = r->seconds.count;
    }
    for (const auto& kernel : tables) {
      Rows these;
      for (const auto* r : mine)
        if (r->kernel == kernel) these.push_back(r);
      const auto* baseline = core::baseline_of(baselines, optimizer, kernel);
      const std::string over = baseline ? " over " + baseline->strategy : std::string();
      out << table_title(optimizer, kernel) << ":\n";
      if (optimizer == "database")
        print_database(out, these, over);
      else if (optimizer == "network" && kernel == "transfer")
        print_network(out, these, over);
      else if (optimizer == "io")
        print_io(out, these, over);
      else
        print_compute(out, these, over, in_memory);
      if (std::any_of(these.begin(), these.end(),
                      [](const core::SummaryRow* r) { return r->held_bytes >= 0; })) {
        out << "memory per repetition (peak added: resident memory a run added, worst rank; "
               "buffers and queue:\n"
               "the strategy's own count, summed over ranks):\n";
        print_memory(out, these);
      }
      if (std::any_of(these.begin(), these.end(),
                      [](const core::SummaryRow* r) { return r->busy_s >= 0; })) {
        out << "time per rank (mean over ranks, median repetition; imbalance = max / mean "
               "busy):\n";
        print_balance(out, these);
      }
    }
    if (!stages.empty()) {
      const auto* baseline = core::baseline_of(baselines, optimizer, stages.front());
      out << "speedup per kernel" << (baseline ? " over " + baseline->strategy : std::string())
          << " (median of rounds paired with it):\n";
      std::vector<std::vector<std::string>> table;
      std::vector<std::string> header{"strategy"};
      header.insert(header.end(), stages.begin(), stages.end());
      table.push_back(header);
      for (const auto& s : strategies) {
        std::vector<std::string> line{s};
        for (const auto& k : stages) {
          const auto it = std::find_if(mine.begin(), mine.end(), [&](const core::SummaryRow* r) {
            return r->strategy == s && r->kernel == k;
          });
          line.push_back(it == mine.end() ? "" : speedup_text(**it, false, false));
        }
        table.push_back(line);
      }
      print_table(out, table);
    }
    int passed = 0;
    std::vector<std::string> failures;
    for (const auto* r : mine) {
      if (r->check == core::CheckStatus::passed) {
        ++passed;
      } else {
        failures.push_back(
            r->strategy + "/" + r->kernel + ": " + std::string(core::to_string(r->check)) +
            ", error " + scientific(r->max_abs_error) + " (tolerance " + scientific(r->tolerance) +
            "), " + std::to_string(r->differing) + " values differ");
      }
    }
    out << "checks against the reference: " << passed << " of " << mine.size() << " passed\n";
    for (const auto& f : failures) out << "  FAILED " << f << "\n";
  }
  // Intervals are distribution-free: their coverage follows from the repetitions alone.
  if (lowest_level < 0.95) {
    out << "note: with " << fewest << " repetitions an interval of a median covers at most "
        << coverage_text(lowest_level)
        << "; 6 or more repetitions (-r) give 95% or more; the coverage shown is the true one\n";
  }
}

}  // namespace nsperf::analysis
