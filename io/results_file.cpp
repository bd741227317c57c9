#include "nsperf/io/results_file.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <numeric>
#include <optional>
#include <variant>

#include "fixed_text.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/core/version.hpp"
#include "region_table.hpp"

namespace nsperf::io {
namespace {

// ---- rows as stored ------------------------------------------------------------------------
// Fixed-width strings: HDF5 cannot write variable-length data collectively, and registry names
// are at most core::kMaxRegisteredName characters.
using Name = char[32];
using Status = char[12];
using DTypeName = char[4];

struct SampleRow {
  Name optimizer;
  Name strategy;
  Name kernel;
  std::int64_t width;
  std::int64_t height;
  DTypeName dtype;
  std::int32_t rank;
  std::int32_t repetition;
  std::int64_t tiles;
  double seconds;
  double start_s;
  double end_s;
  std::int64_t bytes;
  std::int64_t pixels;
  std::int64_t peak_rss_bytes;
  std::uint64_t checksum;
  Status check_status;
  double max_abs_error;
  double tolerance;
  std::int64_t differing_pixels;
  std::int64_t rss_increase_bytes;
  std::int64_t held_bytes;
  std::int64_t allocations;
  std::int64_t queue_bytes;
  double busy_s;
  double idle_s;
  double transfer_s;
  double io_s;
  std::int64_t wire_bytes;
};

struct TileRow {
  std::int64_t tile_id;
  std::int32_t rank;
  std::int64_t x;
  std::int64_t y;
  std::int64_t width;
  std::int64_t height;
  std::int64_t halo;
  Name optimizer;
  Name strategy;
  Name kernel;
  double compute_s;
  double transfer_s;
  double io_s;
  std::int64_t raw_bytes;
  std::uint64_t checksum;
  Status check_status;
  double max_abs_error;
  double tolerance;
  std::int64_t differing_pixels;
  double negative_space_fraction;
};

struct RepetitionRow {
  Name optimizer;
  Name strategy;
  Name kernel;
  std::int64_t width;
  std::int64_t height;
  DTypeName dtype;
  std::int32_t repetition;
  double makespan_s;
  double start_s;
  double end_s;
  std::int32_t slowest_rank;
  std::int8_t outlier;
  double speedup;
  double imbalance;
};

struct SummaryRowStored {
  Name optimizer;
  Name strategy;
  Name kernel;
  std::int64_t width;
  std::int64_t height;
  DTypeName dtype;
  std::int32_t ranks;
  std::int64_t repetitions;
  std::int64_t pixels;
  std::int64_t bytes;
  double median_s;
  double mad_s;
  double mean_s;
  double stddev_s;
  double min_s;
  double max_s;
  double ci_low_s;
  double ci_high_s;
  double ci_level;
  std::int32_t outliers;
  double speedup;
  double speedup_ci_low;
  double speedup_ci_high;
  double speedup_ci_level;
  double mpixel_per_s;
  double gbyte_per_s;
  double bandwidth_fraction;
  Status check_status;
  double max_abs_error;
  double tolerance;
  std::int64_t differing_pixels;
  std::int64_t rss_increase_bytes;
  std::int64_t held_bytes;
  std::int64_t allocations;
  std::int64_t queue_bytes;
  double imbalance;
  std::int64_t wire_bytes;
  double busy_s;
  double idle_s;
  double transfer_s;
  double io_s;
};

using detail::text_of;

template <std::size_t N>
void copy_name(char (&dst)[N], std::string_view src) {
  detail::copy_text(dst, src);
}

SampleRow to_row(const core::Sample& s) {
  SampleRow r{};
  copy_name(r.optimizer, s.optimizer);
  copy_name(r.strategy, s.strategy);
  copy_name(r.kernel, s.kernel);
  r.width = s.image.extent.width;
  r.height = s.image.extent.height;
  copy_name(r.dtype, core::to_string(s.image.dtype));
  r.rank = s.rank;
  r.repetition = s.repetition;
  r.tiles = s.tiles;
  r.seconds = s.seconds;
  r.start_s = s.start_s;
  r.end_s = s.end_s;
  r.bytes = s.bytes;
  r.pixels = s.pixels;
  r.peak_rss_bytes = s.peak_rss_bytes;
  r.checksum = s.checksum;
  copy_name(r.check_status, core::to_string(s.check));
  r.max_abs_error = s.max_abs_error;
  r.tolerance = s.tolerance;
  r.differing_pixels = s.differing;
  r.rss_increase_bytes = s.rss_increase_bytes;
  r.held_bytes = s.held_bytes;
  r.allocations = s.allocations;
  r.queue_bytes = s.queue_bytes;
  r.busy_s = s.busy_s;
  r.idle_s = s.idle_s;
  r.transfer_s = s.transfer_s;
  r.io_s = s.io_s;
  r.wire_bytes = s.wire_bytes;
  return r;
}

TileRow to_row(const core::TileResult& t) {
  TileRow r{};
  r.tile_id = t.tile_id;
  r.rank = t.rank;
  r.x = t.rect.x;
  r.y = t.rect.y;
  r.width = t.rect.width;
  r.height = t.rect.height;
  r.halo = t.halo;
  copy_name(r.optimizer, t.optimizer);
  copy_name(r.strategy, t.strategy);
  copy_name(r.kernel, t.kernel);
  r.compute_s = t.compute_s;
  r.transfer_s = t.transfer_s;
  r.io_s = t.io_s;
  r.raw_bytes = t.raw_bytes;
  r.checksum = t.checksum;
  copy_name(r.check_status, core::to_string(t.check));
  r.max_abs_error = t.max_abs_error;
  r.tolerance = t.tolerance;
  r.differing_pixels = t.differing;
  r.negative_space_fraction = t.negative_space;
  return r;
}

RepetitionRow to_row(const core::Repetition& p) {
  RepetitionRow r{};
  copy_name(r.optimizer, p.optimizer);
  copy_name(r.strategy, p.strategy);
  copy_name(r.kernel, p.kernel);
  r.width = p.image.extent.width;
  r.height = p.image.extent.height;
  copy_name(r.dtype, core::to_string(p.image.dtype));
  r.repetition = p.repetition;
  r.makespan_s = p.makespan_s;
  r.start_s = p.start_s;
  r.end_s = p.end_s;
  r.slowest_rank = p.slowest_rank;
  r.outlier = p.outlier ? 1 : 0;
  r.speedup = p.speedup;
  r.imbalance = p.imbalance;
  return r;
}

SummaryRowStored to_row(const core::SummaryRow& s) {
  SummaryRowStored r{};
  copy_name(r.optimizer, s.optimizer);
  copy_name(r.strategy, s.strategy);
  copy_name(r.kernel, s.kernel);
  r.width = s.image.extent.width;
  r.height = s.image.extent.height;
  copy_name(r.dtype, core::to_string(s.image.dtype));
  r.ranks = s.ranks;
  r.repetitions = static_cast<std::int64_t>(s.seconds.count);
  r.pixels = s.pixels;
  r.bytes = s.bytes;
  r.median_s = s.seconds.median;
  r.mad_s = s.seconds.mad;
  r.mean_s = s.seconds.mean;
  r.stddev_s = s.seconds.stddev;
  r.min_s = s.seconds.min;
  r.max_s = s.seconds.max;
  r.ci_low_s = s.seconds.ci.low;
  r.ci_high_s = s.seconds.ci.high;
  r.ci_level = s.seconds.ci.level;
  r.outliers = s.outliers;
  r.speedup = s.speedup;
  r.speedup_ci_low = s.speedup_ci.low;
  r.speedup_ci_high = s.speedup_ci.high;
  r.speedup_ci_level = s.speedup_ci.level;
  r.mpixel_per_s = s.mpixel_per_s;
  r.gbyte_per_s = s.gbyte_per_s;
  r.bandwidth_fraction = s.bandwidth_fraction;
  copy_name(r.check_status, core::to_string(s.check));
  r.max_abs_error = s.max_abs_error;
  r.tolerance = s.tolerance;
  r.differing_pixels = s.differing;
  r.rss_increase_bytes = s.rss_increase_bytes;
  r.held_bytes = s.held_bytes;
  r.allocations = s.allocations;
  r.queue_bytes = s.queue_bytes;
  r.imbalance = s.imbalance;
  r.wire_bytes = s.wire_bytes;
  r.busy_s = s.busy_s;
  r.idle_s = s.idle_s;
  r.transfer_s = s.transfer_s;
  r.io_s = s.io_s;
  return r;
}

// ---- HDF5 types of the rows ------------------------------------------------------------------

#define NSPERF_MEMBER(T, m, h5) #m, offsetof(T, m), h5
#define NSPERF_STRING(T, m) #m, offsetof(T, m), sizeof(T::m)

Handle sample_type() {
  using T = SampleRow;
  return Compound(sizeof(T))
      .add_string(NSPERF_STRING(T, optimizer))
      .add_string(NSPERF_STRING(T, strategy))
      .add_string(NSPERF_STRING(T, kernel))
      .add(NSPERF_MEMBER(T, width, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, height, H5T_NATIVE_INT64))
      .add_string(NSPERF_STRING(T, dtype))
      .add(NSPERF_MEMBER(T, rank, H5T_NATIVE_INT32))
      .add(NSPERF_MEMBER(T, repetition, H5T_NATIVE_INT32))
      .add(NSPERF_MEMBER(T, tiles, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, seconds, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, start_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, end_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, bytes, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, pixels, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, peak_rss_bytes, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, checksum, H5T_NATIVE_UINT64))
      .add_string(NSPERF_STRING(T, check_status))
      .add(NSPERF_MEMBER(T, max_abs_error, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, tolerance, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, differing_pixels, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, rss_increase_bytes, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, held_bytes, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, allocations, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, queue_bytes, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, busy_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, idle_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, transfer_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, io_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, wire_bytes, H5T_NATIVE_INT64))
      .take();
}

Handle tile_type() {
  using T = TileRow;
  return Compound(sizeof(T))
      .add(NSPERF_MEMBER(T, tile_id, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, rank, H5T_NATIVE_INT32))
      .add(NSPERF_MEMBER(T, x, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, y, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, width, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, height, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, halo, H5T_NATIVE_INT64))
      .add_string(NSPERF_STRING(T, optimizer))
      .add_string(NSPERF_STRING(T, strategy))
      .add_string(NSPERF_STRING(T, kernel))
      .add(NSPERF_MEMBER(T, compute_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, transfer_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, io_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, raw_bytes, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, checksum, H5T_NATIVE_UINT64))
      .add_string(NSPERF_STRING(T, check_status))
      .add(NSPERF_MEMBER(T, max_abs_error, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, tolerance, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, differing_pixels, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, negative_space_fraction, H5T_NATIVE_DOUBLE))
      .take();
}

Handle repetition_type() {
  using T = RepetitionRow;
  return Compound(sizeof(T))
      .add_string(NSPERF_STRING(T, optimizer))
      .add_string(NSPERF_STRING(T, strategy))
      .add_string(NSPERF_STRING(T, kernel))
      .add(NSPERF_MEMBER(T, width, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, height, H5T_NATIVE_INT64))
      .add_string(NSPERF_STRING(T, dtype))
      .add(NSPERF_MEMBER(T, repetition, H5T_NATIVE_INT32))
      .add(NSPERF_MEMBER(T, makespan_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, start_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, end_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, slowest_rank, H5T_NATIVE_INT32))
      .add(NSPERF_MEMBER(T, outlier, H5T_NATIVE_INT8))
      .add(NSPERF_MEMBER(T, speedup, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, imbalance, H5T_NATIVE_DOUBLE))
      .take();
}

Handle summary_type() {
  using T = SummaryRowStored;
  return Compound(sizeof(T))
      .add_string(NSPERF_STRING(T, optimizer))
      .add_string(NSPERF_STRING(T, strategy))
      .add_string(NSPERF_STRING(T, kernel))
      .add(NSPERF_MEMBER(T, width, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, height, H5T_NATIVE_INT64))
      .add_string(NSPERF_STRING(T, dtype))
      .add(NSPERF_MEMBER(T, ranks, H5T_NATIVE_INT32))
      .add(NSPERF_MEMBER(T, repetitions, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, pixels, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, bytes, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, median_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, mad_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, mean_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, stddev_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, min_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, max_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, ci_low_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, ci_high_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, ci_level, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, outliers, H5T_NATIVE_INT32))
      .add(NSPERF_MEMBER(T, speedup, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, speedup_ci_low, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, speedup_ci_high, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, speedup_ci_level, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, mpixel_per_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, gbyte_per_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, bandwidth_fraction, H5T_NATIVE_DOUBLE))
      .add_string(NSPERF_STRING(T, check_status))
      .add(NSPERF_MEMBER(T, max_abs_error, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, tolerance, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, differing_pixels, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, rss_increase_bytes, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, held_bytes, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, allocations, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, queue_bytes, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, imbalance, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, wire_bytes, H5T_NATIVE_INT64))
      .add(NSPERF_MEMBER(T, busy_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, idle_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, transfer_s, H5T_NATIVE_DOUBLE))
      .add(NSPERF_MEMBER(T, io_s, H5T_NATIVE_DOUBLE))
      .take();
}

#undef NSPERF_MEMBER
#undef NSPERF_STRING

// ---- writing ---------------------------------------------------------------------------------

// Checks the root attributes of an open file; `path` names it in messages. All of them are
// read, not only the version: one that cannot be read (a damaged global heap) is named here,
// before any command (or scripts/report.py, which reads them all) reads on.
void require_results_file(hid_t file, const std::filesystem::path& path, bool for_append) {
  std::optional<core::Provenance::Value> stored;
  for (auto& [name, value] : read_attributes(file, path.string()))
    if (name == "schema_version") stored = std::move(value);
  if (!stored || !std::holds_alternative<std::int64_t>(*stored)) {
    throw InputError(path.string() + ": an HDF5 file, but not an nsperf results file (" +
                     (stored ? "schema_version is not an integer" : "no schema_version attribute") +
                     ")");
  }
  const std::int64_t version = std::get<std::int64_t>(*stored);
  if (version < kResultsSchemaVersion && for_append) {
    throw InputError(path.string() + ": results schema " + std::to_string(version) +
                     " is older than this nsperf writes (" + std::to_string(kResultsSchemaVersion) +
                     "): write the run to a new file");
  }
  if (version > kResultsSchemaVersion) {
    throw InputError(path.string() + ": results schema " + std::to_string(version) +
                     " is newer than this nsperf reads (" + std::to_string(kResultsSchemaVersion) +
                     ")");
  }
}

herr_t collect_name(hid_t /*group*/, const char* name, const H5L_info_t* /*info*/, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

}  // namespace

ResultsFile ResultsFile::create(const std::filesystem::path& path, MPI_Comm comm) {
  const Handle fapl = mpio_access(comm);
  Handle file(check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), "H5Fcreate"),
              H5Fclose);
  write_attribute(file.get(), "schema_version", std::int64_t{kResultsSchemaVersion});
  write_attribute(file.get(), "nsperf_version", std::string(core::version()));
  write_attribute(file.get(), "created", core::utc_timestamp());
  const Handle runs(
      check(H5Gcreate2(file.get(), "runs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "H5Gcreate2"),
      H5Gclose);
  return {std::move(file), comm, path};
}

ResultsFile ResultsFile::open_for_append(const std::filesystem::path& path, MPI_Comm comm) {
  const Handle fapl = mpio_access(comm);
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.get());
  if (id < 0) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError(path.string() + ": cannot be opened as an HDF5 file to append to");
  }
  Handle file(id, H5Fclose);
  require_results_file(file.get(), path, /*for_append=*/true);
  return {std::move(file), comm, path};
}

