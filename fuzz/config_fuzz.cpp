// Fuzz target: the optimization config (core/config.cpp) as `nsperf config --validate FILE`,
// `nsperf config --set K=V` and every MPI command read it.
//
// Input: the config file's text, optionally followed by a line "#set" and then one
// `--set key=value` per line.
//
//   {"schema_version": 1, "benchmark": {"tile": 256}}
//   #set
//   benchmark.repetitions=3
//
// Checked: read_config_file, validate_config, parse_assignment, resolve_config with the
// overrides (the MPI commands), set_key then validate and resolve (config --set), and that a
// resolved config rebuilds from its own JSON as other ranks do (Config::from_json). ConfigError,
// UsageError and InputError are clean rejections; any other exception or a crash is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.hpp"
#include "nsperf/core/config.hpp"

namespace core = nsperf::core;

namespace {

constexpr std::string_view kSetMarker = "\n#set\n";

// The effective config of one rank must rebuild on every other from its JSON text; a failure
// here is a bug whatever it throws.
void check_round_trip(const core::Config& cfg) {
  try {
    const auto again = core::Config::from_json(nlohmann::json::parse(cfg.json.dump()));
    if (again.json != cfg.json) {
      std::fprintf(stderr, "fuzz: Config::from_json changed the effective config\n");
      std::abort();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: a resolved config does not rebuild from its JSON: %s\n", e.what());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const auto marker = all.find(kSetMarker);
  const std::string_view text = all.substr(0, marker);
  std::vector<std::string_view> lines;
  if (marker != std::string_view::npos) {
    std::string_view rest = all.substr(marker + kSetMarker.size());
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      lines.push_back(rest.substr(0, nl));
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
  }
  const auto path = nsperf::fuzz::write_input(
      "config.json", {reinterpret_cast<const std::byte*>(text.data()), text.size()});

  nlohmann::json doc;
  bool have_doc = false;
  nsperf::fuzz::expect_clean([&] {
    doc = core::read_config_file(path);
    have_doc = true;
  });
  std::vector<core::Override> overrides;
  for (const auto line : lines) {
    nsperf::fuzz::expect_clean([&] { overrides.push_back(core::parse_assignment(line, "--set")); });
  }

  // config --validate FILE
  if (have_doc) {
    nsperf::fuzz::expect_clean([&] {
      if (core::validate_config(doc, path.string()).empty())
        check_round_trip(core::resolve_config(doc, path.string(), {}));
    });
  }
  // benchmark/run/profile: the file (or none) with --set and the options laid over it
  nsperf::fuzz::expect_clean([&] {
    check_round_trip(
        core::resolve_config(have_doc ? doc : nlohmann::json(), path.string(), overrides));
  });
  // config --set K=V: the values written into the document, which must then validate
  if (!overrides.empty()) {
    nsperf::fuzz::expect_clean([&] {
      nlohmann::json edited =
          have_doc ? doc : nlohmann::json{{"schema_version", core::kConfigSchemaVersion}};
      for (const auto& o : overrides) core::set_key(edited, o);
      if (core::validate_config(edited, path.string()).empty())
        check_round_trip(core::resolve_config(edited, path.string(), {}));
    });
  }
  return 0;
}
