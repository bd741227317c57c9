#include "nsperf/core/config.hpp"
#include "nsperf/core/tile_plan.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>

#include "nsperf/core/error.hpp"
#include "nsperf/core/memory.hpp"
#include "nsperf/core/temporary_file.hpp"
#include "nsperf/core/text.hpp"

namespace nsperf::core {
namespace {

using nlohmann::json;

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

// The strategies an optimization level runs by default: every strategy registered at that
// level or a lower one, baseline first.
json preset_strategies(std::string_view optimizer, Level level) {
  json list = json::array();
  for (const auto& s : strategy_catalog().strategies(optimizer)) {
    if (s.baseline || s.level <= level) list.push_back(s.name);
  }
  return list;
}

// Keys that moved: {old, new}. The input settings lived under benchmark.* until nsperf took
// them for `nsperf run` too.
constexpr std::pair<std::string_view, std::string_view> kRenamedKeys[] = {
    {"benchmark.tile", "input.tile"}, {"benchmark.image", "input.image"},
    {"benchmark.raw", "input.raw"},   {"benchmark.synthetic", "input.synthetic"},
    {"benchmark.seed", "input.seed"}, {"benchmark.skew", "input.skew"},
};

struct Schema {
  std::vector<KeyInfo> keys = config_keys();

