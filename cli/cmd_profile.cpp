// nsperf profile: where the time goes, and what to change.
//   mpirun -n N nsperf profile --image FILE ...   the production job (nsperf run), then its profile
//   nsperf profile FILE.h5 [FILE.h5 ...]          profiles and recommendations read from files
//   nsperf profile [-r N] -- COMMAND ARGS ...     an external command: wall, CPU, peak memory,
//                                                 hardware counters where the kernel allows
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "command.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/statistics.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/core/timer.hpp"
#include "profile_report.hpp"
#include "run_job.hpp"
#include "summary_table.hpp"

namespace nsperf::cli {
namespace {

// ---- which form ----------------------------------------------------------------------------

bool has_separator(const std::vector<std::string>& args) {
  return std::find(args.begin(), args.end(), "--") != args.end();
}

// Files to read: the first argument is not an option (nsperf profile results.h5 ...). Help
// alone is printed without MPI too.
bool reads_files(const std::vector<std::string>& args) {
  return !args.empty() && !args[0].empty() && args[0][0] != '-';
}

bool help_only(const std::vector<std::string>& args) {
  return args.size() == 1 && (args[0] == "--help" || args[0] == "-h");
}

bool needs_mpi(const std::vector<std::string>& args) {
  return !has_separator(args) && !reads_files(args) && !help_only(args);
}

// ---- files ---------------------------------------------------------------------------------

int profile_files(const CommandContext& ctx) {
  po::options_description options("Reading profiles from files");
  options.add_options()("file", po::value<std::vector<std::string>>()->value_name("FILE"),
                        "results files (nsperf benchmark) or outputs (nsperf run)")(
      "run", po::value<std::string>()->value_name("ID"),
      "the run to read from a results file (default: its newest)")(
      "top", po::value<std::int64_t>()->value_name("N"), "hotspots listed (default 15)")(
      "tree", "also print the call tree")("format", po::value<std::string>()->value_name("F"),
                                          "text (default) or json")("help,h", "this help");
  po::positional_options_description positional;
  positional.add("file", -1);
  const auto vm = parse_options(ctx.args, options, &positional, "profile");
  if (vm.count("help")) {
    std::cout << "usage: nsperf profile FILE.h5 [FILE.h5 ...] [--run ID] [--top N] [--tree] "
                 "[--format text|json]\n"
                 "       mpirun -n N nsperf profile (--image FILE | --synthetic WxH) [run "
                 "options]   (nsperf profile --synthetic 64x64 --help lists them)\n"
                 "       nsperf profile [-r N] [--format text|json] -- COMMAND [ARGS ...]\n\n"
                 "Reads each file's profile (the newest run of a results file, or an output of\n"
                 "nsperf run): time per rank, MPI share, hotspots, the profiler's overhead; then\n"
                 "the recommendations that the files' measurements support. No MPI.\n\n"
              << options;
    return 0;
  }
  const std::string format = vm.count("format") ? vm["format"].as<std::string>() : "text";
  if (format != "text" && format != "json")
    throw UsageError("--format " + format + ": valid: text, json");
  ProfileView view;
  if (const auto top = top_option(vm)) view.top = *top;
  view.tree = vm.count("tree") > 0;
  if (vm.count("file") == 0)
    throw UsageError(
        "give results files or nsperf run outputs to read (see nsperf profile --help)");
  const auto files = vm["file"].as<std::vector<std::string>>();
  std::optional<std::string> run_id;
  if (vm.count("run")) {
    if (files.size() != 1) throw UsageError("--run names a run of one file; give one file");
    run_id = vm["run"].as<std::string>();
  }
  std::vector<ProfiledRun> runs;
  for (const auto& f : files) runs.push_back(read_profiled_run(f, run_id));
  const auto recs = recommendations_for(runs);
  if (format == "json") {
    std::cout << profile_json(runs, recs, view).dump(2) << "\n";
    return 0;
  }
  for (const auto& r : runs) {
    print_profile(std::cout, r, view);
    std::cout << "\n";
  }
  print_recommendations(std::cout, recs);
  return 0;
}

// ---- an external command -------------------------------------------------------------------

constexpr std::array<const char*, 3> kCounters = {"cycles", "instructions", "cache-misses"};

struct Execution {
  double wall_s = 0;
  double user_s = 0;
  double sys_s = 0;
  std::int64_t max_rss_bytes = 0;
  std::int64_t minor_faults = 0;
  std::int64_t major_faults = 0;
  std::int64_t voluntary_switches = 0;
  std::int64_t involuntary_switches = 0;
  int exit_code = 0;  // -1 when killed by a signal
  int signal = 0;
  std::array<std::optional<double>, kCounters.size()> counters;  // scaled if multiplexed
};

std::string paranoid_level() {
  std::ifstream in("/proc/sys/kernel/perf_event_paranoid");
  std::string level;
  return (in >> level) ? level : "unknown";
}

std::string signal_name(int sig) {
  const char* name = sigabbrev_np(sig);
  return name != nullptr ? std::string("SIG") + name : "signal " + std::to_string(sig);
}

// Where execvp would find `name`: itself if it holds a '/', else the first executable in PATH.
std::optional<std::string> resolve_program(const std::string& name) {
  auto runnable = [](const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string::npos) {
    if (runnable(name)) return name;
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  const std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t from = 0;
  while (from <= dirs.size()) {
    const auto colon = dirs.find(':', from);
    std::string dir =
        dirs.substr(from, colon == std::string::npos ? std::string::npos : colon - from);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + name;
    if (runnable(candidate)) return candidate;
    if (colon == std::string::npos) break;
    from = colon + 1;
  }
  return std::nullopt;
}

// nsperf-exec, installed beside nsperf (cli/nsperf_exec.c says why the command is started from
// it rather than from nsperf).
std::string helper_path() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const auto helper = self.parent_path() / "nsperf-exec";
  if (ec || ::access(helper.c_str(), X_OK) != 0) {
    throw IoError("nsperf-exec, which runs the command for nsperf profile, is not beside " +
                  self.string() + " (an incomplete installation: cmake --install installs both)");
  }
  return helper.string();
}

class ExternalCommand {
 public:
  explicit ExternalCommand(std::vector<std::string> argv)
      : argv_(std::move(argv)), helper_(helper_path()) {
    const auto program = resolve_program(argv_[0]);
    if (!program) {
      throw InputError("cannot run '" + argv_[0] + "': " +
                       (argv_[0].find('/') != std::string::npos
                            ? "no such executable file"
                            : "not found in PATH (nsperf profile runs no shell: give a program "
                              "and its arguments)"));
    }
    program_ = *program;
  }

