#include "nsperf/io/results_file.hpp"

#include <limits>

#include <cmath>

#include <map>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <optional>
#include <variant>

#include "nsperf/core/error.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/core/version.hpp"
#include "region_table.hpp"
#include "table_schema.hpp"

namespace nsperf::io {
namespace {

// ---- the tables, as stored -------------------------------------------------------------------
// Text columns are fixed-width: HDF5 cannot write variable-length data collectively, and
// registry names are at most core::kMaxRegisteredName characters. docs/results-schema.md
// describes every column.
constexpr std::size_t kName = 32;
constexpr std::size_t kStatus = 12;
constexpr std::size_t kDType = 4;

using core::Extent;
using core::ImageSpec;
using core::Interval;
using core::Summary;
using detail::TableSchema;

// The columns every per-strategy table starts with: the strategy and the image it ran on.
template <class R>
TableSchema<R> strategy_columns() {
  return TableSchema<R>()
      .template text<kName>("optimizer", &R::optimizer)
      .template text<kName>("strategy", &R::strategy)
      .template text<kName>("kernel", &R::kernel)
      .template column<std::int64_t>("width", &R::image, &ImageSpec::extent, &Extent::width)
      .template column<std::int64_t>("height", &R::image, &ImageSpec::extent, &Extent::height)
      .template text<kDType>("dtype", &R::image, &ImageSpec::dtype);
}

// The check against the reference: status, largest error, its tolerance, differing pixels.
template <class R>
void check_columns(TableSchema<R>& t) {
  t.template text<kStatus>("check_status", &R::check)
      .template column<double>("max_abs_error", &R::max_abs_error)
      .template column<double>("tolerance", &R::tolerance)
      .template column<std::int64_t>("differing_pixels", &R::differing);
}

// What the memory optimizer measures (-1 = not measured).
template <class R>
void memory_columns(TableSchema<R>& t) {
  t.template column<std::int64_t>("rss_increase_bytes", &R::rss_increase_bytes)
      .template column<std::int64_t>("held_bytes", &R::held_bytes)
      .template column<std::int64_t>("allocations", &R::allocations)
      .template column<std::int64_t>("queue_bytes", &R::queue_bytes);
}

// Where the ranks' time went (NaN = not measured).
template <class R>
void time_split_columns(TableSchema<R>& t) {
  using A = typename TableSchema<R>::Absent;
  t.measured("busy_s", A::negative, &R::busy_s)
      .measured("idle_s", A::negative, &R::idle_s)
      .measured("transfer_s", A::negative, &R::transfer_s)
      .measured("io_s", A::negative, &R::io_s);
}

const TableSchema<core::Sample>& sample_table() {
  using S = core::Sample;
  static const auto table = strategy_columns<S>()
                                .column<std::int32_t>("rank", &S::rank)
                                .column<std::int32_t>("repetition", &S::repetition)
                                .column<std::int64_t>("tiles", &S::tiles)
                                .column<double>("seconds", &S::seconds)
                                .column<double>("start_s", &S::start_s)
                                .column<double>("end_s", &S::end_s)
                                .column<std::int64_t>("bytes", &S::bytes)
                                .column<std::int64_t>("pixels", &S::pixels)
                                .column<std::int64_t>("peak_rss_bytes", &S::peak_rss_bytes)
                                .column<std::uint64_t>("checksum", &S::checksum)
                                .with(check_columns<S>)
                                .with(memory_columns<S>)
                                .with(time_split_columns<S>)
                                .column<std::int64_t>("wire_bytes", &S::wire_bytes);
  return table;
}

const TableSchema<core::TileResult>& result_tile_table() {
  using T = core::TileResult;
  static const auto table =
      TableSchema<T>()
          .with(detail::placement_columns<T>)
          .column<std::int64_t>("halo", &T::halo)
          .text<kName>("optimizer", &T::optimizer)
          .text<kName>("strategy", &T::strategy)
          .text<kName>("kernel", &T::kernel)
          .column<double>("compute_s", &T::compute_s)
          .measured("stage_a_s", TableSchema<T>::Absent::negative, &T::stage_a_s)
          .measured("stage_b_s", TableSchema<T>::Absent::negative, &T::stage_b_s)
          .column<double>("transfer_s", &T::transfer_s)
          .column<double>("io_s", &T::io_s)
          .column<std::int64_t>("raw_bytes", &T::raw_bytes)
          .column<std::uint64_t>("checksum", &T::checksum)
          .with(check_columns<T>)
          .measured("negative_space_fraction", TableSchema<T>::Absent::negative,
                    &T::negative_space);
  return table;
}

const TableSchema<core::Repetition>& repetition_table() {
  using P = core::Repetition;
  static const auto table =
      strategy_columns<P>()
          .column<std::int32_t>("repetition", &P::repetition)
          .column<double>("makespan_s", &P::makespan_s)
          .column<double>("start_s", &P::start_s)
          .column<double>("end_s", &P::end_s)
          .column<std::int32_t>("slowest_rank", &P::slowest_rank)
          .column<std::int8_t>("outlier", &P::outlier)
          .measured("speedup", TableSchema<P>::Absent::not_positive, &P::speedup)
          .measured("imbalance", TableSchema<P>::Absent::negative, &P::imbalance);
  return table;
}

const TableSchema<core::SummaryRow>& summary_table() {
  using S = core::SummaryRow;
  using A = TableSchema<S>::Absent;
  static const auto table =
      strategy_columns<S>()
          .column<std::int32_t>("ranks", &S::ranks)
          .column<std::int64_t>("repetitions", &S::seconds, &Summary::count)
          .column<std::int64_t>("pixels", &S::pixels)
          .column<std::int64_t>("bytes", &S::bytes)
          .column<double>("median_s", &S::seconds, &Summary::median)
          .column<double>("mad_s", &S::seconds, &Summary::mad)
          .column<double>("mean_s", &S::seconds, &Summary::mean)
          .column<double>("stddev_s", &S::seconds, &Summary::stddev)
          .column<double>("min_s", &S::seconds, &Summary::min)
          .column<double>("max_s", &S::seconds, &Summary::max)
          .column<double>("ci_low_s", &S::seconds, &Summary::ci, &Interval::low)
          .column<double>("ci_high_s", &S::seconds, &Summary::ci, &Interval::high)
          .column<double>("ci_level", &S::seconds, &Summary::ci, &Interval::level)
          .column<std::int32_t>("outliers", &S::outliers)
          .measured("speedup", A::not_positive, &S::speedup)
          .measured("speedup_ci_low", A::not_positive, &S::speedup_ci, &Interval::low)
          .measured("speedup_ci_high", A::not_positive, &S::speedup_ci, &Interval::high)
          .measured("speedup_ci_level", A::not_positive, &S::speedup_ci, &Interval::level)
          .column<double>("mpixel_per_s", &S::mpixel_per_s)
          .column<double>("gbyte_per_s", &S::gbyte_per_s)
          .measured("bandwidth_fraction", A::not_positive, &S::bandwidth_fraction)
          .with(check_columns<S>)
          .with(memory_columns<S>)
          .measured("imbalance", A::negative, &S::imbalance)
          .column<std::int64_t>("wire_bytes", &S::wire_bytes)
          .with(time_split_columns<S>);
  return table;
}

const TableSchema<core::MessageSize>& message_size_table() {
  using M = core::MessageSize;
  static const auto table =
      TableSchema<M>()
          .column<std::int64_t>("bytes", &M::bytes)
          .column<std::int8_t>("tile", &M::tile)
          .column<std::int64_t>("round_trips", &M::round_trips)
          .column<std::int64_t>("messages", &M::messages)
          .column<std::int32_t>("repetitions", &M::repetitions)
          .column<double>("latency_s", &M::latency_s)
          .column<double>("latency_ci_low_s", &M::latency_ci, &Interval::low)
          .column<double>("latency_ci_high_s", &M::latency_ci, &Interval::high)
          .column<double>("latency_ci_level", &M::latency_ci, &Interval::level)
          .column<double>("gbyte_per_s", &M::gbyte_per_s)
          .column<double>("gbyte_per_s_ci_low", &M::gbyte_per_s_ci, &Interval::low)
          .column<double>("gbyte_per_s_ci_high", &M::gbyte_per_s_ci, &Interval::high)
          .column<double>("gbyte_per_s_ci_level", &M::gbyte_per_s_ci, &Interval::level);
  return table;
}

const TableSchema<core::TuneTrial>& tune_table() {
  using T = core::TuneTrial;
  static const auto table = TableSchema<T>()
                                .column<std::int64_t>("trial", &T::trial)
                                .column<std::int64_t>("candidate", &T::candidate)
                                .text<256>("settings", &T::settings)
                                .text<32>("race", &T::race)
                                .column<std::int64_t>("round", &T::round)
                                .column<std::int32_t>("repetition", &T::repetition)
                                .column<double>("seconds", &T::seconds)
                                .column<std::int64_t>("output_bytes", &T::output_bytes)
                                .text<16>("status", &T::status)
                                .text<16>("outcome", &T::outcome);
  return table;
}

const TableSchema<core::WhatifRow>& whatif_table() {
  using W = core::WhatifRow;
  static const auto table = TableSchema<W>()
                                .column<std::int32_t>("ranks", &W::ranks)
                                .text<kName>("partitioner", &W::partitioner)
                                .column<std::int64_t>("tile", &W::tile)
                                .column<std::int64_t>("image_width", &W::image_width)
                                .column<std::int64_t>("image_height", &W::image_height)
                                .column<std::int64_t>("tiles", &W::tiles)
                                .column<std::int32_t>("nodes", &W::nodes)
                                .column<double>("makespan_s", &W::makespan_s)
                                .column<double>("pipeline_s", &W::pipeline_s)
                                .column<double>("write_s", &W::write_s)
                                .column<double>("speedup", &W::speedup)
                                .column<double>("efficiency", &W::efficiency)
                                .column<double>("imbalance", &W::imbalance)
                                .column<double>("coordination_share", &W::coordination_share)
                                .column<double>("compute_s", &W::compute_s)
                                .column<double>("coordination_s", &W::coordination_s)
                                .column<double>("network_s", &W::network_s)
                                .text<16>("bottleneck", &W::bottleneck);
  return table;
}

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

// What a new results file holds before any run: its attributes and the empty /runs.
void write_root(hid_t file) {
  write_attribute(file, "schema_version", std::int64_t{kResultsSchemaVersion});
  write_attribute(file, "nsperf_version", std::string(core::version()));
  write_attribute(file, "created", core::utc_timestamp());
  const Handle runs(
      check(H5Gcreate2(file, "runs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "H5Gcreate2"),
      H5Gclose);
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
  write_root(file.get());
  return {std::move(file), comm, path};
}

ResultsFile ResultsFile::create_local(const std::filesystem::path& path) {
  Handle file(check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "H5Fcreate"),
              H5Fclose);
  write_root(file.get());
  return {std::move(file), MPI_COMM_NULL, path};
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

  sample_table().write(run.get(), "samples", rows.samples, comm_);
  result_tile_table().write(run.get(), "tiles", rows.tiles, comm_);
  repetition_table().write(run.get(), "repetitions", rows.repetitions, comm_);
  summary_table().write(run.get(), "summary", rows.summary, comm_);
  const Handle profile(
      check(H5Gcreate2(run.get(), "profile", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "H5Gcreate2"),
      H5Gclose);
  write_region_table(profile.get(), rows.regions, comm_);
  // Only a run that swept message sizes has the table; every rank learns whether one did.
  auto anywhere = [&](std::size_t mine) {
    long long n = static_cast<long long>(mine);
    if (comm_ != MPI_COMM_NULL) MPI_Allreduce(MPI_IN_PLACE, &n, 1, MPI_LONG_LONG, MPI_SUM, comm_);
    return n > 0;
  };
  if (anywhere(rows.message_sizes.size()))
    message_size_table().write(run.get(), "message_sizes", rows.message_sizes, comm_);
  if (anywhere(rows.tune.size())) tune_table().write(run.get(), "tune", rows.tune, comm_);
  if (anywhere(rows.whatif.size())) whatif_table().write(run.get(), "whatif", rows.whatif, comm_);
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

// Table `table` of run `run_id` as records (read by member name: a file written with fewer or
// reordered members still reads).
template <class Record>
std::vector<Record> read_table(const std::filesystem::path& path, const std::string& run_id,
                               const std::string& table, const TableSchema<Record>& schema) {
  const Handle file = open_run_file(path, run_id);
  const std::string name = "runs/" + run_id + "/" + table;
  if (!link_exists(file.get(), name))
    throw InputError(path.string() + ": run '" + run_id + "' has no " + table + " table");
  const Handle dataset(check(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), "H5Dopen2"),
                       H5Dclose);
  return schema.read(dataset.get(), path.string() + ": " + name);
}

}  // namespace

std::vector<core::Repetition> read_repetitions(const std::filesystem::path& path,
                                               const std::string& run_id) {
  return read_table(path, run_id, "repetitions", repetition_table());
}

std::vector<core::MessageSize> read_message_sizes(const std::filesystem::path& path,
                                                  const std::string& run_id) {
  {
    const Handle file = open_run_file(path, run_id);
    if (!link_exists(file.get(), "runs/" + run_id + "/message_sizes")) return {};
  }
  return read_table(path, run_id, "message_sizes", message_size_table());
}

std::vector<core::WhatifRow> read_whatif(const std::filesystem::path& path,
                                         const std::string& run_id) {
  {
    const Handle file = open_run_file(path, run_id);
    if (!link_exists(file.get(), "runs/" + run_id + "/whatif")) return {};
  }
  return read_table(path, run_id, "whatif", whatif_table());
}

std::vector<core::TuneTrial> read_tune(const std::filesystem::path& path,
                                       const std::string& run_id) {
  {
    const Handle file = open_run_file(path, run_id);
    if (!link_exists(file.get(), "runs/" + run_id + "/tune")) return {};
  }
  return read_table(path, run_id, "tune", tune_table());
}

std::vector<core::SummaryRow> read_summary(const std::filesystem::path& path,
                                           const std::string& run_id) {
  return read_table(path, run_id, "summary", summary_table());
}

void not_measured_as_nan(StoredTable& table) {
  // The columns with a "not measured" value, and whether 0 is one (else only negatives).
  static const std::map<std::string, bool, std::less<>> kColumns = {
      {"rss_increase_bytes", false},
      {"held_bytes", false},
      {"allocations", false},
      {"queue_bytes", false},
      {"wire_bytes", false},
      {"busy_s", false},
      {"idle_s", false},
      {"transfer_s", false},
      {"io_s", false},
      {"imbalance", false},
      {"negative_space_fraction", false},
      {"stage_a_s", false},
      {"stage_b_s", false},
      {"speedup", true},
      {"speedup_ci_low", true},
      {"speedup_ci_high", true},
      {"speedup_ci_level", true},
      {"bandwidth_fraction", true}};
  for (std::size_t c = 0; c < table.columns.size(); ++c) {
    const auto it = kColumns.find(table.columns[c]);
    if (it == kColumns.end()) continue;
    const bool zero_too = it->second;
    for (auto& row : table.rows) {
      auto& v = row[c];
      double x = 0;
      if (const auto* i = std::get_if<std::int64_t>(&v))
        x = static_cast<double>(*i);
      else if (const auto* d = std::get_if<double>(&v))
        x = *d;
      else
        continue;
      if (std::isnan(x) || x < 0 || (zero_too && x == 0))
        v = std::numeric_limits<double>::quiet_NaN();
    }
  }
}

StoredTable read_stored_table(const std::filesystem::path& path, const std::string& run_id,
                              const std::string& table) {
  const Handle file = open_run_file(path, run_id);
  const std::string name = "runs/" + run_id + "/" + table;
  if (!link_exists(file.get(), name)) {
    throw InputError(path.string() + ": run '" + run_id + "' has no table '" + table + "'" +
                     (table == "message_sizes"
                          ? " (a run has it when it swept them: benchmark --network --sizes)"
                      : table == "tune" ? " (nsperf tune's runs have it)"
                                        : ""));
  }
  const Handle dataset(check(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), "H5Dopen2"),
                       H5Dclose);
  const Handle file_type(check(H5Dget_type(dataset.get()), "H5Dget_type"), H5Tclose);
  if (H5Tget_class(file_type.get()) != H5T_COMPOUND)
    throw InputError(path.string() + ": " + name + " is not a table");
  const Handle type(
      check(H5Tget_native_type(file_type.get(), H5T_DIR_ASCEND), "H5Tget_native_type"), H5Tclose);
  const std::size_t count = table_rows(dataset.get(), path.string() + ": " + name);
  const std::size_t row_size = H5Tget_size(type.get());
  std::vector<unsigned char> buffer(std::max<std::size_t>(1, count * row_size));
  if (count > 0 &&
      H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) < 0) {
    throw InputError(path.string() + ": " + name + " cannot be read (" + hdf5_message() + ")");
  }
  StoredTable t;
  struct Member {
    std::size_t offset;
    H5T_class_t kind;
    std::size_t size;
    bool is_signed;
  };
  std::vector<Member> layout;
  const int members = H5Tget_nmembers(type.get());
  for (int m = 0; m < members; ++m) {
    const auto index = static_cast<unsigned>(m);
    char* member_name = H5Tget_member_name(type.get(), index);
    t.columns.emplace_back(member_name);
    H5free_memory(member_name);
    const Handle member(H5Tget_member_type(type.get(), index), H5Tclose);
    layout.push_back({H5Tget_member_offset(type.get(), index), H5Tget_class(member.get()),
                      H5Tget_size(member.get()), H5Tget_sign(member.get()) == H5T_SGN_2});
  }
  for (std::size_t r = 0; r < count; ++r) {
    const unsigned char* row = buffer.data() + r * row_size;
    std::vector<StoredTable::Value> values;
    for (const auto& m : layout) {
      const unsigned char* at = row + m.offset;
      if (m.kind == H5T_STRING) {
        const char* chars = reinterpret_cast<const char*>(at);
        values.emplace_back(std::string(chars, strnlen(chars, m.size)));
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
          // Sign-extended from the member's width.
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
  write_root(out.get());
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