  [[nodiscard]] const KeyInfo* leaf(std::string_view key) const {
    for (const auto& k : keys) {
      if (k.key == key) return &k;
    }
    return nullptr;
  }
  [[nodiscard]] bool is_section(std::string_view prefix) const {
    const std::string p = std::string(prefix) + ".";
    return std::any_of(keys.begin(), keys.end(),
                       [&](const KeyInfo& k) { return k.key.starts_with(p); });
  }
  // Full dotted names of the entries directly under `prefix` ("" for the root).
  [[nodiscard]] std::vector<std::string> children(std::string_view prefix) const {
    std::vector<std::string> out;
    const std::string p = prefix.empty() ? "" : std::string(prefix) + ".";
    for (const auto& k : keys) {
      if (!k.key.starts_with(p)) continue;
      const auto dot = k.key.find('.', p.size());
      std::string child = k.key.substr(0, dot);
      if (std::find(out.begin(), out.end(), child) == out.end()) out.push_back(child);
    }
    return out;
  }
};

// Whether `v` can be written as JSON: nlohmann::json refuses strings that are not UTF-8 (a
// command-line value in another encoding), and every config is written (config --show, the
// broadcast to other ranks, the results' provenance).
bool is_utf8(const json& v) {
  try {
    (void)v.dump();
    return true;
  } catch (const json::type_error&) {
    return false;
  }
}

std::string describe(const json& v) {
  std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return std::string(v.type_name()) + " " + text;
}

std::string key_name(std::string_view key) { return "'" + std::string(key) + "'"; }

// What is wrong with `v` as a value of `k`, or "" if nothing.
std::string check_value(const KeyInfo& k, const json& v) {
  if (!is_utf8(v)) return "must be UTF-8 text, got " + describe(v);
  switch (k.type) {
    case KeyType::integer: {
      if (!v.is_number_integer()) return "must be an integer, got " + describe(v);
      if (v.is_number_unsigned() &&
          v.get<std::uint64_t>() > static_cast<std::uint64_t>(kInt64Max)) {
        return "must be at most " + std::to_string(k.max) + ", got " + v.dump();
      }
      const auto i = v.get<std::int64_t>();
      if (i < k.min || i > k.max) {
        if (k.max == kInt64Max)
          return "must be at least " + std::to_string(k.min) + ", got " + v.dump();
        return "must be between " + std::to_string(k.min) + " and " + std::to_string(k.max) +
               ", got " + v.dump();
      }
      return "";
    }
    case KeyType::boolean:
      return v.is_boolean() ? "" : "must be true or false, got " + describe(v);
    case KeyType::string:
      if (!v.is_string()) return "must be a string, got " + describe(v);
      // A key whose default is empty takes "" to mean "not set" (input.image).
      return v.get<std::string>().empty() && k.default_value != "" ? "must not be empty" : "";
    case KeyType::choice: {
      if (!v.is_string()) return "must be one of " + join(k.choices) + ", got " + describe(v);
      const auto s = v.get<std::string>();
      if (std::find(k.choices.begin(), k.choices.end(), s) != k.choices.end()) return "";
      return "has " + unknown_name_message("value", s, k.choices);
    }
    case KeyType::string_list: {
      if (!v.is_array()) {
        return "must be a list of names (" + join(k.choices) + "), got " + describe(v);
      }
      if (v.empty()) return "must name at least one of " + join(k.choices);
      std::vector<std::string> seen;
      for (const auto& item : v) {
        if (!item.is_string()) return "must hold names only, got " + describe(item);
        const auto s = item.get<std::string>();
        if (std::find(k.choices.begin(), k.choices.end(), s) == k.choices.end()) {
          return "has " + unknown_name_message("name", s, k.choices);
        }
        if (std::find(seen.begin(), seen.end(), s) != seen.end()) return "names '" + s + "' twice";
        seen.push_back(s);
      }
      return "";
    }
    case KeyType::byte_sizes: {
      if (!v.is_string()) return "must be a string like 8:4M, got " + describe(v);
      if (v.get<std::string>().empty()) return "";  // no sizes
      try {
        (void)parse_byte_sizes(v.get<std::string>(), std::int64_t{1} << 30);
      } catch (const InputError& e) {
        return std::string("has ") + e.what();
      }
      return "";
    }
    case KeyType::image_spec: {
      if (!v.is_string()) return "must be a string like 4096x4096:u16, got " + describe(v);
      try {
        (void)parse_image_spec(v.get<std::string>(), "");
      } catch (const InputError& e) {
        return std::string("is ") + e.what();
      }
      return "";
    }
  }
  return "";
}

void walk(const Schema& schema, const json& obj, const std::string& prefix, std::string_view source,
          std::vector<std::string>& problems) {
  for (const auto& [name, value] : obj.items()) {
    const std::string key = prefix.empty() ? name : prefix + "." + name;
    if (const KeyInfo* k = schema.leaf(key)) {
      if (key == "schema_version") continue;  // checked by validate_config with its own words
      if (auto p = check_value(*k, value); !p.empty()) {
        problems.push_back(std::string(source) + ": " + key_name(key) + " " + p);
      }
    } else if (prefix.empty() && name == kTunedKey) {
      if (!value.is_object()) {
        problems.push_back(std::string(source) + ": " + key_name(key) +
                           " (what nsperf tune measured) must be an object, got " +
                           describe(value));
      }
    } else if (schema.is_section(key)) {
      if (!value.is_object()) {
        problems.push_back(std::string(source) + ": " + key_name(key) + " must be an object, got " +
                           describe(value));
      } else {
        walk(schema, value, key, source, problems);
      }
    } else if (const auto renamed = new_key_name(key); !renamed.empty()) {
      problems.push_back(std::string(source) + ": " + key_name(key) + " is the old name of " +
                         key_name(renamed) + ", which is set too: keep one");
    } else {
      // A misspelt old name is pointed to the new one.
      std::vector<std::string> old_keys;
      for (const auto& [old_key, new_key] : kRenamedKeys) old_keys.emplace_back(old_key);
      if (const auto near = nearest_name(key, old_keys)) {
        problems.push_back(std::string(source) + ": unknown key " + key_name(key) +
                           "; did you mean " + key_name(new_key_name(*near)) + "? (" +
                           key_name(*near) + " is now " + key_name(new_key_name(*near)) + ")");
      } else {
        const auto siblings = schema.children(prefix);
        problems.push_back(std::string(source) + ": " + unknown_name_message("key", key, siblings));
      }
    }
  }
}

// Calls fn(key, value) for every leaf of a validated document.
template <class Fn>
void for_each_leaf(const Schema& schema, const json& obj, const std::string& prefix, Fn&& fn) {
  for (const auto& [name, value] : obj.items()) {
    const std::string key = prefix.empty() ? name : prefix + "." + name;
    if (prefix.empty() && name == kTunedKey) continue;  // read by people, not by nsperf
    if (schema.leaf(key) != nullptr)
      fn(key, value);
    else if (value.is_object())
      for_each_leaf(schema, value, key, fn);
  }
}

json::json_pointer pointer_of(std::string_view key) {
  std::string p;
  std::stringstream parts{std::string(key)};
  for (std::string part; std::getline(parts, part, '.');) p += "/" + part;
  return json::json_pointer(p);
}

}  // namespace

namespace {

std::map<std::string, std::vector<KeyInfo>, std::less<>>& settings_registry() {
  static std::map<std::string, std::vector<KeyInfo>, std::less<>> registry;
  return registry;
}

}  // namespace

void declare_settings(std::string_view optimizer, std::vector<KeyInfo> settings) {
  auto& declared = settings_registry()[std::string(optimizer)];
  for (auto& k : settings) declared.push_back(std::move(k));
}

const std::vector<KeyInfo>& declared_settings(std::string_view optimizer) {
  static const std::vector<KeyInfo> none;
  const auto& registry = settings_registry();
  const auto it = registry.find(optimizer);
  return it == registry.end() ? none : it->second;
}

std::vector<KeyInfo> config_keys() {
  std::vector<KeyInfo> keys = {
      {"schema_version",
       KeyType::integer,
       kConfigSchemaVersion,
       1,
       kConfigSchemaVersion,
       {},
       "Version of this file's layout; this nsperf reads and writes " +
           std::to_string(kConfigSchemaVersion) + "."},
      {"optimization_level", KeyType::choice, "balanced", 0, 0, level_names(),
       "Preset for the strategies each optimizer runs when 'strategies' is not given: "
       "conservative = the baseline and strategies that compute exactly what it computes; "
       "balanced = also those whose results stay within each kernel's stated tolerance of the "
       "reference; aggressive = every strategy, including those that trade accuracy or memory "
       "for speed."},
      {"input.tile",
       KeyType::integer,
       512,
       1,
       kMaxImageSide,
       {},
       "Tile side in pixels; edge tiles are smaller when it does not divide the image. At least "
       "32 (the image's shorter side when that is smaller), since below it the 5-pixel halo "
       "outweighs the tile; at most the image's shorter side: a default larger than that side "
       "becomes that side, with a note; a tile you set is refused."},
      {"input.image",
       KeyType::string,
       "",
       0,
       0,
       {},
       "Image file to run on instead of the synthetic one: PNG, TIFF, JPEG, JPEG 2000, FITS "
       "(file.fits[EXT]), an HDF5 dataset (file.h5:/path), or raw pixels with input.raw. "
       "Colour becomes luminance."},
      {"input.raw",
       KeyType::string,
       "",
       0,
       0,
       {},
       "Layout of a headerless input.image, WxH:dtype[:le|be] with dtype u8, i8, u16, i16, "
       "u32, i32, u64, i64, f32 or f64; empty: the file has a header."},
      {"input.synthetic",
       KeyType::image_spec,
       "2048x2048:u8",
       0,
       0,
       {},
       "Size and pixel type of the built-in synthetic image, WxH[:u8|u16|f32]. nsperf "
       "benchmark runs on it when input.image is empty; nsperf run and profile need one of the "
       "two set (by the file or the command line)."},
      {"input.seed",
       KeyType::integer,
       1,
       0,
       kInt64Max,
       {},
       "Seed of the synthetic image and of the strategy order."},
      {"input.skew",
       KeyType::integer,
       0,
       0,
       99,
       {},
       "Percent of the synthetic image, at the bottom, that is empty background (one constant "
       "level: no noise, no objects). Tiles there carry no signal, which the pipeline skips, so "
       "tile costs differ as on real images; 0 = objects everywhere."},
      {"benchmark.repetitions",
       KeyType::integer,
       10,
       1,
       1000000,
       {},
       "Measured repetitions of every strategy (compare needs at least 9)."},
      {"benchmark.warmup",
       KeyType::integer,
       2,
       0,
       100000,
       {},
       "Unmeasured runs of every strategy before the repetitions."},
      {"benchmark.slowdown_percent",
       KeyType::integer,
       0,
       0,
       1000,
       {},
       "Lengthens every measured run by this percentage, spinning inside its timed region, to "
       "test a regression gate such as nsperf compare (docs/compare.md); the run's provenance "
       "warns. 0: off."},
      {"benchmark.output", KeyType::string, "nsperf-results.h5", 0, 0, {}, "Results file (HDF5)."},
      {"run.output",
       KeyType::string,
       "nsperf-output.h5",
       0,
       0,
       {},
       "Output file of 'nsperf run' (HDF5: mask, gradient, per-tile statistics). Its input is "
       "input.image (or the synthetic image), cut into input.tile tiles."},
      {"run.strategy", KeyType::choice, "fused", 0, 0, strategy_catalog().strategy_names("cpu"),
       "CPU strategy 'nsperf run' computes the pipeline with."},
      {"run.compression", KeyType::choice, "none", 0, 0, compression_names(),
       "Compression of the output's mask and gradient chunks: none, deflate (gzip; every HDF5 "
       "reader has it) or zstd (HDF5 filter 32015: readers need HDF5_PLUGIN_PATH, see "
       "docs/hdf5-zstd.md)."},
      {"run.compression_level",
       KeyType::integer,
       0,
       0,
       22,
       {},
       "Compression level: deflate 1-9, zstd 1-22; 0 = the library's default (deflate 6, zstd "
       "3)."},
      {"run.partitioner", KeyType::choice, "static-block", 0, 0, partitioner_names(),
       "How 'nsperf run' shares the tiles out among the ranks, fixed before the run: "
       "static-block (each rank a contiguous run of tiles: neighbours, fewest rows to read) or "
       "static-cyclic (runs of run.partition_chunk tiles dealt to the ranks in turn: cost "
       "clustered in one part of the image, such as an empty sky, evens out)."},
      {"run.partition_chunk",
       KeyType::integer,
       1,
       1,
       1000000,
       {},
       "static-cyclic: how many consecutive tiles (row-major) each turn deals to a rank."},
      {"run.catalog",
       KeyType::string,
       "",
       0,
       0,
       {},
       "SQLite tile catalog 'nsperf run' adds the run to (one row per run and per tile; created "
       "if absent, docs/catalog.md); \"\" = none."},
      {"run.check",
       KeyType::boolean,
       false,
       0,
       0,
       {},
       "Whether 'nsperf run' also runs the double-precision reference on every tile and checks "
       "the output against it (about doubles the compute time)."},
      {"run.early_writeback",
       KeyType::boolean,
       true,
       0,
       0,
       {},
       "Whether every rank of 'nsperf run' has the kernel start writing the output to disk while "
       "its tiles are still being written (Linux sync_file_range, every 4 MiB), so that the "
       "flush before the rename waits for the rest only. The output is flushed to disk either "
       "way; false leaves all of the writing to the flush."},
  };
  const auto& catalog = strategy_catalog();
  for (const auto& opt : catalog.optimizers()) {
    keys.push_back(
        {"optimizers." + opt + ".enabled",
         KeyType::boolean,
         true,
         0,
         0,
         {},
         "Whether 'benchmark --all' (or no optimizer option) runs the " + opt + " optimizer."});
    keys.push_back({"optimizers." + opt + ".strategies", KeyType::string_list, nullptr, 0, 0,
                    catalog.strategy_names(opt),
                    "Strategies of the " + opt + " optimizer to run; the baseline '" +
                        catalog.baseline(opt)->name +
                        "' always runs. Default: by optimization_level."});
    for (KeyInfo k : declared_settings(opt)) {
      k.key = "optimizers." + opt + "." + k.key;
      keys.push_back(std::move(k));
    }
  }
  return keys;
}

nlohmann::json read_config_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    throw InputError("config file " + path.string() + ": cannot be read (" + std::strerror(errno) +
                     ")");
  }
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    // nlohmann's message reads "[json.exception.parse_error.101] parse error at line 3, …";
    // a number too large for a double (1e999) is an out_of_range error, not a parse_error.
    std::string what = e.what();
    if (auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
    throw ConfigError({path.string() + ": not valid JSON: " + what});
  }
}

