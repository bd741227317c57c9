// nsperf export results.h5: one table of a results file as CSV or JSON, for tools that do not
// read HDF5. The columns are read from the file's own compound type, so every table (and every
// column a newer schema adds) exports without a list here.
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <variant>

#include "command.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/io/hdf5.hpp"
#include "nsperf/io/results_file.hpp"

namespace nsperf::cli {
namespace {

const std::vector<std::string> kTables = {"samples", "tiles", "repetitions", "summary"};

using Value = std::variant<std::int64_t, std::uint64_t, double, std::string>;

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
};

// Every row of compound dataset `name` of `run`, decoded member by member from the file's type.
Table read_table(const std::string& path, const std::string& run, const std::string& name) {
  const io::Handle file = io::open_for_reading(path);
  const std::string dataset_name = "runs/" + run + "/" + name;
  if (H5Lexists(file.get(), dataset_name.c_str(), H5P_DEFAULT) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError(path + ": run '" + run + "' has no table '" + name + "'");
  }
  const io::Handle dataset(
      io::check(H5Dopen2(file.get(), dataset_name.c_str(), H5P_DEFAULT), "H5Dopen2"), H5Dclose);
  const io::Handle file_type(io::check(H5Dget_type(dataset.get()), "H5Dget_type"), H5Tclose);
  if (H5Tget_class(file_type.get()) != H5T_COMPOUND)
    throw InputError(path + ": " + dataset_name + " is not a table");
  const io::Handle type(
      io::check(H5Tget_native_type(file_type.get(), H5T_DIR_ASCEND), "H5Tget_native_type"),
      H5Tclose);
  const io::Handle space(io::check(H5Dget_space(dataset.get()), "H5Dget_space"), H5Sclose);
  const auto count = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get()));
  const std::size_t row_size = H5Tget_size(type.get());
  std::vector<unsigned char> buffer(std::max<std::size_t>(1, count * row_size));
  io::check_status(H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()),
                   "H5Dread");
  Table t;
  const int members = H5Tget_nmembers(type.get());
  struct Member {
    std::size_t offset;
    H5T_class_t kind;
    std::size_t size;
    bool is_signed;
  };
  std::vector<Member> layout;
  for (int m = 0; m < members; ++m) {
    char* name_c = H5Tget_member_name(type.get(), static_cast<unsigned>(m));
    t.columns.emplace_back(name_c);
    H5free_memory(name_c);
    const io::Handle member(H5Tget_member_type(type.get(), static_cast<unsigned>(m)), H5Tclose);
    layout.push_back({H5Tget_member_offset(type.get(), static_cast<unsigned>(m)),
                      H5Tget_class(member.get()), H5Tget_size(member.get()),
                      H5Tget_sign(member.get()) == H5T_SGN_2});
  }
  for (std::size_t r = 0; r < count; ++r) {
    const unsigned char* row = buffer.data() + r * row_size;
    std::vector<Value> values;
    for (const auto& m : layout) {
      const unsigned char* at = row + m.offset;
      if (m.kind == H5T_STRING) {
        values.emplace_back(std::string(reinterpret_cast<const char*>(at),
                                        strnlen(reinterpret_cast<const char*>(at), m.size)));
      } else if (m.kind == H5T_FLOAT && m.size == sizeof(double)) {
        double v;
        std::memcpy(&v, at, sizeof v);
        values.emplace_back(v);
      } else if (m.kind == H5T_FLOAT && m.size == sizeof(float)) {
        float v;
        std::memcpy(&v, at, sizeof v);
        values.emplace_back(static_cast<double>(v));
      } else if (m.kind == H5T_INTEGER && m.size <= 8) {
        std::uint64_t raw = 0;
        std::memcpy(&raw, at, m.size);
        if (m.is_signed) {
          // Sign-extend from the member's width.
          const int shift = 64 - static_cast<int>(8 * m.size);
          values.emplace_back(static_cast<std::int64_t>(raw << shift) >> shift);
        } else {
          values.emplace_back(raw);
        }
      } else {
        values.emplace_back(std::string("?"));
      }
    }
    t.rows.push_back(std::move(values));
  }
  return t;
}

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
  po::options_description options("Options");
  options.add_options()("results", po::value<std::string>()->value_name("FILE"), "results file")(
      "format", po::value<std::string>()->value_name("F")->default_value("csv"), "csv or json")(
      "table", po::value<std::string>()->value_name("T")->default_value("summary"),
      "samples, tiles, repetitions or summary")("run", po::value<std::string>()->value_name("ID"),
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
  if (std::find(kTables.begin(), kTables.end(), table) == kTables.end())
    throw UsageError("--table " + table + ": valid: " + core::join(kTables));
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
  const Table t = read_table(path, run_id, table);
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