void ResultsFile::write_run(const core::Provenance& provenance, const RunRows& rows) {
  const std::string group_name = "runs/" + provenance.run_id;
  if (H5Lexists(file_.get(), group_name.c_str(), H5P_DEFAULT) > 0) {
    throw InputError(path_.string() + ": already holds run " + provenance.run_id);
  }
  const Handle run(
      check(H5Gcreate2(file_.get(), group_name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
            "H5Gcreate2"),
      H5Gclose);
  for (const auto& [name, value] : provenance.attributes())
    write_attribute(run.get(), name.c_str(), value);

  std::vector<SampleRow> sample_rows;
  for (const auto& s : rows.samples) sample_rows.push_back(to_row(s));
  std::vector<TileRow> tile_rows;
  for (const auto& t : rows.tiles) tile_rows.push_back(to_row(t));
  std::vector<SummaryRowStored> summary_rows;
  for (const auto& s : rows.summary) summary_rows.push_back(to_row(s));

  write_rows(run.get(), "samples", sample_type().get(), sample_rows, comm_);
  write_rows(run.get(), "tiles", tile_type().get(), tile_rows, comm_);
  std::vector<RepetitionRow> repetition_rows;
  for (const auto& r : rows.repetitions) repetition_rows.push_back(to_row(r));
  write_rows(run.get(), "repetitions", repetition_type().get(), repetition_rows, comm_);
  write_rows(run.get(), "summary", summary_type().get(), summary_rows, comm_);
  const Handle profile(
      check(H5Gcreate2(run.get(), "profile", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "H5Gcreate2"),
      H5Gclose);
  write_region_table(profile.get(), rows.regions, comm_);
}

void ResultsFile::close() { file_.close(); }

namespace {

// Checks that `run_id` is in the results file at `path` and opens the file.
Handle open_run_file(const std::filesystem::path& path, const std::string& run_id) {
  const auto runs = list_runs(path);  // checks the file
  if (std::find(runs.begin(), runs.end(), run_id) == runs.end()) {
    throw InputError(path.string() + ": no run '" + run_id +
                     "' (runs: " + (runs.empty() ? std::string("none") : core::join(runs)) + ")");
  }
  return open_for_reading(path);
}

// Table `table` of run `run_id` as rows of `Row` (read by member name: a file written with
// fewer or reordered members still reads). Null when absent and `optional`.
template <class Row>
std::optional<std::vector<Row>> read_table(const std::filesystem::path& path,
                                           const std::string& run_id, const std::string& table,
                                           hid_t type, bool optional) {
  const Handle file = open_run_file(path, run_id);
  const std::string name = "runs/" + run_id + "/" + table;
  if (!link_exists(file.get(), name)) {
    if (optional) return std::nullopt;
    throw InputError(path.string() + ": run '" + run_id + "' has no " + table + " table");
  }
  const Handle dataset(check(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), "H5Dopen2"),
                       H5Dclose);
  const std::size_t count = table_rows(dataset.get(), path.string() + ": " + name);
  std::vector<Row> rows(count);
  if (count > 0 && H5Dread(dataset.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()) < 0) {
    throw InputError(path.string() + ": " + name + " cannot be read (" + hdf5_message() + ")");
  }
  return rows;
}

core::ImageSpec image_of(std::int64_t width, std::int64_t height, const DTypeName& dtype) {
  return {{width, height}, core::parse_dtype(text_of(dtype)).value_or(core::DType::u8)};
}

core::CheckStatus status_of(const Status& text) {
  const std::string s = text_of(text);
  if (s == "passed") return core::CheckStatus::passed;
  if (s == "failed") return core::CheckStatus::failed;
  return core::CheckStatus::not_checked;
}

}  // namespace

std::vector<core::Repetition> read_repetitions(const std::filesystem::path& path,
                                               const std::string& run_id) {
  const auto rows =
      *read_table<RepetitionRow>(path, run_id, "repetitions", repetition_type().get(), false);
  std::vector<core::Repetition> out;
  for (const auto& r : rows) {
    core::Repetition p;
    p.optimizer = text_of(r.optimizer);
    p.strategy = text_of(r.strategy);
    p.kernel = text_of(r.kernel);
    p.image = image_of(r.width, r.height, r.dtype);
    p.repetition = r.repetition;
    p.makespan_s = r.makespan_s;
    p.start_s = r.start_s;
    p.end_s = r.end_s;
    p.slowest_rank = r.slowest_rank;
    p.outlier = r.outlier != 0;
    p.speedup = r.speedup;
    p.imbalance = r.imbalance;
    out.push_back(p);
  }
  return out;
}

std::vector<core::SummaryRow> read_summary(const std::filesystem::path& path,
                                           const std::string& run_id) {
  const auto rows =
      *read_table<SummaryRowStored>(path, run_id, "summary", summary_type().get(), false);
  std::vector<core::SummaryRow> out;
  for (const auto& r : rows) {
    core::SummaryRow s;
    s.optimizer = text_of(r.optimizer);
    s.strategy = text_of(r.strategy);
    s.kernel = text_of(r.kernel);
    s.image = image_of(r.width, r.height, r.dtype);
    s.ranks = r.ranks;
    s.pixels = r.pixels;
    s.bytes = r.bytes;
    s.seconds.count = static_cast<std::size_t>(std::max<std::int64_t>(0, r.repetitions));
    s.seconds.median = r.median_s;
    s.seconds.mad = r.mad_s;
    s.seconds.mean = r.mean_s;
    s.seconds.stddev = r.stddev_s;
    s.seconds.min = r.min_s;
    s.seconds.max = r.max_s;
    s.seconds.ci = {r.ci_low_s, r.ci_high_s, r.ci_level};
    s.outliers = r.outliers;
    s.speedup = r.speedup;
    s.speedup_ci = {r.speedup_ci_low, r.speedup_ci_high, r.speedup_ci_level};
    s.mpixel_per_s = r.mpixel_per_s;
    s.gbyte_per_s = r.gbyte_per_s;
    s.bandwidth_fraction = r.bandwidth_fraction;
    s.check = status_of(r.check_status);
    s.max_abs_error = r.max_abs_error;
    s.tolerance = r.tolerance;
    s.differing = r.differing_pixels;
    s.rss_increase_bytes = r.rss_increase_bytes;
    s.held_bytes = r.held_bytes;
    s.allocations = r.allocations;
    s.queue_bytes = r.queue_bytes;
    s.imbalance = r.imbalance;
    s.wire_bytes = r.wire_bytes;
    s.busy_s = r.busy_s;
    s.idle_s = r.idle_s;
    s.transfer_s = r.transfer_s;
    s.io_s = r.io_s;
    out.push_back(s);
  }
  return out;
}

std::vector<core::RankRegion> read_regions(const std::filesystem::path& path,
                                           const std::string& run_id) {
  const Handle file = open_run_file(path, run_id);
  const std::string name = "runs/" + run_id + "/profile/regions";
  if (!link_exists(file.get(), name)) return {};
  return read_region_table(file.get(), name, path);
}

std::size_t merge_results(std::span<const std::filesystem::path> inputs,
                          const std::filesystem::path& path) {
  // Check everything first: a bad input or a run found twice is named before any writing.
  std::vector<std::pair<std::filesystem::path, std::string>> runs;
  for (const auto& input : inputs) {
    for (const auto& id : list_runs(input)) {
      (void)read_run_attributes(input, id);  // the provenance H5Ocopy will copy, readable
      for (const auto& [other, other_id] : runs) {
        if (other_id == id) {
          throw InputError("run " + id + " is in both " + other.string() + " and " +
                           input.string() + " (a file given twice?)");
        }
      }
      runs.emplace_back(input, id);
    }
  }
  Handle out(check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "H5Fcreate"),
             H5Fclose);
  write_attribute(out.get(), "schema_version", std::int64_t{kResultsSchemaVersion});
  write_attribute(out.get(), "nsperf_version", std::string(core::version()));
  write_attribute(out.get(), "created", core::utc_timestamp());
  const Handle group(
      check(H5Gcreate2(out.get(), "runs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "H5Gcreate2"),
      H5Gclose);
  for (const auto& [input, id] : runs) {
    const Handle in = open_for_reading(input);
    // The run's group, its attributes (the provenance), tables and subgroups, as they are.
    const std::string name = "runs/" + id;
    NSPERF_H5(H5Ocopy(in.get(), name.c_str(), out.get(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT));
  }
  out.close();
  return runs.size();
}

std::vector<std::pair<std::string, core::Provenance::Value>> read_run_attributes(
    const std::filesystem::path& path, const std::string& run_id) {
  const Handle file = open_run_file(path, run_id);
  const Handle run(check(H5Gopen2(file.get(), ("runs/" + run_id).c_str(), H5P_DEFAULT), "H5Gopen2"),
                   H5Gclose);
  return read_attributes(run.get(), path.string() + ": run '" + run_id + "'");
}

std::vector<std::string> list_runs(const std::filesystem::path& path) {
  const Handle file = open_for_reading(path);
  require_results_file(file.get(), path, /*for_append=*/false);
  std::vector<std::string> runs;
  if (H5Lexists(file.get(), "runs", H5P_DEFAULT) > 0) {
    const Handle group(check(H5Gopen2(file.get(), "runs", H5P_DEFAULT), "H5Gopen2"), H5Gclose);
    NSPERF_H5(H5Literate(group.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name, &runs));
  }
  return runs;
}

}  // namespace nsperf::io