std::string_view new_key_name(std::string_view key) noexcept {
  for (const auto& [old_key, new_key] : kRenamedKeys)
    if (old_key == key) return new_key;
  return {};
}

std::vector<std::string> rename_old_keys(nlohmann::json& doc, std::string_view source) {
  std::vector<std::string> notes;
  for (const auto& [old_key, new_key] : kRenamedKeys) {
    const auto dot_old = old_key.find('.');
    const auto dot_new = new_key.find('.');
    const std::string old_section(old_key.substr(0, dot_old));
    const std::string old_leaf(old_key.substr(dot_old + 1));
    const std::string new_section(new_key.substr(0, dot_new));
    const std::string new_leaf(new_key.substr(dot_new + 1));
    if (!doc.is_object() || !doc.contains(old_section)) continue;
    json& from = doc[old_section];
    if (!from.is_object() || !from.contains(old_leaf)) continue;
    if (doc.contains(new_section) && !doc[new_section].is_object()) continue;
    json& to = doc[new_section];
    if (to.contains(new_leaf)) continue;  // both set: validate_config says so
    to[new_leaf] = std::move(from[old_leaf]);
    from.erase(old_leaf);
    if (from.empty()) doc.erase(old_section);
    notes.push_back(std::string(source) + ": " + key_name(old_key) + " is now " +
                    key_name(new_key) + " (read as such)");
  }
  return notes;
}

