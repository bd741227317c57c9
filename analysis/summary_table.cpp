#include "nsperf/analysis/summary_table.hpp"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <sstream>
#include <vector>

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

std::string speedup_text(const core::SummaryRow& r, bool with_ci) {
  if (r.speedup <= 0) return "-";
  std::string text = fixed(r.speedup, 2) + "x";
  if (with_ci && r.speedup_ci.level > 0) {
    text += " [" + fixed(r.speedup_ci.low, 2) + ", " + fixed(r.speedup_ci.high, 2) + "]";
  }
  return text;
}

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

std::string mib(std::int64_t bytes) {
  return bytes < 0 ? "-" : fixed(static_cast<double>(bytes) / (1 << 20), 1);
}

// Memory columns, for optimizers that measure memory.
void print_memory(std::ostream& out, const std::vector<const core::SummaryRow*>& rows) {
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
void print_balance(std::ostream& out, const std::vector<const core::SummaryRow*>& rows) {
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

// Bytes on the wire against the bytes delivered, for optimizers that move tiles.
void print_wire(std::ostream& out, const std::vector<const core::SummaryRow*>& rows) {
  std::vector<std::vector<std::string>> table;
  table.push_back({"strategy", "kernel", "end to end", "delivered MiB", "on the wire MiB", "ratio",
                   "effective GB/s"});
  for (const auto* r : rows) {
    const bool wire = r->wire_bytes > 0;
    table.push_back(
        {r->strategy, r->kernel, format_seconds(r->seconds.median), mib(r->bytes),
         mib(r->wire_bytes),
         wire ? fixed(static_cast<double>(r->bytes) / static_cast<double>(r->wire_bytes), 2) : "-",
         fixed(r->gbyte_per_s, 2)});
  }
  print_table(out, table);
}

// Throughput and the files' size, for the io optimizer (wire bytes there: the files on disk).
void print_io(std::ostream& out, const std::vector<const core::SummaryRow*>& rows) {
  std::vector<std::vector<std::string>> table;
  table.push_back({"strategy", "kernel", "median", "MiB/s", "speedup [95% CI]", "data MiB",
                   "on disk MiB", "ratio"});
  for (const auto* r : rows) {
    const double mib_per_s = r->gbyte_per_s * 1e9 / (1 << 20);
    const bool disk = r->wire_bytes > 0;
    table.push_back(
        {r->strategy, r->kernel, format_seconds(r->seconds.median),
         fixed(mib_per_s, mib_per_s >= 100 ? 0 : 1), speedup_text(*r, true), mib(r->bytes),
         mib(r->wire_bytes),
         disk ? fixed(static_cast<double>(r->bytes) / static_cast<double>(r->wire_bytes), 2)
              : "-"});
  }
  print_table(out, table);
}

// Rows per second and the catalog's size, for the database optimizer (pixels there: rows).
void print_database(std::ostream& out, const std::vector<const core::SummaryRow*>& rows) {
  std::vector<std::vector<std::string>> table;
  table.push_back(
      {"strategy", "kernel", "median", "rows/s", "speedup [95% CI]", "rows", "file MiB"});
  for (const auto* r : rows) {
    const double per_s = r->mpixel_per_s * 1e6;
    table.push_back({r->strategy, r->kernel, format_seconds(r->seconds.median),
                     r->kernel == "insert" ? fixed(per_s, 0) : "-", speedup_text(*r, true),
                     std::to_string(r->pixels), mib(r->bytes)});
  }
  print_table(out, table);
}

// Median, its CI, speedup with CI, throughput, bandwidth and check, one row per strategy.
void print_detail(std::ostream& out, const std::vector<const core::SummaryRow*>& rows) {
  std::vector<std::vector<std::string>> table;
  // A kernel column when the rows measure more than one.
  const bool kernels = std::any_of(rows.begin(), rows.end(), [&](const core::SummaryRow* r) {
    return r->kernel != rows.front()->kernel;
  });
  table.push_back({"strategy", "median", "95% CI of median", "speedup [95% CI]", "Mpixel/s",
                   "GB/s (of ceiling)", "outliers", "check"});
  if (kernels) table.back().insert(table.back().begin() + 1, "kernel");
  for (const auto* r : rows) {
    double unit = 1;
    const char* name = unit_name(r->seconds.median, unit);
    const std::string ci =
        "[" + in_unit(r->seconds.ci.low, unit) + ", " + in_unit(r->seconds.ci.high, unit) + "] " +
        name +
        (r->seconds.ci.level < 0.95 ? " (" + fixed(100 * r->seconds.ci.level, 0) + "%)" : "");
    std::string bandwidth = fixed(r->gbyte_per_s, 2);
    if (r->bandwidth_fraction > 0) bandwidth += " (" + fixed(100 * r->bandwidth_fraction, 0) + "%)";
    table.push_back({r->strategy, format_seconds(r->seconds.median), ci, speedup_text(*r, true),
                     fixed(r->mpixel_per_s, 1), bandwidth, std::to_string(r->outliers),
                     std::string(core::to_string(r->check))});
    if (kernels) table.back().insert(table.back().begin() + 1, r->kernel);
  }
  print_table(out, table);
}

}  // namespace

std::string format_seconds(double s) {
  double unit = 1;
  const char* name = unit_name(s, unit);
  return in_unit(s, unit) + " " + name;
}

void print_summary(std::ostream& out, const core::Provenance& p,
                   std::span<const core::SummaryRow> rows, std::int64_t tile_size) {
  if (rows.empty()) {
    out << "no samples (no rank had a tile)\n";
    return;
  }
  std::vector<std::string> optimizers;
  for (const auto& r : rows) {
    if (std::find(optimizers.begin(), optimizers.end(), r.optimizer) == optimizers.end())
      optimizers.push_back(r.optimizer);
  }
  if (!p.image.empty()) out << "\nimage: " << p.image << "\n";
  for (const auto& optimizer : optimizers) {
    std::vector<const core::SummaryRow*> mine;
    for (const auto& r : rows) {
      if (r.optimizer == optimizer) mine.push_back(&r);
    }
    const auto& first = *mine.front();
    out << "\n"
        << optimizer << " optimizer: " << core::to_string(first.image) << " image, tiles of "
        << tile_size << " px, " << p.ranks << (p.ranks == 1 ? " rank" : " ranks") << " x "
        << p.threads_per_rank << (p.threads_per_rank == 1 ? " thread" : " threads") << ", "
        << first.seconds.count << " repetitions";
    if (p.bandwidth_gbyte_per_s > 0)
      out << ", bandwidth ceiling " << fixed(p.bandwidth_gbyte_per_s, 1) << " GB/s";
    out << "\n";
    // The headline: the whole pipeline when there is one, else every row.
    std::vector<const core::SummaryRow*> headline;
    std::vector<std::string> kernels;
    std::vector<std::string> strategies;
    for (const auto* r : mine) {
      if (r->kernel == "pipeline")
        headline.push_back(r);
      else if (std::find(kernels.begin(), kernels.end(), r->kernel) == kernels.end())
        kernels.push_back(r->kernel);
      if (std::find(strategies.begin(), strategies.end(), r->strategy) == strategies.end())
        strategies.push_back(r->strategy);
    }
    if (headline.empty()) {
      headline = mine;
      kernels.clear();
    }
    out << (headline.front()->kernel == "pipeline" ? "whole pipeline" : headline.front()->kernel)
        << " (time = earliest rank's start to latest rank's end, per repetition):\n";
    print_detail(out, headline);
    if (std::any_of(headline.begin(), headline.end(),
                    [](const core::SummaryRow* r) { return r->held_bytes >= 0; })) {
      out << "memory per repetition (peak added: resident memory a run added, worst rank; buffers "
             "and queue:\n"
             "the strategy's own count, summed over ranks):\n";
      print_memory(out, headline);
    }
    if (std::any_of(headline.begin(), headline.end(),
                    [](const core::SummaryRow* r) { return r->busy_s >= 0; })) {
      out << "time per rank (mean over ranks, median repetition; imbalance = max / mean busy):\n";
      print_balance(out, headline);
    }
    if (optimizer == "database") {
      out << "catalog (rows/s = every rank's rows / median time; query rows = rows returned):\n";
      print_database(out, mine);
    }
    if (optimizer == "io") {
      out << "files (MiB/s = every rank's bytes / median time; writes include fsync, reads are "
             "cold):\n";
      print_io(out, mine);
    } else if (std::any_of(mine.begin(), mine.end(),
                           [](const core::SummaryRow* r) { return r->wire_bytes >= 0; })) {
      out << "transfers (effective = delivered bytes / end-to-end time):\n";
      print_wire(out, mine);
    }
    if (!kernels.empty()) {
      out << "speedup per kernel (median of rounds paired with the baseline):\n";
      std::vector<std::vector<std::string>> table;
      std::vector<std::string> header{"strategy"};
      header.insert(header.end(), kernels.begin(), kernels.end());
      table.push_back(header);
      for (const auto& s : strategies) {
        std::vector<std::string> line{s};
        for (const auto& k : kernels) {
          const auto it = std::find_if(mine.begin(), mine.end(), [&](const core::SummaryRow* r) {
            return r->strategy == s && r->kernel == k;
          });
          line.push_back(it == mine.end() ? "" : speedup_text(**it, false));
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
}

}  // namespace nsperf::analysis
