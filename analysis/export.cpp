#include "nsperf/analysis/export.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>
#include <type_traits>
#include <variant>

namespace nsperf::analysis {
namespace {

using Value = io::StoredTable::Value;

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

void write_table_csv(std::ostream& out, const ExportedTable& exported) {
  const std::string& run = exported.run_id;
  const io::StoredTable& t = exported.table;
  out << "run_id";
  for (const auto& c : t.columns) out << "," << c;
  out << "\n";
  for (const auto& row : t.rows) {
    out << run;
    for (const auto& v : row) out << "," << csv_field(v);
    out << "\n";
  }
}

void write_table_json(std::ostream& out, const ExportedTable& exported) {
  const std::string& run = exported.run_id;
  const io::StoredTable& t = exported.table;
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

}  // namespace

const Reporters<ExportedTable>& table_reporters() {
  static const Reporters<ExportedTable> reporters = Reporters<ExportedTable>()
                                                        .add(Format::csv, write_table_csv)
                                                        .add(Format::json, write_table_json);
  return reporters;
}

}  // namespace nsperf::analysis
