// nsperf export results.h5: one table of a results file as CSV or JSON, for tools that do not
// read HDF5. The columns are the file's own (io::read_stored_table), so every table (and every
// column a newer schema adds) exports without a list here.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "command.hpp"
#include "nsperf/analysis/export.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/io/results_file.hpp"

namespace nsperf::cli {
namespace {

// `text` into --output's file, or to standard output.
int write_out(const po::variables_map& vm, const std::string& text) {
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (vm.count("output")) {
    file.open(vm["output"].as<std::string>());
    if (!file)
      throw InputError("--output " + vm["output"].as<std::string>() + ": cannot be written");
    out = &file;
  }
  *out << text;
  out->flush();
  if (!*out) throw IoError("export: writing the output failed");
  return 0;
}

int run(const CommandContext& ctx) {
  const auto& reporters = analysis::table_reporters();
  std::vector<std::string> tables(io::kRunTables.begin(), io::kRunTables.end());
  tables.insert(tables.end(), io::kOptionalRunTables.begin(), io::kOptionalRunTables.end());
  po::options_description options("Options");
  const std::string format_help =
      reporters.names() +
      ", or prometheus: every run's metrics in Prometheus's text format, as --metrics-push "
      "sends them (default csv)";
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
                 "\n       nsperf export FILE.h5 --format prometheus [--run ID] [-o FILE.prom]"
                 "\n\nOne table of a results file (its columns as stored, plus run_id) as CSV or"
                 "\nJSON, for tools that do not read HDF5. Schema: docs/results-schema.md.\n"
                 "\"Not measured\" is NaN (CSV nan, JSON null) whatever the file stored.\n"
                 "--format prometheus prints the metrics of every run of a results file (or of\n"
                 "--run ID), or of an output of nsperf run, in Prometheus's text format: the\n"
                 "figures of runs made elsewhere, for a Pushgateway or node_exporter's textfile\n"
                 "collector (docs/monitoring.md).\n\n"
                 "Examples:\n  nsperf export results.h5 --table repetitions -o repetitions.csv\n"
                 "  nsperf export results.h5 --format prometheus | curl --data-binary @- \\\n"
                 "      http://gateway:9091/metrics/job/nsperf/instance/$(hostname)\n\n"
              << options;
    return 0;
  }
  if (!vm.count("results")) throw UsageError("export needs a results file: nsperf export FILE");
  const bool prometheus = vm.count("format") && vm["format"].as<std::string>() == "prometheus";
  if (prometheus && vm.count("table"))
    throw UsageError("--table: --format prometheus exports a run's metrics, not one table");
  const analysis::Format format = prometheus ? analysis::Format{}
                                  : vm.count("format")
                                      ? reporters.parse(vm["format"].as<std::string>())
                                      : reporters.first();
  const std::string table = vm.count("table") ? vm["table"].as<std::string>() : "summary";
  if (std::find(tables.begin(), tables.end(), table) == tables.end())
    throw UsageError("--table " + table + ": valid: " + core::join(tables));
  const std::string path = vm["results"].as<std::string>();
  if (vm.count("output"))
    check_output_file(vm["output"].as<std::string>(), {path}, vm.count("force") > 0,
                      /*renamed=*/false, "--output");
  io::silence_hdf5_errors();
  // Made whole first, so that a failure writes nothing.
  std::ostringstream body;
  if (prometheus) {
    body << analysis::prometheus_exposition(path,
                                            vm.count("run") ? vm["run"].as<std::string>() : "");
    return write_out(vm, body.str());
  }
  const auto runs = io::list_runs(path);
  if (runs.empty()) throw InputError(path + ": holds no run");
  const std::string run_id =
      vm.count("run") ? vm["run"].as<std::string>() : *std::max_element(runs.begin(), runs.end());
  if (std::find(runs.begin(), runs.end(), run_id) == runs.end())
    throw InputError(path + ": no run '" + run_id + "' (runs: " + core::join(runs) + ")");
  analysis::ExportedTable exported{run_id, io::read_stored_table(path, run_id, table)};
  io::not_measured_as_nan(exported.table);
  reporters.write(body, exported, format);
  return write_out(vm, body.str());
}

}  // namespace
}  // namespace nsperf::cli

NSPERF_REGISTER_COMMAND(Export, "export",
                        "one table of a results file as CSV or JSON, or its runs' metrics for "
                        "Prometheus",
                        /*uses_mpi=*/false, &nsperf::cli::run)
