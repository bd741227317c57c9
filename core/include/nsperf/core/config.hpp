#pragma once
/// \file The optimization config: a versioned JSON file (optimization_config.json) laid over
/// defaults and the optimization_level preset, with command-line values laid over the file.
/// Validation reports every problem at once, each naming the file or option and the key.

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "nsperf/core/compression.hpp"
#include "nsperf/core/image.hpp"
#include "nsperf/core/strategy.hpp"
#include "nsperf/core/tile_plan.hpp"

namespace nsperf::core {

/// The config schema this build reads and writes.
inline constexpr int kConfigSchemaVersion = 1;
/// A top-level object `nsperf tune` writes into its config file to say what it measured: read
/// by people, passed over by every command (validation only checks it is an object).
inline constexpr std::string_view kTunedKey = "tuned";
/// Used when no --config is given and the file exists in the working directory.
inline constexpr std::string_view kDefaultConfigFile = "optimization_config.json";

/// The settings of one optimizer.
struct OptimizerConfig {
  bool enabled = true;
  std::vector<std::string> strategies;  ///< baseline first, always present
  /// The optimizer's own settings (declare_settings), by key without the section, validated.
  nlohmann::json settings = nlohmann::json::object();

  /// Setting `key` as T. Throws std::logic_error for a key the optimizer did not declare.
  template <class T>
  [[nodiscard]] T setting(std::string_view key) const {
    const auto it = settings.find(key);
    if (it == settings.end())
      throw std::logic_error("undeclared optimizer setting '" + std::string(key) + "'");
    return it->template get<T>();
  }
};

/// The effective configuration: defaults, then the level preset, then the file, then the
/// command line. Made by resolve_config (the defaults live in config_keys(), once).
struct Config {
  int schema_version = 0;
  Level level = Level::balanced;
  /// The image every command runs on, and how it is cut into tiles (input.*).
  struct Input {
    std::int64_t tile = 0;
    std::string image;  ///< input file (--image); empty: the synthetic image
    std::string raw;    ///< raw layout of `image` (--raw WxH:dtype[:le|be]); empty: by header
    ImageSpec synthetic;
    std::uint64_t seed = 0;  ///< of the synthetic image, and of the benchmark's strategy order
    int skew = 0;            ///< percent of the synthetic image, at the bottom, that is empty
  } input;
  /// `nsperf benchmark` (benchmark.*).
  struct Benchmark {
    int repetitions = 0;
    int warmup = 0;
    int slowdown_percent = 0;  ///< every measured run lengthened by this much (to test a gate)
    std::string output;
  } benchmark;
  /// `nsperf run`: the production job (run.*).
  struct Run {
    std::string output;
    std::string strategy;  ///< CPU strategy
    Compression compression = Compression::none;
    int compression_level = 0;    ///< 0: the library's default
    Partition partition;          ///< how the tiles are shared out among the ranks
    bool check = false;           ///< also run the reference and compare
    bool early_writeback = true;  ///< start writing the output to disk during the write
    std::string catalog;          ///< SQLite tile catalog to add the run to; "" = none
  } run;
  std::map<std::string, OptimizerConfig, std::less<>> optimizers;
  nlohmann::json json;  ///< the same, as the JSON document `config --show` prints

  /// optimizers.<optimizer>.<key>, a setting the optimizer declared (declare_settings).
  template <class T>
  [[nodiscard]] T setting(std::string_view optimizer, std::string_view key) const {
    const auto it = optimizers.find(optimizer);
    if (it == optimizers.end())
      throw std::logic_error("no optimizer '" + std::string(optimizer) + "' in the config");
    return it->second.setting<T>(key);
  }

  /// input.tile was set by neither the file nor the command line: it may shrink to fit a
  /// small image (fit_default_tile). Known where the config was resolved, not in `json`.
  bool tile_is_default = false;
  /// Neither input.image nor input.synthetic was set (by the file or the command line): the
  /// job would run on the default synthetic image, which `nsperf run` and `profile` refuse.
  bool input_is_default = false;
  /// What resolving changed that the user did not ask for, to print once (not in `json`).
  std::vector<std::string> notes;

