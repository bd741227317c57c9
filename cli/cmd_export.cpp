// nsperf export results.h5: one table of a results file as CSV or JSON, for tools that do not
// read HDF5. The columns are the file's own (io::read_stored_table), so every table (and every
// column a newer schema adds) exports without a list here.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <variant>

#include "command.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/io/results_file.hpp"

namespace nsperf::cli {
namespace {

using Value = io::StoredTable::Value;
using Table = io::StoredTable;

std::string csv_field(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) {
    if (s->find_first_of(",\"\n") == std::string::npos) return *s;
    std::string quoted = "\"";
    for (char c : *s) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
  }
  if (const auto* d = std::get_if<double>(&v)) {
    if (!std::isfinite(*d)) return std::isnan(*d) ? "nan" : (*d > 0 ? "inf" : "-inf");
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", *d);
    return text;
  }
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  return std::to_string(std::get<std::uint64_t>(v));
}

void write_csv(std::ostream& out, const std::string& run, const Table& t) {
  out << "run_id";
  for (const auto& c : t.columns) out << "," << c;
  out << "\n";
  for (const auto& row : t.rows) {
    out << run;
    for (const auto& v : row) out << "," << csv_field(v);
    out << "\n";
  }
}

void write_json(std::ostream& out, const std::string& run, const Table& t) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : t.rows) {
    nlohmann::json j = {{"run_id", run}};
    for (std::size_t i = 0; i < row.size(); ++i) {
      std::visit(
          [&](const auto& v) {
            using V = std::decay_t<decltype(v)>;
            // JSON has no NaN or infinity: null.
            if constexpr (std::is_same_v<V, double>) {
              j[t.columns[i]] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
            } else {
              j[t.columns[i]] = v;
            }
          },
          row[i]);
    }
    rows.push_back(std::move(j));
  }
  out << rows.dump(1) << "\n";
}

int run(const CommandContext& ctx) {
  const std::vector<std::string> tables(io::kRunTables.begin(), io::kRunTables.end());
  po::options_description options("Options");
  options.add_options()("results", po::value<std::string>()->value_name("FILE"), "results file")(
      "format", po::value<std::string>()->value_name("F")->default_value("csv"), "csv or json")(
      "table", po::value<std::string>()->value_name("T")->default_value("summary"),
      core::join(tables).c_str())("run", po::value<std::string>()->value_name("ID"),
                                                "run to export (default: the newest)")(
      "output,o", po::value<std::string>()->value_name("FILE"), "write here instead of stdout")(
      "force", "replace the output file if it exists")("help,h", "this help");
  po::positional_options_description positional;
  positional.add("results", 1);
  const auto vm = parse_options(ctx.args, options, &positional, "export");
  if (vm.count("help")) {
    std::cout << "usage: nsperf export results.h5 [--table summary] [--format csv|json] [-o FILE]"
                 "\n\nOne table of a results file (its columns as stored, plus run_id) as CSV or"
                 "\nJSON, for tools that do not read HDF5. Schema: docs/results-schema.md.\n\n"
              << options;
    return 0;
  }
  if (!vm.count("results")) throw UsageError("export needs a results file: nsperf export FILE");
  const std::string format = vm["format"].as<std::string>();
  if (format != "csv" && format != "json")
    throw UsageError("--format " + format + ": valid: csv, json");
  const std::string table = vm["table"].as<std::string>();
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
  const Table t = io::read_stored_table(path, run_id, table);
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (vm.count("output")) {
    file.open(vm["output"].as<std::string>());
    if (!file)
      throw InputError("--output " + vm["output"].as<std::string>() + ": cannot be written");
    out = &file;
  }
  if (format == "csv")
    write_csv(*out, run_id, t);
  else
    write_json(*out, run_id, t);
  out->flush();
  if (!*out) throw IoError("export: writing the output failed");
  return 0;
}

}  // namespace
}  // namespace nsperf::cli

NSPERF_REGISTER_COMMAND(Export, "export", "one table of a results file as CSV or JSON",
                        /*uses_mpi=*/false, &nsperf::cli::run)