std::vector<std::string> validate_config(const nlohmann::json& doc, std::string_view source) {
  std::vector<std::string> problems;
  if (!doc.is_object()) {
    problems.push_back(std::string(source) + ": must be a JSON object ({...}), got " +
                       describe(doc));
    return problems;
  }
  if (!doc.contains("schema_version")) {
    problems.push_back(std::string(source) + ": missing 'schema_version' (this nsperf writes " +
                       std::to_string(kConfigSchemaVersion) + ")");
  } else if (const auto& v = doc["schema_version"]; !v.is_number_integer()) {
    problems.push_back(std::string(source) + ": 'schema_version' must be an integer, got " +
                       describe(v));
  } else if (v.get<std::int64_t>() > kConfigSchemaVersion) {
    problems.push_back(std::string(source) + ": 'schema_version' is " + v.dump() +
                       ", written by a newer nsperf; this one reads " +
                       std::to_string(kConfigSchemaVersion));
  } else if (v.get<std::int64_t>() < 1) {
    problems.push_back(std::string(source) + ": 'schema_version' must be at least 1, got " +
                       v.dump());
  }
  json renamed = doc;
  (void)rename_old_keys(renamed, source);
  walk(Schema{}, renamed, "", source, problems);
  return problems;
}

Config resolve_config(const nlohmann::json& given, std::string_view source,
                      std::span<const Override> given_overrides) {
  const Schema schema;
  // Old key names load as the new ones, each with a note.
  json doc = given;
  std::vector<std::string> renamed = rename_old_keys(doc, source);
  std::vector<Override> overrides(given_overrides.begin(), given_overrides.end());
  for (auto& o : overrides) {
    if (const auto new_key = new_key_name(o.key); !new_key.empty()) {
      renamed.push_back(o.origin + ": " + key_name(o.key) + " is now " + key_name(new_key) +
                        " (read as such)");
      o.key = std::string(new_key);
    }
  }
  std::vector<std::string> problems;
  if (!doc.is_null()) problems = validate_config(doc, source);
  for (const auto& o : overrides) {
    const KeyInfo* k = schema.leaf(o.key);
    if (k == nullptr) {
      std::vector<std::string> all;
      for (const auto& key : schema.keys) all.push_back(key.key);
      problems.push_back(o.origin + ": " + unknown_name_message("key", o.key, all));
    } else if (auto p = check_value(*k, o.value); !p.empty()) {
      problems.push_back(o.origin + ": " + key_name(o.key) + " " + p);
    }
  }
  if (!problems.empty()) throw ConfigError(problems);

  // Where each value came from, for messages about combinations of keys.
  std::map<std::string, std::string, std::less<>> origin;
  Level level = Level::balanced;
  if (!doc.is_null() && doc.contains("optimization_level")) {
    level = *parse_level(doc["optimization_level"].get<std::string>());
  }
  for (const auto& o : overrides) {
    if (o.key == "optimization_level") level = *parse_level(o.value.get<std::string>());
  }

  json effective = json::object();
  for (const auto& k : schema.keys) {
    json value = k.default_value;
    if (k.type == KeyType::string_list) {
      const auto opt = k.key.substr(
          std::string("optimizers.").size(),
          k.key.size() - std::string("optimizers.").size() - std::string(".strategies").size());
      value = preset_strategies(opt, level);
    }
    effective[pointer_of(k.key)] = value;
    origin[k.key] = "default";
  }
  if (!doc.is_null()) {
    for_each_leaf(schema, doc, "", [&](const std::string& key, const json& value) {
      effective[pointer_of(key)] = value;
      origin[key] = std::string(source);
    });
  }
  for (const auto& o : overrides) {
    effective[pointer_of(o.key)] = o.value;
    origin[o.key] = o.origin;
  }
  // The baseline always runs: every speedup is measured against it.
  for (const auto& opt : strategy_catalog().optimizers()) {
    auto& list = effective["optimizers"][opt]["strategies"];
    const std::string base = strategy_catalog().baseline(opt)->name;
    auto it = std::find(list.begin(), list.end(), base);
    if (it != list.end()) list.erase(it);
    list.insert(list.begin(), base);
  }

  Config cfg = Config::from_json(effective);
  cfg.notes = std::move(renamed);
  cfg.tile_is_default = origin["input.tile"] == "default";
  cfg.input_is_default =
      origin["input.image"] == "default" && origin["input.synthetic"] == "default";
  const auto& b = cfg.input;
  const Extent e = b.synthetic.extent;
  const bool synthetic = b.image.empty();
  // A file's size is known once its header is read (cli::resolve_on_root fits the tile then).
  if (synthetic && e.width > 0 && e.height > 0) fit_default_tile(cfg, e);
  if (!synthetic && b.skew > 0) {
    problems.push_back(origin["input.skew"] +
                       ": 'input.skew' applies to the synthetic "
                       "image only, not to 'input.image' " +
                       b.image);
  }
  if (synthetic && !b.raw.empty()) {
    problems.push_back(origin["input.raw"] +
                       ": 'input.raw' describes a file; set "
                       "'input.image' (--image FILE) too");
  }
  // A file's size is known once rank 0 has read its header (the plan checks the tile then).
  if (synthetic) {
    try {
      check_tile_side(b.tile, e, origin["input.tile"] + ": 'input.tile'");
    } catch (const InputError& error) {
      problems.push_back(std::string(error.what()) + " ('input.synthetic' from " +
                         origin["input.synthetic"] + ")");
    }
  }
  const double image_bytes = static_cast<double>(e.width) * static_cast<double>(e.height) *
                             static_cast<double>(dtype_size(b.synthetic.dtype));
  const auto memory = static_cast<double>(physical_memory_bytes());
  if (synthetic && memory > 0 && image_bytes > memory) {
    problems.push_back(origin["input.synthetic"] + ": 'input.synthetic' " + to_string(b.synthetic) +
                       " needs " + format_bytes(image_bytes) +
                       " on rank 0, more than this node's " + format_bytes(memory) + " of memory");
  }
  if (cfg.run.partition.partitioner != Partitioner::static_cyclic && cfg.run.partition.chunk != 1) {
    problems.push_back(origin["run.partition_chunk"] + ": 'run.partition_chunk' " +
                       std::to_string(cfg.run.partition.chunk) +
                       " applies to run.partitioner static-cyclic only, not to " +
                       std::string(to_string(cfg.run.partition.partitioner)));
  }
  if (cfg.run.compression == Compression::deflate && cfg.run.compression_level > 9) {
    problems.push_back(origin["run.compression_level"] + ": 'run.compression_level' " +
                       std::to_string(cfg.run.compression_level) +
                       " is not a deflate level; valid: 1..9, or 0 for the default");
  }
  if (!problems.empty()) throw ConfigError(problems);
  return cfg;
}

