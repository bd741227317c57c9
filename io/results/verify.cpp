// nsperf verify: every stored checksum recomputed from the bytes in the file.
#include "nsperf/io/verify.hpp"

#include <algorithm>
#include <cmath>
#include <variant>
#include <vector>

#include "nsperf/core/checksum.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/io/hdf5.hpp"
#include "nsperf/io/output_file.hpp"
#include "nsperf/io/results_file.hpp"

namespace nsperf::io {
namespace {

// A table against its rows_checksum; a table that cannot be read is damage too.
VerifyCheck table(hid_t file, const std::string& name) {
  VerifyCheck c{name, true, ""};
  try {
    const Handle dataset(check(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "H5Dopen2"), H5Dclose);
    const auto t = check_table(dataset.get());
    if (!t.has_checksum) {
      c.detail = std::to_string(t.rows) + " rows; no stored checksum (written by an older nsperf)";
    } else if (t.stored != t.computed) {
      c.ok = false;
      c.detail = std::to_string(t.rows) +
                 " rows: checksum of the stored rows differs from the one "
                 "written with them (damaged)";
    } else {
      c.detail = std::to_string(t.rows) + " rows, checksum matches";
    }
  } catch (const Error& e) {
    H5Eclear2(H5E_DEFAULT);
    c.ok = false;
    c.detail = std::string("cannot be read: ") + e.what();
  }
  return c;
}

void verify_results(hid_t file, const std::filesystem::path& path, VerifyReport& report) {
  if (!link_exists(file, "runs")) {
    report.checks.push_back({"/runs", false, "missing (every results file has it)"});
    return;
  }
  for (const auto& id : list_runs(path)) {
    const std::string run = "runs/" + id;
    for (const auto name : kRunTables) {
      const std::string t = run + "/" + std::string(name);
      if (!link_exists(file, t)) {
        report.checks.push_back({t, false, "missing (every run has it)"});
        continue;
      }
      report.checks.push_back(table(file, t));
    }
    if (link_exists(file, run + "/profile/regions"))
      report.checks.push_back(table(file, run + "/profile/regions"));
    for (const auto name : kOptionalRunTables) {
      const std::string t = run + "/" + std::string(name);
      if (link_exists(file, t)) report.checks.push_back(table(file, t));
    }
    // The typed readers take the tables by member name, as compare and profile do.
    try {
      (void)read_run_attributes(path, id);
      (void)read_summary(path, id);
      (void)read_repetitions(path, id);
      (void)read_regions(path, id);
      (void)read_message_sizes(path, id);
      (void)read_tune(path, id);
    } catch (const Error& e) {
      H5Eclear2(H5E_DEFAULT);
      report.checks.push_back(
          {run, false, std::string("does not read as this schema: ") + e.what()});
    }
  }
}

template <class T>
std::vector<T> read_block(hid_t dataset, hid_t mem_type, const core::Rect& t) {
  std::vector<T> values(static_cast<std::size_t>(t.width * t.height));
  const Handle space(check(H5Dget_space(dataset), "H5Dget_space"), H5Sclose);
  const hsize_t start[2] = {static_cast<hsize_t>(t.y), static_cast<hsize_t>(t.x)};
  const hsize_t count[2] = {static_cast<hsize_t>(t.height), static_cast<hsize_t>(t.width)};
  NSPERF_H5(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr));
  const Handle mem(check(H5Screate_simple(2, count, nullptr), "H5Screate_simple"), H5Sclose);
  NSPERF_H5(H5Dread(dataset, mem_type, mem.get(), space.get(), H5P_DEFAULT, values.data()));
  return values;
}

void verify_output(hid_t file, const std::filesystem::path& path, VerifyReport& report) {
  for (const char* name : {"tiles", "profile/regions", "ranks"}) {
    if (link_exists(file, name)) report.checks.push_back(table(file, name));
  }
  for (const char* name : {"mask", "gradient", "tiles"}) {
    if (!link_exists(file, name))
      report.checks.push_back({std::string("/") + name, false, "missing"});
  }
  if (!report.ok()) return;
  std::int64_t width = 0;
  std::int64_t height = 0;
  double fraction = -1;
  for (const auto& [name, value] : read_output_attributes(path)) {
    if (name == "status" && std::holds_alternative<std::string>(value))
      report.incomplete = std::get<std::string>(value) == kStatusIncomplete;
    if (name == "width" && std::holds_alternative<std::int64_t>(value))
      width = std::get<std::int64_t>(value);
    if (name == "height" && std::holds_alternative<std::int64_t>(value))
      height = std::get<std::int64_t>(value);
    if (name == "negative_space_fraction" && std::holds_alternative<double>(value))
      fraction = std::get<double>(value);
  }
  // The tiles, read by member name; an output of an older nsperf has no gradient
  // checksums, and its gradient is then not checked.
  std::vector<core::TileStats> tiles;
  bool has_gradient = false;
  try {
    const Handle dataset(check(H5Dopen2(file, "tiles", H5P_DEFAULT), "H5Dopen2"), H5Dclose);
    const Handle stored(check(H5Dget_type(dataset.get()), "H5Dget_type"), H5Tclose);
    has_gradient = H5Tget_member_index(stored.get(), "gradient_checksum") >= 0;
  } catch (const Error& e) {
    H5Eclear2(H5E_DEFAULT);
    report.checks.push_back({"/tiles", false, std::string("cannot be read: ") + e.what()});
    return;
  }
  try {
    tiles = OutputReader(path).tiles();
  } catch (const Error& e) {  // "FILE: /tiles cannot be read (...)"
    report.checks.push_back({"/tiles", false, e.what()});
    return;
  }
  // The tiles cover the image, each pixel once (an incomplete run's, part of it).
  // Every figure is the file's word: bounded before it is multiplied or added.
  bool inside =
      width > 0 && height > 0 && width <= core::kMaxImageSide && height <= core::kMaxImageSide;
  std::int64_t covered = 0;
  for (const auto& tile : tiles) {
    const core::Rect& t = tile.rect;
    inside = inside && t.x >= 0 && t.y >= 0 && t.width > 0 && t.height > 0 && t.width <= width &&
             t.height <= height && t.x <= width - t.width && t.y <= height - t.height;
    if (!inside) break;
    covered += t.width * t.height;
    if (covered > width * height) break;
  }
  if (!inside || (report.incomplete ? covered > width * height : covered != width * height)) {
    report.checks.push_back({"/tiles", false,
                             "the tiles do not cover the " + std::to_string(width) + "x" +
                                 std::to_string(height) + " image once"});
    return;
  }
  const Handle mask(check(H5Dopen2(file, "mask", H5P_DEFAULT), "H5Dopen2"), H5Dclose);
  const Handle gradient(check(H5Dopen2(file, "gradient", H5P_DEFAULT), "H5Dopen2"), H5Dclose);
  // Per image: how many tiles differ from their checksums, and the first one.
  struct Damage {
    int tiles = 0;
    std::string first;
    void add(const std::string& where) {
      if (tiles++ == 0) first = where;
    }
  };
  std::int64_t background = 0;
  Damage mask_damage;
  Damage gradient_damage;
  for (const auto& tile : tiles) {
    const core::Rect& t = tile.rect;
    const std::string where = "tile " + std::to_string(tile.tile_id) + " (x " +
                              std::to_string(t.x) + ", y " + std::to_string(t.y) + ", " +
                              std::to_string(t.width) + "x" + std::to_string(t.height) + ")";
    try {
      if (!report.incomplete) {  // an incomplete run has no mask yet
        const auto m = read_block<std::uint8_t>(mask.get(), H5T_NATIVE_UINT8, t);
        background += std::count_if(m.begin(), m.end(), [](std::uint8_t v) { return v != 0; });
        if (core::checksum_of(std::span<const std::uint8_t>(m)) != tile.mask_checksum)
          mask_damage.add(where);
      }
      if (has_gradient) {
        const auto g = read_block<float>(gradient.get(), H5T_NATIVE_FLOAT, t);
        if (core::checksum_of(std::span<const float>(g)) != tile.gradient_checksum)
          gradient_damage.add(where);
      }
    } catch (const Error& e) {
      H5Eclear2(H5E_DEFAULT);
      report.checks.push_back(
          {"/mask and /gradient " + where, false, std::string("cannot be read: ") + e.what()});
      return;
    }
  }
  const auto n = std::to_string(tiles.size());
  auto tiles_check = [&](const char* image, const Damage& d) {
    report.checks.push_back({image, d.tiles == 0,
                             d.tiles == 0 ? n + " tiles, checksums match /tiles"
                                          : std::to_string(d.tiles) + " of " + n +
                                                " tiles differ from their checksums in /tiles, "
                                                "first " +
                                                image + " " + d.first});
  };
  if (report.incomplete) {
    report.checks.push_back({"/gradient", gradient_damage.tiles == 0,
                             gradient_damage.tiles == 0
                                 ? n + " complete tiles, checksums match /tiles"
                                 : std::to_string(gradient_damage.tiles) + " of " + n +
                                       " complete tiles differ from their checksums in /tiles, "
                                       "first " +
                                       gradient_damage.first});
    return;  // no mask and no negative-space fraction before the run is complete
  }
  tiles_check("/mask", mask_damage);
  if (has_gradient)
    tiles_check("/gradient", gradient_damage);
  else
    report.checks.push_back(
        {"/gradient", true, "no checksums stored (written by an older nsperf)"});
  const double recount = width * height > 0
                             ? static_cast<double>(background) / static_cast<double>(width * height)
                             : 0.0;
  const bool same = fraction >= 0 && std::abs(recount - fraction) <= 1e-12;
  report.checks.push_back({"negative_space_fraction", same,
                           "stored " + core::format_number(fraction, 10) + ", /mask gives " +
                               core::format_number(recount, 10)});
}

}  // namespace