  /// Rebuilds a Config from the effective JSON (as broadcast to other ranks).
  static Config from_json(const nlohmann::json& effective);
};

/// A value given on the command line: `key` dotted (input.tile), `origin` the option that
/// gave it ("--tile", "--set"), used in messages.
struct Override {
  std::string key;
  nlohmann::json value;
  std::string origin;
};

/// Value types of config keys.
/// byte_sizes: message sizes as core::parse_byte_sizes reads them ("8:4M", "1K,4M"), "" = none.
enum class KeyType : std::uint8_t {
  integer,
  boolean,
  string,
  choice,
  string_list,
  image_spec,
  byte_sizes
};

/// One documented config key.
struct KeyInfo {
  std::string key;
  KeyType type = KeyType::string;
  nlohmann::json default_value;
  std::int64_t min = 0;  ///< integer keys: inclusive range
  std::int64_t max = 0;
  std::vector<std::string> choices;  ///< choice keys and string_list items
  std::string description;
};

/// Every key this build knows, in document order; optimizer keys come from the strategy catalog
/// and from the settings each optimizer declares.
std::vector<KeyInfo> config_keys();

/// Declares optimizer `optimizer`'s own settings where it registers (NSPERF_OPTIMIZER_SETTINGS):
/// each KeyInfo's `key` is the name within optimizers.<optimizer>. Validation, defaults,
/// `config --keys` and OptimizerConfig::settings come from these declarations.
void declare_settings(std::string_view optimizer, std::vector<KeyInfo> settings);

/// The settings `optimizer` declared, in declaration order (keys within its section).
const std::vector<KeyInfo>& declared_settings(std::string_view optimizer);

/// The new name of a key that moved (input.tile → input.tile), or "" for any other key.
std::string_view new_key_name(std::string_view key) noexcept;

/// Moves the keys that have a new name (input.tile → input.tile, and the other input keys
/// that lived under benchmark.* before) to it in `doc`, and returns one note per key moved,
/// naming `source`, the old key and the new one. An old key whose new key is set too is left
/// where it is; validate_config reports it.
std::vector<std::string> rename_old_keys(nlohmann::json& doc, std::string_view source);

/// Reads and parses a config file. Throws InputError if it cannot be read, ConfigError if it is
/// not JSON (with line and column).
nlohmann::json read_config_file(const std::filesystem::path& path);

/// Problems in a config document, each prefixed with `source` (the file name). Empty if valid.
std::vector<std::string> validate_config(const nlohmann::json& doc, std::string_view source);

/// Validates `doc` (null when there is no file) and `overrides`, and resolves the effective
/// config. Throws ConfigError listing every problem.
Config resolve_config(const nlohmann::json& doc, std::string_view source,
                      std::span<const Override> overrides);

/// A default tile larger than the image's shorter side becomes that side, so that a small image
/// runs without --tile (an explicit tile is never changed: it is checked and refused). Updates
/// `cfg.input.tile` and `cfg.json`, and adds a note saying so.
void fit_default_tile(Config& cfg, Extent image);

/// Parses "key=value" (from --set): the value as JSON when it parses, else as a string; a
/// string-list key also takes "a,b,c". Throws UsageError without '='.
Override parse_assignment(std::string_view text, std::string_view origin);

/// Sets `o.key` to `o.value` in `doc`, creating the objects on the way.
void set_key(nlohmann::json& doc, const Override& o);

/// Writes `doc` to `path` atomically: a temporary file in the same folder, fsync, rename.
/// Throws InputError if the folder does not exist, IoError if writing fails.
void write_config_file(const std::filesystem::path& path, const nlohmann::json& doc);

}  // namespace nsperf::core

#define NSPERF_SETTINGS_CONCAT2(a, b) a##b
#define NSPERF_SETTINGS_CONCAT(a, b) NSPERF_SETTINGS_CONCAT2(a, b)
/// Declares an optimizer's settings in its own file, e.g.
///   NSPERF_OPTIMIZER_SETTINGS(distributed, {{"chunk", core::KeyType::integer, 2, 1, 1 << 20, {},
///                                           "Tiles per request of 'dynamic'."}});
#define NSPERF_OPTIMIZER_SETTINGS(optimizer, ...)                                          \
  namespace {                                                                              \
  const bool NSPERF_SETTINGS_CONCAT(nsperf_settings_, optimizer) =                         \
      (::nsperf::core::declare_settings(#optimizer,                                        \
                                        std::vector<::nsperf::core::KeyInfo> __VA_ARGS__), \
       true);                                                                              \
  }
