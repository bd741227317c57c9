#include "run_many.hpp"

#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>

#include "metrics_session.hpp"
#include "nsperf/analysis/summary_table.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/stop.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/io/image_index.hpp"
#include "nsperf/io/image_reader.hpp"
#include "nsperf/io/verify.hpp"
#include "nsperf/mpi/batch.hpp"
#include "nsperf/mpi/job_context.hpp"
#include "nsperf/mpi/phase.hpp"
#include "progress_line.hpp"

namespace nsperf::cli {
namespace {

namespace fs = std::filesystem;
using Action = mpi::BatchImage::Action;

constexpr const char* kIndexName = "index.h5";

// The file `image` names: without a FITS extension or HDF5 dataset; the text itself when what
// follows it is not a well-formed selection (the image then fails with the reader's message).
std::string file_of(const std::string& image) {
  try {
    return io::parse_image_input(image, std::nullopt).path;
  } catch (const InputError&) {
    return image;
  }
}

// The files a glob matches, sorted (glob's order); empty when none.
std::vector<std::string> glob_files(const std::string& pattern) {
  glob_t found{};
  const int rc = ::glob(pattern.c_str(), 0, nullptr, &found);
  std::vector<std::string> paths;
  if (rc == 0)
    for (std::size_t i = 0; i < found.gl_pathc; ++i) paths.emplace_back(found.gl_pathv[i]);
  globfree(&found);
  if (rc != 0 && rc != GLOB_NOMATCH) {
    throw InputError("--image '" + pattern +
                     "': cannot be searched (a folder on the way cannot be read)");
  }
  return paths;
}

// The images a glob names (none: empty). A FITS extension or HDF5 dataset after the files' pattern
// ('night/*.fits[SCI]', 'runs/*.h5:/image') is kept for every file the pattern matches, unless the
// whole text matches files itself.
std::vector<std::string> expand_glob(const std::string& pattern) {
  auto images = glob_files(pattern);
  if (images.empty()) {
    const std::string files = file_of(pattern);
    if (files.size() < pattern.size() && pattern.starts_with(files)) {
      const std::string selection = pattern.substr(files.size());
      for (const auto& file : glob_files(files)) images.push_back(file + selection);
    }
  }
  return images;
}

// One image per line; blank lines and lines starting with # are left out. Paths are as the
// shell would take them: relative to the working directory.
std::vector<std::string> read_list(const std::string& list) {
  std::ifstream in(list);
  if (!in) throw InputError("--images " + list + ": cannot be read (" + std::strerror(errno) + ")");
  std::vector<std::string> images;
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto last = line.find_last_not_of(" \t\r");
    images.push_back(line.substr(first, last - first + 1));
  }
  if (in.bad()) throw InputError("--images " + list + ": read failed");
  if (images.empty()) throw UsageError("--images " + list + ": names no image");
  return images;
}

}  // namespace

std::vector<std::string> image_texts(const std::vector<std::string>& given,
                                     const std::string& list) {
  std::vector<std::string> texts;
  for (const auto& image : given) {
    // Any of * ? [ may be a pattern ('frame00[0-2].png'); a text that matches no file is still
    // an image when the file it names exists ('x.fits[SCI]' never matches as a pattern).
    if (image.find_first_of("*?[") == std::string::npos) {
      texts.push_back(image);
      continue;
    }
    auto paths = expand_glob(image);
    std::error_code ec;
    if (paths.empty() && !is_glob(image) && fs::exists(file_of(image), ec)) paths.push_back(image);
    if (paths.empty()) throw UsageError("--image '" + image + "': matches no file");
    texts.insert(texts.end(), paths.begin(), paths.end());
  }
  if (!list.empty()) {
    const auto listed = read_list(list);
    texts.insert(texts.end(), listed.begin(), listed.end());
  }
  if (texts.empty())
    throw UsageError("no image: give --image FILE (repeatable, globs) or --images LIST");
  return texts;
}

