#include "nsperf/analysis/export.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <type_traits>
#include <variant>

#include "nsperf/core/error.hpp"
#include "nsperf/io/output_file.hpp"
#include "nsperf/metrics/metrics.hpp"

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

namespace {

// An output of nsperf run: its root attributes, /tiles and /ranks.
std::string output_exposition(const std::filesystem::path& path) {
  const auto attributes = io::read_output_attributes(path);
  metrics::Metrics m(metrics::labels_of(attributes));
  metrics::RunFigures f;
  const auto tiles = io::OutputReader(path).tiles();
  f.tiles = static_cast<std::int64_t>(core::attribute_number(attributes, "tiles_total"));
  if (f.tiles == 0) f.tiles = static_cast<std::int64_t>(tiles.size());
  f.tiles_done = static_cast<std::int64_t>(tiles.size());
  const bool complete = core::attribute_text(attributes, "status") != io::kStatusIncomplete;
  for (const auto& t : tiles)  // the gradient of every tile written, and its mask if complete
    f.written_bytes += t.rect.pixels() * (complete ? 5 : 4);
  for (const auto& r : io::read_output_stages(path))
    f.ranks.push_back(
        {r.rank, r.start_s, r.read_s, r.pipeline_s, r.check_s, r.write_s, r.bytes_read});
  std::error_code ec;
  f.file_bytes = static_cast<std::int64_t>(std::filesystem::file_size(path, ec));
  f.negative_space_fraction = core::attribute_number(attributes, "negative_space_fraction");
  f.threshold = static_cast<std::int64_t>(core::attribute_number(attributes, "threshold"));
  f.wall_s = core::attribute_number(attributes, "wall_s");
  m.run(f);
  return m.text();
}

}  // namespace

std::string prometheus_exposition(const std::filesystem::path& path, const std::string& run_id) {
  if (io::is_output_file(path)) return output_exposition(path);
  auto runs = io::list_runs(path);
  if (runs.empty()) throw InputError(path.string() + ": holds no run");
  if (!run_id.empty()) {
    if (std::find(runs.begin(), runs.end(), run_id) == runs.end())
      throw InputError(path.string() + ": no run '" + run_id + "'");
    runs = {run_id};
  }
  std::optional<metrics::Metrics> all;
  for (const auto& id : runs) {
    const auto attributes = io::read_run_attributes(path, id);
    auto labels = metrics::labels_of(attributes);
    auto m = all ? all->with_run(std::move(labels)) : metrics::Metrics(std::move(labels));
    m.benchmark(io::read_summary(path, id),
                core::attribute_number(attributes, "bandwidth_gbyte_per_s"));
    if (!all) all = m;
  }
  return all->text();
}

}  // namespace nsperf::analysis