void fit_default_tile(Config& cfg, Extent image) {
  const std::int64_t side = std::min(image.width, image.height);
  if (!cfg.tile_is_default || side < 1 || cfg.input.tile <= side) return;
  cfg.notes.push_back("tile " + std::to_string(side) + ": the default, " +
                      std::to_string(cfg.input.tile) + ", is larger than the " +
                      std::to_string(image.width) + "x" + std::to_string(image.height) +
                      " image (--tile sets it)");
  cfg.input.tile = side;
  cfg.json["input"]["tile"] = side;
}

Config Config::from_json(const nlohmann::json& effective) {
  Config cfg;
  cfg.json = effective;
  cfg.schema_version = effective.at("schema_version").get<int>();
  cfg.level = *parse_level(effective.at("optimization_level").get<std::string>());
  const auto& in = effective.at("input");
  cfg.input.tile = in.at("tile").get<std::int64_t>();
  cfg.input.image = in.at("image").get<std::string>();
  cfg.input.raw = in.at("raw").get<std::string>();
  cfg.input.synthetic = parse_image_spec(in.at("synthetic").get<std::string>(), "input.synthetic");
  cfg.input.seed = in.at("seed").get<std::uint64_t>();
  cfg.input.skew = in.at("skew").get<int>();
  const auto& b = effective.at("benchmark");
  cfg.benchmark.repetitions = b.at("repetitions").get<int>();
  cfg.benchmark.warmup = b.at("warmup").get<int>();
  cfg.benchmark.slowdown_percent = b.at("slowdown_percent").get<int>();
  cfg.benchmark.output = b.at("output").get<std::string>();
  const auto& r = effective.at("run");
  cfg.run.output = r.at("output").get<std::string>();
  cfg.run.strategy = r.at("strategy").get<std::string>();
  // Checked against the key's choices before: a name parse_compression does not know is a bug.
  cfg.run.compression = parse_compression(r.at("compression").get<std::string>()).value();
  cfg.run.compression_level = r.at("compression_level").get<int>();
  cfg.run.partition = {parse_partitioner(r.at("partitioner").get<std::string>()).value(),
                       r.at("partition_chunk").get<std::int64_t>()};
  cfg.run.check = r.at("check").get<bool>();
  cfg.run.early_writeback = r.at("early_writeback").get<bool>();
  cfg.run.catalog = r.at("catalog").get<std::string>();
  if (effective.contains("optimizers")) {
    for (const auto& [name, o] : effective.at("optimizers").items()) {
      OptimizerConfig c{o.at("enabled").get<bool>(),
                        o.at("strategies").get<std::vector<std::string>>(), json::object()};
      for (const auto& k : declared_settings(name)) c.settings[k.key] = o.at(k.key);
      cfg.optimizers[name] = std::move(c);
    }
  }
  return cfg;
}