namespace {

// Rank 0, before any work: the images, their outputs, and what to do with each.
std::vector<mpi::BatchImage> plan(const ManyImages& many) {
  const std::vector<std::string> texts = image_texts(many.images, many.list);

  const fs::path dir = many.output_dir;
  const std::string dir_name = "--output-dir " + many.output_dir;
  if (fs::exists(dir) && !fs::is_directory(dir))
    throw InputError(dir_name + ": exists and is not a folder");

  // Outputs by name: two images with one stem would write one file.
  std::map<std::string, std::string> by_output{{kIndexName, ""}};
  std::vector<mpi::BatchImage> images;
  std::set<std::pair<dev_t, ino_t>> inputs;
  for (const auto& text : texts) {
    mpi::BatchImage item;
    item.image = text;
    const std::string file = file_of(text);
    const std::string name = fs::path(file).stem().string() + ".h5";
    const auto [it, added] = by_output.emplace(name, text);
    if (!added && it->second == text) throw UsageError("--image " + text + ": given twice");
    if (!added) {
      throw UsageError(it->second.empty()
                           ? "--image " + text + ": its output would be " + (dir / name).string() +
                                 ", the name of the job's summary; rename the image"
                           : "--image " + it->second + " and " + text + ": both would write " +
                                 (dir / name).string() +
                                 "; rename one, or run them in separate jobs");
    }
    item.output = (dir / name).string();
    struct stat st {};
    if (::stat(file.c_str(), &st) == 0) {
      item.file_bytes = st.st_size;
      inputs.emplace(st.st_dev, st.st_ino);
    }
    images.push_back(std::move(item));
  }

  // The folder is made only once the command line is known to be good.
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError(dir_name + ": cannot be made (" + ec.message() + ")");
  mpi::check_new_file(dir / kIndexName, dir_name);

  // An output that is an input (by any path or link) would destroy it: never, even with --force.
  std::vector<std::string> existing;
  for (auto& item : images) {
    struct stat st {};
    if (::lstat(item.output.c_str(), &st) != 0) continue;
    struct stat target {};
    if (::stat(item.output.c_str(), &target) == 0 && inputs.count({target.st_dev, target.st_ino})) {
      throw UsageError(dir_name + ": " + item.output +
                       " is one of the input images; writing the output would replace it, so "
                       "nsperf refuses this even with --force");
    }
    mpi::check_replaceable(item.output, "--output-dir: " + item.output);
    if (many.resume) {
      // Kept when complete and intact; continued when a stop signal left it incomplete;
      // anything else (damaged, or not an output) is run again.
      const auto report = io::verify_file(item.output);
      if (report.ok() && !report.incomplete)
        item.action = Action::skip;
      else if (report.ok() && report.incomplete)
        item.action = Action::resume;
    } else if (many.mode != mpi::WriteMode::overwrite) {
      existing.push_back(item.output);
    }
  }
  if (!many.resume && many.mode != mpi::WriteMode::overwrite && fs::exists(dir / kIndexName))
    existing.push_back((dir / kIndexName).string());
  if (!existing.empty()) {
    throw InputError(dir_name + ": " + std::to_string(existing.size()) + " output" +
                     (existing.size() == 1 ? " exists (" : "s exist (") + existing.front() +
                     (existing.size() > 1 ? ", ..." : "") +
                     "); --resume keeps the complete ones and runs the rest, --force replaces "
                     "them");
  }
  return images;
}

std::string seconds(double s) { return std::isnan(s) ? "-" : analysis::format_seconds(s); }

void print_summary(std::ostream& out, const std::vector<io::ImageIndexRow>& rows, int ranks,
                   const std::string& index) {
  std::map<std::string, int> by_status;
  for (const auto& r : rows) ++by_status[r.status];
  out << "nsperf run: " << rows.size() << " image" << (rows.size() == 1 ? "" : "s") << " on "
      << ranks << " rank" << (ranks == 1 ? "" : "s") << ":";
  const char* sep = " ";
  for (const auto& [status, n] : by_status) {
    out << sep << n << " " << status;
    sep = ", ";
  }
  out << "\n";
  // One line per image; "-" is what this job did not measure. A check column only with --check.
  const bool checked =
      std::any_of(rows.begin(), rows.end(), [](const auto& r) { return !std::isnan(r.check_s); });
  std::vector<std::vector<std::string>> table{
      {"image", "size", "threshold", "negative space", "read", "pipeline"}};
  if (checked) table.front().emplace_back("check");
  for (const char* column : {"write", "wall", "rank", "status"}) table.front().emplace_back(column);
  for (const auto& r : rows) {
    std::vector<std::string> line{
        r.image,
        r.width > 0 ? std::to_string(r.width) + "x" + std::to_string(r.height) : "-",
        r.threshold >= 0 ? std::to_string(r.threshold) : "-",
        std::isnan(r.negative_space_fraction)
            ? "-"
            : core::format_number(100 * r.negative_space_fraction, 3) + "%",
        seconds(r.read_s),
        seconds(r.pipeline_s)};
    if (checked) line.push_back(seconds(r.check_s));
    for (auto&& cell : {seconds(r.write_s), seconds(r.wall_s),
                        r.ranks == 0 ? std::string("-")
                        : r.rank < 0 ? std::string("all")
                                     : std::to_string(r.rank),
                        r.status})
      line.push_back(cell);
    table.push_back(std::move(line));
  }
  std::vector<std::size_t> width(table.front().size(), 0);
  for (const auto& line : table)
    for (std::size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], line[c].size());
  for (const auto& line : table) {
    out << " ";
    for (std::size_t c = 0; c < line.size(); ++c) {
      // Text left, figures right.
      const bool left = c == 0 || c == line.size() - 1;
      out << " " << (left ? std::left : std::right) << std::setw(static_cast<int>(width[c]))
          << line[c];
    }
    out << std::right << "\n";
  }
  for (const auto& r : rows)
    if (!r.error.empty()) out << "  " << r.status << ": " << r.image << ": " << r.error << "\n";
  out << "index: " << index << " (/images, one row per image; docs/output-layout.md)\n";
}

}  // namespace