  // Runs the command once through nsperf-exec and reads what it measured.
  Execution run() {
    int result[2];
    if (pipe2(result, O_CLOEXEC) != 0) throw IoError(std::string("pipe: ") + std::strerror(errno));
    std::vector<std::string> exec = {helper_, std::to_string(result[1]), program_};
    exec.insert(exec.end(), argv_.begin(), argv_.end());
    std::vector<char*> args;
    for (auto& a : exec) args.push_back(a.data());
    args.push_back(nullptr);
    std::cout.flush();
    const pid_t pid = fork();
    if (pid < 0) throw IoError(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
      // The helper writes to the pipe's write end, which must survive its exec.
      (void)!fcntl(result[1], F_SETFD, 0);
      execv(args[0], args.data());
      _exit(127);
    }
    close(result[1]);
    std::string line;
    char buffer[256];
    ssize_t n = 0;
    while ((n = read(result[0], buffer, sizeof buffer)) != 0) {
      if (n < 0) {
        if (errno == EINTR) continue;
        break;
      }
      line.append(buffer, static_cast<std::size_t>(n));
    }
    close(result[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    std::istringstream in(line);
    int exec_errno = 0;
    long long wall_ns = 0;
    long long user_us = 0;
    long long sys_us = 0;
    long max_rss_kib = 0;
    int wstatus = 0;
    int perf_errno = 0;
    Execution e;
    if (!(in >> exec_errno >> wall_ns >> user_us >> sys_us >> max_rss_kib >> e.minor_faults >>
          e.major_faults >> e.voluntary_switches >> e.involuntary_switches >> wstatus >>
          perf_errno)) {
      throw IoError("nsperf-exec (" + helper_ + ") reported nothing (exit status " +
                    std::to_string(status) + ")");
    }
    if (exec_errno != 0) {
      throw InputError("cannot run '" + argv_[0] + "': " + std::strerror(exec_errno));
    }
    for (std::size_t c = 0; c < kCounters.size(); ++c) {
      unsigned long long value = 0;
      unsigned long long enabled = 0;
      unsigned long long running = 0;
      if (in >> value >> enabled >> running && perf_errno == 0 && running > 0) {
        e.counters[c] = static_cast<double>(value) * static_cast<double>(enabled) /
                        static_cast<double>(running);
      }
    }
    if (perf_errno != 0 && counters_) {
      counters_ = false;
      counters_note_ = std::string("perf_event_open(cycles): ") + std::strerror(perf_errno) +
                       (perf_errno == ENOENT || perf_errno == EOPNOTSUPP
                            ? " (this machine exposes no hardware performance counters, as in "
                              "a VM without PMU passthrough)"
                            : "") +
                       "; /proc/sys/kernel/perf_event_paranoid = " + paranoid_level();
    }
    e.wall_s = static_cast<double>(wall_ns) * 1e-9;
    e.user_s = static_cast<double>(user_us) * 1e-6;
    e.sys_s = static_cast<double>(sys_us) * 1e-6;
    e.max_rss_bytes = static_cast<std::int64_t>(max_rss_kib) * 1024;
    if (WIFEXITED(wstatus)) {
      e.exit_code = WEXITSTATUS(wstatus);
    } else if (WIFSIGNALED(wstatus)) {
      e.exit_code = -1;
      e.signal = WTERMSIG(wstatus);
    }
    return e;
  }

  [[nodiscard]] bool counters() const { return counters_; }
  [[nodiscard]] const std::string& counters_note() const { return counters_note_; }
  [[nodiscard]] std::string text() const { return core::join(argv_, " "); }

 private:
  std::vector<std::string> argv_;
  std::string helper_;
  std::string program_;
  bool counters_ = true;
  std::string counters_note_;
};

std::string outcome(const Execution& e) {
  return e.signal != 0 ? "killed by " + signal_name(e.signal)
                       : "exit " + std::to_string(e.exit_code);
}

double median_of(const std::vector<Execution>& runs, double (*field)(const Execution&)) {
  std::vector<double> v;
  for (const auto& r : runs) v.push_back(field(r));
  return core::median(v);
}

int profile_command(const CommandContext& ctx) {
  const auto sep = std::find(ctx.args.begin(), ctx.args.end(), "--");
  const std::vector<std::string> own(ctx.args.begin(), sep);
  std::vector<std::string> argv(sep + 1, ctx.args.end());
  po::options_description options("Profiling a command");
  options.add_options()("repetitions,r", po::value<std::int64_t>()->value_name("N"),
                        "measured runs (default 5)")(
      "warmup,w", po::value<std::int64_t>()->value_name("N"), "unmeasured runs first (default 0)")(
      "format", po::value<std::string>()->value_name("F"), "text (default) or json")("help,h",
                                                                                     "this help");
  const auto vm = parse_options(own, options, nullptr, "profile");
  if (vm.count("help")) {
    std::cout
        << "usage: nsperf profile [-r N] [-w N] [--format text|json] -- COMMAND [ARGS ...]\n\n"
           "Runs COMMAND (execvp: no shell, so no quoting or redirection) N times and "
           "reports\nper run and as medians: wall time, user and system CPU time, peak "
           "resident memory\n(wait4), page faults, context switches, and the hardware "
           "counters cycles,\ninstructions and cache misses (perf_event_open, user space, "
           "the command and its\nchildren) where the kernel allows them; where it does "
           "not, it says why. Exit 1\nif any run fails.\n\n"
        << options;
    return 0;
  }
  if (argv.empty()) throw UsageError("nothing to run after '--' (nsperf profile -- COMMAND ARGS)");
  const std::int64_t repetitions =
      vm.count("repetitions") ? vm["repetitions"].as<std::int64_t>() : 5;
  const std::int64_t warmup = vm.count("warmup") ? vm["warmup"].as<std::int64_t>() : 0;
  if (repetitions < 1 || repetitions > 100000)
    throw UsageError("--repetitions " + std::to_string(repetitions) + ": valid: 1 to 100000");
  if (warmup < 0 || warmup > 100000)
    throw UsageError("--warmup " + std::to_string(warmup) + ": valid: 0 to 100000");
  const std::string format = vm.count("format") ? vm["format"].as<std::string>() : "text";
  if (format != "text" && format != "json")
    throw UsageError("--format " + format + ": valid: text, json");

  ExternalCommand command(argv);
  for (std::int64_t i = 0; i < warmup; ++i) command.run();
  std::vector<Execution> runs;
  for (std::int64_t i = 0; i < repetitions; ++i) runs.push_back(command.run());
  const bool all_ok =
      std::all_of(runs.begin(), runs.end(), [](const Execution& e) { return e.exit_code == 0; });

  if (format == "json") {
    nlohmann::json j;
    j["command"] = argv;
    j["repetitions"] = repetitions;
    j["warmup"] = warmup;
    j["counters_available"] = command.counters();
    j["counters_note"] = command.counters_note();
    for (const auto& e : runs) {
      nlohmann::json r = {{"wall_s", e.wall_s},
                          {"user_s", e.user_s},
                          {"sys_s", e.sys_s},
                          {"max_rss_bytes", e.max_rss_bytes},
                          {"minor_faults", e.minor_faults},
                          {"major_faults", e.major_faults},
                          {"voluntary_switches", e.voluntary_switches},
                          {"involuntary_switches", e.involuntary_switches},
                          {"exit_code", e.exit_code},
                          {"signal", e.signal}};
      for (std::size_t c = 0; c < kCounters.size(); ++c)
        r[kCounters[c]] = e.counters[c] ? nlohmann::json(*e.counters[c]) : nullptr;
      j["runs"].push_back(r);
    }
    j["median"] = {{"wall_s", median_of(runs, [](const Execution& e) { return e.wall_s; })},
                   {"user_s", median_of(runs, [](const Execution& e) { return e.user_s; })},
                   {"sys_s", median_of(runs, [](const Execution& e) { return e.sys_s; })},
                   {"max_rss_bytes", median_of(runs, [](const Execution& e) {
                      return static_cast<double>(e.max_rss_bytes);
                    })}};
    std::cout << j.dump(2) << "\n";
    return all_ok ? 0 : static_cast<int>(ExitCode::runtime);
  }

  std::cout << "profile: " << command.text() << " (" << repetitions << " run"
            << (repetitions == 1 ? "" : "s")
            << (warmup > 0 ? " after " + std::to_string(warmup) + " warm-up" : "") << ")\n";
  std::cout << "  run  wall        user        sys         peak RSS    faults (minor/major)  "
               "switches (vol/invol)  outcome";
  if (command.counters()) std::cout << "  cycles  instructions  IPC  cache misses";
  std::cout << "\n";
  auto fmt = [](const std::string& s, std::size_t w) {
    std::string t = s;
    if (t.size() < w) t.resize(w, ' ');
    return t;
  };
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& e = runs[i];
    std::cout << "  " << fmt(std::to_string(i + 1), 3) << "  " << fmt(format_seconds(e.wall_s), 10)
              << "  " << fmt(format_seconds(e.user_s), 10) << "  "
              << fmt(format_seconds(e.sys_s), 10) << "  "
              << fmt(core::format_bytes(static_cast<double>(e.max_rss_bytes)), 10) << "  "
              << fmt(std::to_string(e.minor_faults) + "/" + std::to_string(e.major_faults), 20)
              << "  "
              << fmt(std::to_string(e.voluntary_switches) + "/" +
                         std::to_string(e.involuntary_switches),
                     20)
              << "  " << outcome(e);
    if (command.counters()) {
      auto value = [&](std::size_t c) {
        return e.counters[c] ? core::format_number(*e.counters[c], 4) : std::string("n/a");
      };
      std::cout << "  " << value(0) << "  " << value(1) << "  "
                << (e.counters[0] && e.counters[1] && *e.counters[0] > 0
                        ? core::format_number(*e.counters[1] / *e.counters[0], 3)
                        : std::string("n/a"))
                << "  " << value(2);
    }
    std::cout << "\n";
  }
  std::vector<double> walls;
  for (const auto& e : runs) walls.push_back(e.wall_s);
  const auto s = core::summarize(walls);
  std::cout << "  median wall " << format_seconds(s.median) << " [" << format_seconds(s.ci.low)
            << ", " << format_seconds(s.ci.high) << "] ("
            << core::format_number(100 * s.ci.level, 3) << "% interval of the median), min "
            << format_seconds(s.min) << ", max " << format_seconds(s.max) << "; median user "
            << format_seconds(median_of(runs, [](const Execution& e) { return e.user_s; }))
            << ", sys "
            << format_seconds(median_of(runs, [](const Execution& e) { return e.sys_s; }))
            << ", peak RSS "
            << core::format_bytes(median_of(
                   runs, [](const Execution& e) { return static_cast<double>(e.max_rss_bytes); }))
            << "\n";
  if (!command.counters())
    std::cout << "  hardware counters: unavailable: " << command.counters_note() << "\n";
  if (!all_ok) std::cout << "  the command failed in at least one run (see outcome)\n";
  return all_ok ? 0 : static_cast<int>(ExitCode::runtime);
}

int run(const CommandContext& ctx) {
  if (has_separator(ctx.args)) return profile_command(ctx);
  if (ctx.world == nullptr) return profile_files(ctx);
  return run_job(ctx, /*profile=*/true);
}

}  // namespace
}  // namespace nsperf::cli

NSPERF_REGISTER_COMMAND_MPI_IF(
    Profile, "profile",
    "hotspots and recommendations: of the production job, of result files, or of a command",
    &nsperf::cli::run, &nsperf::cli::needs_mpi)
