#include "report_writer.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "nsperf/analysis/profile_report.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/temporary_file.hpp"
#include "nsperf/io/output_file.hpp"
#include "nsperf/io/results_file.hpp"

extern char** environ;

namespace nsperf::cli {
namespace {

namespace fs = std::filesystem;

std::string python() {
  // Debian's interpreter has h5py, pandas and matplotlib; the first python3 on PATH may not.
  if (access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";
  return "python3";
}

}  // namespace

fs::path report_script() {
  std::error_code ec;
  const auto self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto installed = self.parent_path() / ".." / "share" / "nsperf" / "scripts" / "report.py";
    if (fs::exists(installed)) return fs::weakly_canonical(installed);
  }
  const fs::path source = fs::path(NSPERF_SOURCE_DIR) / "scripts" / "report.py";
  if (fs::exists(source)) return source;
  throw IoError("scripts/report.py not found beside this nsperf or in its source tree (" +
                std::string(NSPERF_SOURCE_DIR) + ")");
}

std::size_t write_report(const ReportRequest& request) {
  if (request.files.empty()) throw UsageError("give one or more results files to report on");
  const fs::path output = request.output;
  if (fs::is_directory(output)) throw UsageError("-o " + output.string() + ": is a folder");
  for (const auto& f : request.files) {
    std::error_code ec;
    if (fs::equivalent(f, output, ec))
      throw UsageError("-o " + output.string() + ": is one of the input files");
  }
  // Every run of every file, checked here so that a bad file is named before any work.
  std::vector<analysis::ProfiledRun> runs;
  for (const auto& f : request.files) {
    if (io::is_output_file(f)) {
      runs.push_back(analysis::read_profiled_run(f, std::nullopt));
      continue;
    }
    for (const auto& id : io::list_runs(f)) {
      // The same run in two files (a merged file and one of its parts) counts once.
      const bool seen = std::any_of(runs.begin(), runs.end(), [&](const analysis::ProfiledRun& r) {
        return r.run_id == id && r.kind == "benchmark";
      });
      if (!seen) runs.push_back(analysis::read_profiled_run(f, id));
    }
  }
  if (runs.empty()) throw InputError("the files hold no run to report on");
  std::stable_sort(
      runs.begin(), runs.end(), [](const analysis::ProfiledRun& a, const analysis::ProfiledRun& b) {
        return a.run_id < b.run_id;  // run ids sort by time: the rules read the newest last
      });
  // Hotspots of the newest run of each file; recommendations over all of them.
  std::vector<analysis::ProfiledRun> newest;
  for (const auto& r : runs) {
    auto same = std::find_if(newest.begin(), newest.end(),
                             [&](const analysis::ProfiledRun& n) { return n.file == r.file; });
    if (same == newest.end())
      newest.push_back(r);
    else
      *same = r;
  }
  const auto recs = analysis::recommendations_for(runs);
  analysis::ProfileView view;
  view.top = request.top;
  const auto script = report_script();

  core::TemporaryFile json(output, ".json");
  {
    std::ofstream out(json.path());
    out << analysis::profile_json(newest, recs, view).dump();
    if (!out) throw IoError(json.path().string() + ": cannot be written");
  }
  core::TemporaryFile page(output, ".html");
  std::vector<std::string> args = {python(),
                                   script.string(),
                                   "--profile-json",
                                   json.path().string(),
                                   "--title",
                                   request.title,
                                   "-o",
                                   page.path().string()};
  for (const auto& f : request.files) args.push_back(f.string());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // posix_spawn rather than fork: safe inside an MPI process (benchmark --visualize), and no
  // shell is involved.
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
  if (rc != 0) throw IoError("cannot start " + args[0] + ": " + std::strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw IoError(std::string("waitpid: ") + std::strerror(errno));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw IoError(script.string() + " failed (" +
                  (WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                     : "signal " + std::to_string(WTERMSIG(status))) +
                  "; it needs Debian's python3-h5py, python3-pandas and python3-matplotlib: "
                  "scripts/install-deps); nothing written to " +
                  output.string());
  }
  page.rename_to(output);
  return runs.size();
}

}  // namespace nsperf::cli
