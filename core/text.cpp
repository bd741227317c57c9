#include "nsperf/core/text.hpp"
#include <cstdio>

#include <algorithm>
#include <sstream>
#include <vector>

namespace nsperf::core {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1);
  std::vector<std::size_t> cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitute = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, substitute});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> nearest_name(std::string_view name,
                                        std::span<const std::string> candidates) {
  // A suggestion is only useful for typos: allow about one edit per three characters.
  const std::size_t limit = std::max<std::size_t>(2, name.size() / 3);
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(name, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  if (best || name.size() < 3) return best;
  // Or an abbreviation: the one candidate that begins with it ('bench' for 'benchmark').
  for (const auto& c : candidates) {
    if (c.size() <= name.size() || c.compare(0, name.size(), name) != 0) continue;
    if (best) return std::nullopt;  // two begin with it: no single suggestion
    best = c;
  }
  return best;
}

std::string join(std::span<const std::string> items, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

std::string unknown_name_message(std::string_view what, std::string_view name,
                                 std::span<const std::string> valid) {
  std::string msg = "unknown " + std::string(what) + " '" + std::string(name) + "'";
  if (auto near = nearest_name(name, valid)) msg += "; did you mean '" + *near + "'?";
  msg += valid.empty() ? " (none available)" : " (valid: " + join(valid) + ")";
  return msg;
}

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 6) {
    bytes /= 1024.0;
    ++u;
  }
  std::ostringstream out;
  out.precision(3);
  out << bytes << " " << units[u];
  return out.str();
}

std::string format_number(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*g", digits, value);
  return text;
}

}  // namespace nsperf::core
