#include "summary_table.hpp"

#include <cstdio>
#include <iomanip>
#include <sstream>
#include <vector>

namespace nsperf::cli {
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
  const auto& first = rows.front();
  out << "\n"
      << core::to_string(first.image) << " image, tiles of " << tile_size << " px, " << p.ranks
      << (p.ranks == 1 ? " rank" : " ranks") << " x " << p.threads_per_rank
      << (p.threads_per_rank == 1 ? " thread" : " threads") << ", " << first.seconds.count
      << " repetitions; time = slowest rank per repetition\n";
  std::vector<std::vector<std::string>> table;
  table.push_back({"optimizer", "strategy", "kernel", "median", "95% CI of median", "speedup",
                   "Mpixel/s", "GB/s", "check"});
  for (const auto& r : rows) {
    double unit = 1;
    const char* name = unit_name(r.seconds.median, unit);
    const std::string ci =
        "[" + in_unit(r.seconds.ci.low, unit) + ", " + in_unit(r.seconds.ci.high, unit) + "] " +
        name + (r.seconds.ci.level < 0.95 ? " (" + fixed(100 * r.seconds.ci.level, 0) + "%)" : "");
    std::string check(core::to_string(r.check));
    if (r.check == core::CheckStatus::failed) {
      check = "FAILED: error " + scientific(r.max_abs_error) + " > " + scientific(r.tolerance);
    } else if (r.check == core::CheckStatus::passed) {
      check += " (error " + scientific(r.max_abs_error) + " <= " + scientific(r.tolerance) + ")";
    }
    table.push_back({r.optimizer, r.strategy, r.kernel, format_seconds(r.seconds.median), ci,
                     r.speedup > 0 ? fixed(r.speedup, 2) + "x" : "-", fixed(r.mpixel_per_s, 1),
                     fixed(r.gbyte_per_s, 2), check});
  }
  print_table(out, table);
}

}  // namespace nsperf::cli