VerifyReport verify_file(const std::filesystem::path& path) {
  VerifyReport report;
  register_zstd_filter();  // outputs may be zstd-compressed
  // Damage in the groups is reported as a check, like any other (the readers refuse the file).
  const Handle file = open_for_reading(path, /*check=*/false);
  const bool results = H5Aexists(file.get(), "schema_version") > 0;
  const bool output = !results && H5Aexists(file.get(), "output_version") > 0;
  const bool index = !results && !output && H5Aexists(file.get(), "index_version") > 0;
  H5Eclear2(H5E_DEFAULT);
  if (!results && !output && !index) {
    throw InputError(path.string() +
                     ": an HDF5 file, but neither an nsperf results file, an output of nsperf "
                     "run, nor the index of a many-image run");
  }
  report.kind = results ? "results" : output ? "output" : "index";
  const auto walk = walk_groups(file.get(), 0);
  if (!walk.damage.empty()) {
    report.checks.push_back({"/", false, walk.damage});
    return report;
  }
  try {
    if (results)
      verify_results(file.get(), path, report);
    else if (output)
      verify_output(file.get(), path, report);
    else  // the summary of a many-image run: its one table
      report.checks.push_back(table(file.get(), "images"));
  } catch (const InputError& e) {  // e.g. attributes over a damaged global heap
    H5Eclear2(H5E_DEFAULT);
    report.checks.push_back({"/", false, e.what()});
  }
  return report;
}

}  // namespace nsperf::io
