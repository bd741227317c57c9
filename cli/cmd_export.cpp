// nsperf export results.h5: one table of a results file as CSV or JSON, for tools that do not
// read HDF5. The columns are the file's own (io::read_stored_table), so every table (and every
// column a newer schema adds) exports without a list here.
#include <algorithm>
#include <fstream>
#include <iostream>

#include "command.hpp"
#include "nsperf/analysis/export.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/io/results_file.hpp"

namespace nsperf::cli {
namespace {

int run(const CommandContext& ctx) {
  const auto& reporters = analysis::table_reporters();
  std::vector<std::string> tables(io::kRunTables.begin(), io::kRunTables.end());
  tables.insert(tables.end(), io::kOptionalRunTables.begin(), io::kOptionalRunTables.end());
  po::options_description options("Options");
  const std::string format_help = reporters.names() + " (default csv)";
  const std::string table_help = core::join(tables) + " (default summary)";
  options.add_options()("format", po::value<std::string>()->value_name("F"), format_help.c_str())(
      "table", po::value<std::string>()->value_name("T"), table_help.c_str())(
      "run", po::value<std::string>()->value_name("ID"), "run to export (default: the newest)")(
      "output,o", po::value<std::string>()->value_name("FILE"), "write here instead of stdout")(
      "force", "replace the output file if it exists")("help,h", "this help");
  po::positional_options_description positional;
  const auto all = with_positionals(options, {{"results", 1}}, positional);
  const auto vm = parse_options(ctx.args, all, &positional, "export");
  if (vm.count("help")) {
    std::cout << "usage: nsperf export results.h5 [--table summary] [--format csv|json] [-o FILE]"
                 "\n\nOne table of a results file (its columns as stored, plus run_id) as CSV or"
                 "\nJSON, for tools that do not read HDF5. Schema: docs/results-schema.md.\n"
                 "\"Not measured\" is NaN (CSV nan, JSON null) whatever the file stored.\n\n"
                 "Example:\n  nsperf export results.h5 --table repetitions -o repetitions.csv\n\n"
              << options;
    return 0;
  }
  if (!vm.count("results")) throw UsageError("export needs a results file: nsperf export FILE");
  const analysis::Format format =
      vm.count("format") ? reporters.parse(vm["format"].as<std::string>()) : reporters.first();
  const std::string table = vm.count("table") ? vm["table"].as<std::string>() : "summary";
  if (std::find(tables.begin(), tables.end(), table) == tables.end())
    throw UsageError("--table " + table + ": valid: " + core::join(tables));
  const std::string path = vm["results"].as<std::string>();
  if (vm.count("output"))
    check_output_file(vm["output"].as<std::string>(), {path}, vm.count("force") > 0,
                      /*renamed=*/false, "--output");
  io::silence_hdf5_errors();
  const auto runs = io::list_runs(path);
  if (runs.empty()) throw InputError(path + ": holds no run");
  const std::string run_id =
      vm.count("run") ? vm["run"].as<std::string>() : *std::max_element(runs.begin(), runs.end());
  if (std::find(runs.begin(), runs.end(), run_id) == runs.end())
    throw InputError(path + ": no run '" + run_id + "' (runs: " + core::join(runs) + ")");
  analysis::ExportedTable exported{run_id, io::read_stored_table(path, run_id, table)};
  io::not_measured_as_nan(exported.table);
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (vm.count("output")) {
    file.open(vm["output"].as<std::string>());
    if (!file)
      throw InputError("--output " + vm["output"].as<std::string>() + ": cannot be written");
    out = &file;
  }
  reporters.write(*out, exported, format);
  out->flush();
  if (!*out) throw IoError("export: writing the output failed");
  return 0;
}

}  // namespace
}  // namespace nsperf::cli

NSPERF_REGISTER_COMMAND(Export, "export", "one table of a results file as CSV or JSON",
                        /*uses_mpi=*/false, &nsperf::cli::run)
