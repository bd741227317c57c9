#include "command.hpp"

#include "nsperf/core/error.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/io/image_reader.hpp"
#include "nsperf/mpi/results_writer.hpp"

namespace nsperf::cli {

core::Registry<CommandEntry>& commands() {
  static core::Registry<CommandEntry> registry;
  return registry;
}

void after_finalize(std::function<void(double)> report) {
  detail::finalize_report() = std::move(report);
}

namespace detail {
std::function<void(double)>& finalize_report() {
  static std::function<void(double)> report;
  return report;
}

bool register_command(CommandEntry entry) {
  commands().add(std::move(entry));
  return true;
}
}  // namespace detail

po::options_description with_positionals(const po::options_description& visible,
                                         std::initializer_list<Positional> positionals,
                                         po::positional_options_description& positional) {
  po::options_description hidden;
  for (const auto& p : positionals) {
    if (p.count == 1)
      hidden.add_options()(p.name, po::value<std::string>());
    else
      hidden.add_options()(p.name, po::value<std::vector<std::string>>());
    positional.add(p.name, p.count);
  }
  po::options_description all;
  all.add(visible).add(hidden);
  return all;
}

po::variables_map parse_options(const std::vector<std::string>& args,
                                const po::options_description& options,
                                const po::positional_options_description* positional,
                                const std::string& command) {
  const std::string help = " (see 'nsperf " + command + " --help')";
  po::variables_map vm;
  try {
    po::command_line_parser parser(args);
    parser.options(options).style(po::command_line_style::default_style &
                                  ~po::command_line_style::allow_guessing);
    if (positional != nullptr) parser.positional(*positional);
    po::store(parser.run(), vm);
    po::notify(vm);
  } catch (const po::unknown_option& e) {
    // The options --help lists: positional arguments (with_positionals) are no options.
    std::vector<std::string> names;
    for (const auto& o : options.options()) {
      bool is_positional = false;
      for (unsigned i = 0; positional != nullptr && i < positional->max_total_count() && i < 8; ++i)
        is_positional = is_positional || positional->name_for_position(i) == o->long_name();
      if (!is_positional) names.push_back("--" + o->long_name());
    }
    throw UsageError(core::unknown_name_message("option", e.get_option_name(), names) + help);
  } catch (const po::too_many_positional_options_error&) {
    throw UsageError("too many arguments" + help);
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + help);
  }
  return vm;
}

std::optional<std::size_t> top_option(const po::variables_map& vm) {
  if (vm.count("top") == 0) return std::nullopt;
  const auto top = vm["top"].as<std::int64_t>();
  if (top < 1) throw UsageError("--top " + std::to_string(top) + ": must be at least 1");
  return static_cast<std::size_t>(top);
}

void check_output_file(const std::filesystem::path& output,
                       const std::vector<std::filesystem::path>& inputs, bool replace, bool renamed,
                       const std::string& option) {
  const std::string name = option + " " + output.string();
  for (const auto& input : inputs) {
    if (mpi::same_file(input, output)) throw UsageError(name + ": is one of the input files");
  }
  if (std::filesystem::is_directory(output)) throw InputError(name + ": is a folder");
  if (renamed) mpi::check_replaceable(output, name);
  if (std::filesystem::exists(output) && !replace)
    throw InputError(name + ": exists (--force replaces it)");
  mpi::check_new_file(output, name);
}

std::vector<mpi::InputFile> job_inputs(const core::Config& cfg) {
  std::vector<mpi::InputFile> inputs;
  if (!cfg.input.image.empty()) {
    // The layout does not matter here, only which file: a raw input parses as its whole name.
    const auto input = io::parse_image_input(cfg.input.image, std::nullopt);
    inputs.push_back({input.path, "--image " + cfg.input.image});
  }
  if (!cfg.run.catalog.empty()) inputs.push_back({cfg.run.catalog, "--catalog " + cfg.run.catalog});
  return inputs;
}

}  // namespace nsperf::cli
