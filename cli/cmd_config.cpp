// nsperf config: show, change and validate the optimization config. Does not start MPI.
#include <iostream>
#include <optional>

#include "command.hpp"
#include "config_source.hpp"
#include "nsperf/core/config.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/text.hpp"

namespace nsperf::cli {
namespace {

const char* type_name(core::KeyType t) {
  switch (t) {
    case core::KeyType::integer:
      return "integer";
    case core::KeyType::boolean:
      return "boolean";
    case core::KeyType::string:
      return "string";
    case core::KeyType::choice:
      return "choice";
    case core::KeyType::string_list:
      return "list";
    case core::KeyType::image_spec:
      return "WxH[:dtype]";
    case core::KeyType::byte_sizes:
      return "sizes";
  }
  return "?";
}

// A table cell: '|' would end it.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

// The keys as the Markdown table docs/config.md holds (between its "generated" markers).
void print_keys_markdown(std::ostream& out) {
  out << "| key | type | default | meaning |\n|---|---|---|---|\n";
  for (const auto& k : core::config_keys()) {
    std::string type = type_name(k.type);
    if (k.type == core::KeyType::integer)
      type += " " + std::to_string(k.min) + ".." + std::to_string(k.max);
    if (!k.choices.empty()) type += " of: `" + core::join(k.choices, "`, `") + "`";
    const std::string value =
        k.default_value.is_null() ? "by `optimization_level`" : "`" + k.default_value.dump() + "`";
    out << "| `" << k.key << "` | " << cell(type) << " | " << cell(value) << " | "
        << cell(k.description) << " |\n";
  }
}

void print_keys(std::ostream& out) {
  for (const auto& k : core::config_keys()) {
    out << k.key << "  (" << type_name(k.type);
    if (k.type == core::KeyType::integer) out << ", " << k.min << ".." << k.max;
    if (!k.choices.empty()) out << " of: " << core::join(k.choices, ", ");
    out << "; default "
        << (k.default_value.is_null() ? "by optimization_level" : k.default_value.dump())
        << ")\n    " << k.description << "\n";
  }
}

int run(const CommandContext& ctx) {
  po::options_description options("Options");
  options.add_options()("show",
                        "print the effective config (defaults, level preset, file, --set) as JSON")(
      "set", po::value<std::vector<std::string>>()->value_name("KEY=VALUE")->composing(),
      "set a key in the config file (created if absent), written atomically; repeatable")(
      "validate", po::value<std::string>()->value_name("FILE"),
      "check FILE and report every problem")(
      "keys", po::value<std::string>()->value_name("[=FORMAT]")->implicit_value("text", ""),
      "list every key with its type, range, default and meaning (FORMAT: text, the default, or "
      "markdown: as the table in docs/config.md)")(
      "config,c", po::value<std::string>()->value_name("FILE"),
      "config file to show or change (default ./optimization_config.json)")("help,h", "this help");
  const auto vm = parse_options(ctx.args, options, nullptr, "config");
  const int actions = static_cast<int>(vm.count("show") + vm.count("set") + vm.count("validate") +
                                       vm.count("keys"));
  if (vm.count("help") || actions == 0) {
    auto& out = vm.count("help") ? std::cout : std::cerr;
    out << "usage: nsperf config --show | --set KEY=VALUE... | --validate FILE | --keys [--config "
           "FILE]\n\n"
           "The optimization config is a JSON file with a schema_version key; command-line "
           "options\n"
           "of other commands are laid over it. See docs/config.md.\n\n"
           "Examples:\n"
           "  nsperf config --set input.tile=256     (writes ./optimization_config.json)\n"
           "  nsperf config --show\n"
           "  nsperf config --validate optimization_config.json\n\n"
        << options;
    return vm.count("help") ? 0 : static_cast<int>(ExitCode::usage);
  }
  if (vm.count("validate")) {
    const std::string file = vm["validate"].as<std::string>();
    const auto doc = core::read_config_file(file);
    auto problems = core::validate_config(doc, file);
    // A valid file must also resolve: combinations (tile vs image) are checked there.
    if (problems.empty()) (void)core::resolve_config(doc, file, {});
    if (!problems.empty()) throw ConfigError(problems);
    auto renamed = doc;
    for (const auto& note : core::rename_old_keys(renamed, file))
      std::cout << "note: " << note << "\n";
    std::cout << file << ": valid (schema_version " << doc["schema_version"] << ")\n";
    return 0;
  }
  if (vm.count("keys")) {
    const std::string format = vm["keys"].as<std::string>();
    if (format == "markdown") {
      print_keys_markdown(std::cout);
    } else if (format == "text") {
      print_keys(std::cout);
    } else {
      throw UsageError("--keys=" + format + ": valid: text, markdown");
    }
    return 0;
  }
  const std::optional<std::string> explicit_path =
      vm.count("config") ? std::optional(vm["config"].as<std::string>()) : std::nullopt;
  if (vm.count("set")) {
    const std::string path = explicit_path.value_or(std::string(core::kDefaultConfigFile));
    nlohmann::json doc = std::filesystem::exists(path)
                             ? core::read_config_file(path)
                             : nlohmann::json{{"schema_version", core::kConfigSchemaVersion}};
    // Old key names are written under their new names.
    std::vector<std::string> notes = core::rename_old_keys(doc, path);
    for (const auto& text : vm["set"].as<std::vector<std::string>>()) {
      auto o = core::parse_assignment(text, "--set");
      if (const auto new_key = core::new_key_name(o.key); !new_key.empty()) {
        notes.push_back("--set " + o.key + ": '" + o.key + "' is now '" + std::string(new_key) +
                        "' (written as such)");
        o.key = std::string(new_key);
      }
      core::set_key(doc, o);
    }
    // Nothing is written unless the whole result is valid.
    if (auto problems = core::validate_config(doc, path); !problems.empty())
      throw ConfigError(problems);
    (void)core::resolve_config(doc, path, {});
    core::write_config_file(path, doc);
    for (const auto& note : notes) std::cout << "note: " << note << "\n";
    for (const auto& text : vm["set"].as<std::vector<std::string>>())
      std::cout << path << ": set " << text << "\n";
  }
  if (vm.count("show")) std::cout << resolve(config_path(explicit_path), {}).json.dump(2) << "\n";
  return 0;
}

}  // namespace
}  // namespace nsperf::cli

NSPERF_REGISTER_COMMAND(Config, "config",
                        "show, change (--set) or validate the optimization config",
                        /*uses_mpi=*/false, &nsperf::cli::run)