Override parse_assignment(std::string_view text, std::string_view origin) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    throw UsageError(std::string(origin) + ": expected key=value (e.g. input.tile=256), got '" +
                     std::string(text) + "'");
  }
  Override o{std::string(text.substr(0, eq)), nullptr,
             std::string(origin) + " " + std::string(text.substr(0, eq))};
  const std::string value(text.substr(eq + 1));
  o.value = json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (o.value.is_discarded()) o.value = value;
  const Schema schema;
  if (const KeyInfo* k = schema.leaf(o.key);
      k != nullptr && k->type == KeyType::string_list && o.value.is_string()) {
    json list = json::array();
    std::stringstream parts(value);
    for (std::string part; std::getline(parts, part, ',');) list.push_back(part);
    o.value = list;
  }
  // "1024" is a size list too, not a number.
  if (const KeyInfo* k = schema.leaf(o.key); k != nullptr && k->type == KeyType::byte_sizes)
    o.value = value;
  return o;
}

void set_key(nlohmann::json& doc, const Override& o) {
  // Member by member, not through a JSON pointer: a key may hold any character ('~' is an
  // escape in pointers), and a value on the way (input=3 before input.tile=5) is
  // reported instead of thrown as a JSON library error.
  json* at = &doc;
  std::string walked;
  std::stringstream parts{o.key};
  for (std::string part; std::getline(parts, part, '.');) {
    if (!at->is_null() && !at->is_object()) {
      throw ConfigError({o.origin + ": cannot set " + key_name(o.key) + ": " +
                         (walked.empty() ? "the config" : key_name(walked)) + " is " +
                         describe(*at) + ", not an object"});
    }
    walked += (walked.empty() ? "" : ".") + part;
    at = &(*at)[part];
  }
  *at = o.value;
}

void write_config_file(const std::filesystem::path& path, const nlohmann::json& doc) {
  const auto dir = folder_of(path);
  if (!std::filesystem::is_directory(dir)) {
    throw InputError("config file " + path.string() + ": folder " + dir.string() +
                     " does not exist");
  }
  std::optional<TemporaryFile> made;
  try {
    made.emplace(path);
  } catch (const IoError& e) {
    // A folder the user named that takes no new file is a problem of the input (exit 2).
    throw InputError("config file " + std::string(e.what()));
  }
  TemporaryFile& tmp = *made;
  const std::string text = doc.dump(2) + "\n";
  const int fd = ::open(tmp.path().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  bool ok = fd >= 0;
  std::size_t done = 0;
  while (ok && done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved = errno;
  if (fd >= 0) ok = (::close(fd) == 0) && ok;
  if (!ok) {
    throw IoError("config file " + path.string() + ": write failed (" + std::strerror(saved) + ")");
  }
  tmp.rename_to(path);
}

}  // namespace nsperf::core
