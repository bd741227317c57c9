#include "config_source.hpp"

#include <algorithm>

#include <boost/mpi/collectives.hpp>
#include <filesystem>
#include <iostream>

#include "nsperf/core/error.hpp"
#include "nsperf/io/image_reader.hpp"
#include "nsperf/mpi/phase.hpp"

namespace nsperf::cli {

std::optional<std::string> config_path(const std::optional<std::string>& explicit_path) {
  if (explicit_path) {
    if (!std::filesystem::exists(*explicit_path)) {
      throw InputError("--config " + *explicit_path + ": no such file");
    }
    return explicit_path;
  }
  if (std::filesystem::exists(core::kDefaultConfigFile))
    return std::string(core::kDefaultConfigFile);
  return std::nullopt;
}

std::string describe_config_sources(const std::optional<std::string>& explicit_path,
                                    const std::vector<core::Override>& overrides) {
  std::string text;
  if (explicit_path) {
    text = *explicit_path + " (--config)";
  } else if (std::filesystem::exists(core::kDefaultConfigFile)) {
    text = std::string(core::kDefaultConfigFile) +
           " (found in the current folder and read; --config names another file)";
  } else {
    text = "defaults";
  }
  if (overrides.empty()) return text;
  text += "; command line:";
  std::vector<std::string> shown;
  for (const auto& o : overrides) {
    const std::string value = o.value.is_string() ? o.value.get<std::string>() : o.value.dump();
    const bool set = o.origin.starts_with("--set");
    // An option that sets two keys (--synthetic clears input.image) is shown once, as given.
    if (!set && std::find(shown.begin(), shown.end(), o.origin) != shown.end()) continue;
    shown.push_back(o.origin);
    text += (shown.size() == 1 ? " " : ", ") +
            (set ? "--set " + o.key + "=" + value : o.origin + " " + value);
  }
  return text;
}

core::Config resolve(const std::optional<std::string>& path,
                     const std::vector<core::Override>& overrides) {
  const nlohmann::json doc = path ? core::read_config_file(*path) : nlohmann::json();
  return core::resolve_config(doc, path.value_or("defaults"), overrides);
}

core::Config resolve_on_root(const boost::mpi::communicator& comm,
                             const std::optional<std::string>& path,
                             const std::vector<core::Override>& overrides, bool fit_tile,
                             bool print_notes) {
  std::string effective;
  bool tile_is_default = false;
  bool input_is_default = false;
  mpi::run_phase(comm, "config", [&] {
    if (comm.rank() != 0) return;
    core::Config cfg = resolve(config_path(path), overrides);
    const auto& bench = cfg.input;
    tile_is_default = cfg.tile_is_default;
    input_is_default = cfg.input_is_default;
    if (fit_tile && cfg.tile_is_default && !bench.image.empty()) {
      try {
        const auto raw = bench.raw.empty()
                             ? std::nullopt
                             : std::optional(io::parse_raw_layout(bench.raw, "--raw"));
        core::fit_default_tile(
            cfg, io::open_image(io::parse_image_input(bench.image, raw))->info().extent);
      } catch (const Error&) {
        // A file that cannot be opened is reported where it is read, by the image phase, with
        // the message every command gives for it; until then the tile stays as configured.
      }
    }
    if (print_notes)
      for (const auto& note : cfg.notes) std::cout << "note: " << note << "\n";
    effective = cfg.json.dump();
  });
  boost::mpi::broadcast(comm, effective, 0);
  boost::mpi::broadcast(comm, tile_is_default, 0);
  boost::mpi::broadcast(comm, input_is_default, 0);
  auto cfg = core::Config::from_json(nlohmann::json::parse(effective));
  // Whether the tile and the input were set is not in the JSON: carried as rank 0 found it.
  cfg.tile_is_default = tile_is_default;
  cfg.input_is_default = input_is_default;
  return cfg;
}

}  // namespace nsperf::cli
