#include "nsperf/core/text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>
#include <vector>

#include "nsperf/core/error.hpp"

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

namespace {

// One size of parse_byte_sizes: digits, then an optional K, M or G (with iB or B).
std::int64_t parse_byte_size(std::string_view item, std::string_view whole) {
  const auto fail = [&](const std::string& why) -> std::int64_t {
    throw InputError("message sizes '" + std::string(whole) + "': " + why +
                     "; valid: MIN:MAX (powers of two, e.g. 8:4M) or a list (e.g. 1K,272484,4M), "
                     "sizes in bytes with an optional K, M or G");
  };
  std::size_t digits = 0;
  while (digits < item.size() && item[digits] >= '0' && item[digits] <= '9') ++digits;
  if (digits == 0 || digits > 12) fail("'" + std::string(item) + "' is not a size");
  std::int64_t value = std::stoll(std::string(item.substr(0, digits)));
  std::string unit(item.substr(digits));
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.ends_with("IB")) unit.resize(unit.size() - 2);
  if (unit.size() > 1 && unit.ends_with("B")) unit.pop_back();
  int shift = 0;
  if (unit == "K") {
    shift = 10;
  } else if (unit == "M") {
    shift = 20;
  } else if (unit == "G") {
    shift = 30;
  } else if (!unit.empty() && unit != "B") {
    fail("'" + std::string(item) + "' has an unknown unit");
  }
  if (value >= (std::int64_t{1} << (62 - shift))) fail("'" + std::string(item) + "' is too large");
  return value << shift;
}

}  // namespace

std::vector<std::int64_t> parse_byte_sizes(std::string_view text, std::int64_t largest) {
  const auto fail = [&](const std::string& why) {
    throw InputError("message sizes '" + std::string(text) + "': " + why);
  };
  std::vector<std::int64_t> sizes;
  if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    const std::int64_t low = parse_byte_size(text.substr(0, colon), text);
    const std::int64_t high = parse_byte_size(text.substr(colon + 1), text);
    if (low < 1) fail("the smallest size must be at least 1 byte");
    if (high < low) fail("MAX is smaller than MIN");
    for (std::int64_t s = low; s <= high; s *= 2) sizes.push_back(s);
  } else {
    std::size_t at = 0;
    while (at <= text.size()) {
      const auto comma = std::min(text.find(',', at), text.size());
      sizes.push_back(parse_byte_size(text.substr(at, comma - at), text));
      at = comma + 1;
    }
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      if (sizes[i] < 1) fail("a size must be at least 1 byte");
      if (i > 0 && sizes[i] <= sizes[i - 1]) fail("list the sizes in increasing order, once each");
    }
  }
  if (sizes.back() > largest)
    fail(format_bytes(static_cast<double>(sizes.back())) + " is larger than the largest (" +
         format_bytes(static_cast<double>(largest)) + ")");
  return sizes;
}

std::string format_number(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*g", digits, value);
  return text;
}

}  // namespace nsperf::core
