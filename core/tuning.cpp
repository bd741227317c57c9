#include "nsperf/core/tuning.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "nsperf/core/config.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/text.hpp"

namespace nsperf::core {

Registry<Tunable>& tunables() {
  static Registry<Tunable> registry;
  return registry;
}

std::vector<const Tunable*> tunables_in_order() {
  std::vector<const Tunable*> out;
  for (const auto& t : tunables().entries()) out.push_back(&t);
  std::stable_sort(out.begin(), out.end(),
                   [](const Tunable* a, const Tunable* b) { return a->order < b->order; });
  return out;
}

std::map<std::string, std::vector<nlohmann::json>> parse_space(std::span<const std::string> specs) {
  std::map<std::string, std::vector<nlohmann::json>> space;
  std::vector<std::string> problems;
  const auto names = tunables().names();
  for (const auto& spec : specs) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) {
      problems.push_back("--space '" + spec + "': expected KEY=V1,V2,... (keys: " + join(names) +
                         ")");
      continue;
    }
    const std::string key = spec.substr(0, eq);
    const std::string origin = "--space " + key;
    if (tunables().find(key) == nullptr) {
      bool config_key = false;
      for (const auto& k : config_keys()) config_key = config_key || k.key == key;
      problems.push_back(origin + ": " +
                         (config_key ? "a config key tune does not vary; it varies: " + join(names)
                                     : unknown_name_message("tunable key", key, names)));
      continue;
    }
    if (space.count(key) != 0) {
      problems.push_back(origin + ": given twice; give every value in one list");
      continue;
    }
    std::vector<nlohmann::json> values;
    std::stringstream items(spec.substr(eq + 1));
    for (std::string item; std::getline(items, item, ',');) {
      if (item.empty()) continue;
      const Override o = parse_assignment(key + "=" + item, "--space");
      nlohmann::json doc = {{"schema_version", kConfigSchemaVersion}};
      set_key(doc, o);
      const auto wrong = validate_config(doc, origin);
      problems.insert(problems.end(), wrong.begin(), wrong.end());
      if (wrong.empty() && std::find(values.begin(), values.end(), o.value) == values.end())
        values.push_back(o.value);
    }
    if (values.empty() && items.str().find_first_not_of(',') == std::string::npos)
      problems.push_back(origin + ": no values; give one or more, comma-separated");
    space[key] = std::move(values);
  }
  if (!problems.empty()) throw ConfigError(problems);
  return space;
}

std::vector<nlohmann::json> candidates_of(const SpaceKey& key, const TuneWorkload& w,
                                          const Settings& s) {
  const auto values = key.given.empty() ? key.tunable->values(w, s) : key.given;
  std::vector<nlohmann::json> out;
  for (const auto& v : values) {
    if (!key.tunable->impossible(v, w, s).empty()) continue;
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  return out;
}

Settings with_setting(Settings s, const std::string& key, const nlohmann::json& value) {
  s[key] = value;
  return s;
}

std::string value_text(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string settings_text(const Settings& s) {
  std::string out;
  for (const auto& [key, value] : s.items())
    out += (out.empty() ? "" : " ") + key + "=" + value_text(value);
  return out;
}

namespace {

// Whether some setting of every other key makes `value` of keys[fixed] possible, searching the
// keys in race order (a key's own values may depend on those before it). Bounded: a space too
// large to walk counts as possible, and the search finds out.
bool possible_somewhere(const std::vector<SpaceKey>& keys, std::size_t fixed,
                        const nlohmann::json& value, const TuneWorkload& w, Settings s,
                        std::size_t at, std::int64_t& budget) {
  if (--budget < 0) return true;
  if (at == keys.size()) {
    for (const auto& k : keys)
      if (!k.tunable->impossible(s[k.tunable->name], w, s).empty()) return false;
    return true;
  }
  const auto& key = keys[at];
  const auto values = at == fixed         ? std::vector<nlohmann::json>{value}
                      : key.given.empty() ? key.tunable->values(w, s)
                                          : key.given;
  for (const auto& v : values)
    if (possible_somewhere(keys, fixed, value, w, with_setting(s, key.tunable->name, v), at + 1,
                           budget))
      return true;
  return false;
}

}  // namespace

std::vector<SpaceKey> make_space(const std::map<std::string, std::vector<nlohmann::json>>& given,
                                 const TuneWorkload& w, const Settings& defaults) {
  std::vector<SpaceKey> keys;
  for (const Tunable* t : tunables_in_order()) {
    SpaceKey k{t, {}};
    if (const auto it = given.find(t->name); it != given.end()) k.given = it->second;
    keys.push_back(std::move(k));
  }
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].given.empty()) continue;
    bool any = false;
    std::string why;
    for (const auto& v : keys[i].given) {
      std::int64_t budget = 200000;
      if (possible_somewhere(keys, i, v, w, defaults, 0, budget)) {
        any = true;
        break;
      }
      const auto reason =
          keys[i].tunable->impossible(v, w, with_setting(defaults, keys[i].tunable->name, v));
      why += (why.empty() ? "" : "; ") + value_text(v) + ": " +
             (reason.empty() ? "impossible beside every value of the other keys in the space"
                             : reason);
    }
    if (!any) {
      problems.push_back("--space " + keys[i].tunable->name + ": no value can run (" + why + ")");
    }
  }
  if (!problems.empty()) throw ConfigError(problems);
  return keys;
}