bool is_glob(const std::string& text) { return text.find_first_of("*?") != std::string::npos; }

int run_many(const CommandContext& ctx, const ManyImages& many, const core::Config& cfg) {
  const auto& world = *ctx.world;
  mpi::BatchRequest request{cfg, ctx.command_line, {}, [] { return core::stop_signal(); }};
  mpi::run_phase(world, "images", [&] {
    if (world.rank() != 0) return;
    if (!cfg.run.catalog.empty()) {
      throw UsageError(
          "--catalog: not available with several images yet; run one image per job "
          "to catalog it");
    }
    request.images = plan(many);
  });
  MetricsSession metrics(world, many.publish);
  if (world.rank() == 0) {
    // The job's own labels: a batch has no single run (each image's output has its own).
    core::Provenance p = core::capture_local_provenance(ctx.command_line);
    p.run_id = mpi::new_run_id();
    p.image = std::to_string(request.images.size()) + " images";
    p.ranks = world.size();
    p.threads_per_rank = cfg.setting<int>("cpu", "threads");
    p.hosts = mpi::node_name();
    metrics.start(p);
  }
  ProgressLine progress(many.progress, "images");
  core::watch_stop_signals();
  const core::Stopwatch clock;
  const auto rows = metrics.guard(
      [&] { return mpi::run_batch(world, request, metrics.progress(&progress, "images")); });
  const fs::path index = fs::path(many.output_dir) / kIndexName;
  int code = 0;
  if (world.rank() == 0) {
    const double job_s = clock.elapsed_s();
    std::int64_t pixels = 0;
    for (const auto& r : rows) {
      namespace status = io::image_status;
      if (r.status == status::failed || r.status == status::check_failed) code = std::max(code, 1);
      if (r.status == status::interrupted || r.status == status::not_run) code = 3;
      if (r.status == status::ok || r.status == status::check_failed) pixels += r.width * r.height;
    }
    const boost::mpi::communicator self(MPI_COMM_SELF, boost::mpi::comm_attach);
    mpi::write_through_temporary(self, index, /*copy_existing=*/false, "index",
                                 [&](const std::string& temporary) {
                                   io::write_image_index(temporary, rows,
                                                         {{"command_line", ctx.command_line},
                                                          {"ranks", std::int64_t{world.size()}},
                                                          {"images_s", job_s}});
                                 });
    print_summary(std::cout, rows, world.size(), index.string());
    std::cout << "images: " << analysis::format_seconds(job_s)
              << " from the first image's start to the last one's end; "
              << core::format_number(static_cast<double>(pixels) / 1e6 / job_s, 3)
              << " MP/s (the pixels of the images written, over that time)\n";
    after_finalize([wall = ctx.start_s + ctx.since_init.elapsed_s(),
                    launcher = ctx.launcher](double finalize_s) {
      std::cout << "wall: " << analysis::format_seconds(wall + finalize_s) << " from "
                << (launcher.empty() ? "this process's" : launcher + "'s")
                << " start to MPI_Finalize done\n"
                << std::flush;
    });
  }
  boost::mpi::broadcast(world, code, 0);
  metrics.finish(
      [&](metrics::Metrics& m) {
        std::map<std::string, std::int64_t> counts;
        std::int64_t settled = 0;  // what the progress line last showed may lag the last image
        for (const auto& r : rows) {
          ++counts[r.status];
          if (r.status != io::image_status::interrupted && r.status != io::image_status::not_run)
            ++settled;
        }
        m.progress(settled, static_cast<std::int64_t>(rows.size()), "images");
        const std::vector<std::pair<std::string, std::int64_t>> by_status(counts.begin(),
                                                                          counts.end());
        m.images(by_status);
      },
      code);
  return code;
}

}  // namespace nsperf::cli