Standing race_standing(std::span<const std::vector<double>> times) {
  Standing s;
  std::vector<double> medians;
  for (const auto& t : times) medians.push_back(median(t));
  s.best =
      static_cast<std::size_t>(std::min_element(medians.begin(), medians.end()) - medians.begin());
  s.slower.assign(times.size(), false);
  for (std::size_t i = 0; i < times.size(); ++i) {
    if (i == s.best || times[i].size() < 2 || times[s.best].size() < 2) continue;
    s.slower[i] = mann_whitney_p(times[s.best], times[i]) < kTuneAlpha &&
                  hodges_lehmann(times[s.best], times[i]).estimate > 0;
  }
  return s;
}

TimeRatio time_ratio(std::span<const double> base, std::span<const double> next) {
  const auto logs = [](std::span<const double> v) {
    std::vector<double> out;
    for (double x : v) out.push_back(std::log(x));
    return out;
  };
  const auto lb = logs(base);
  const auto ln = logs(next);
  const Shift shift = hodges_lehmann(lb, ln);
  TimeRatio r;
  r.ratio = std::exp(shift.estimate);
  r.ci = {std::exp(shift.ci.low), std::exp(shift.ci.high), shift.ci.level};
  r.p = mann_whitney_p(lb, ln);
  return r;
}

double workload_distance(const WorkloadFeatures& a, const WorkloadFeatures& b, std::string* how) {
  const auto log2_ratio = [](double x, double y) {
    return std::log2(std::max(x, 1.0) / std::max(y, 1.0));
  };
  const double pixels = log2_ratio(static_cast<double>(a.width) * static_cast<double>(a.height),
                                   static_cast<double>(b.width) * static_cast<double>(b.height));
  const double terms[] = {pixels / 4,
                          log2_ratio(a.ranks, b.ranks) / 2,
                          log2_ratio(a.cores_per_rank, b.cores_per_rank) / 2,
                          a.empty_tiles - b.empty_tiles,
                          a.compressibility - b.compressibility,
                          a.dtype == b.dtype ? 0.0 : 1.0,
                          a.host == b.host ? 0.0 : 0.5};
  double sum = 0;
  for (double t : terms) sum += t * t;
  if (how != nullptr) {
    const auto n = [](double v) { return format_number(v, 3); };
    *how = "pixels x" + n(std::exp2(pixels)) + ", ranks " + std::to_string(a.ranks) + " vs " +
           std::to_string(b.ranks) + ", cores per rank " + std::to_string(a.cores_per_rank) +
           " vs " + std::to_string(b.cores_per_rank) + ", empty tiles " + n(a.empty_tiles) +
           " vs " + n(b.empty_tiles) + ", compressibility " + n(a.compressibility) + " vs " +
           n(b.compressibility) + ", " + a.dtype + (a.dtype == b.dtype ? "" : " vs " + b.dtype) +
           ", " + (a.host == b.host ? "same node" : "node " + a.host + " vs " + b.host);
  }
  return std::sqrt(sum);
}

}  // namespace nsperf::core
