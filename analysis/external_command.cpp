#include "nsperf/analysis/external_command.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nsperf/analysis/summary_table.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/statistics.hpp"
#include "nsperf/core/stop.hpp"
#include "nsperf/core/text.hpp"

namespace nsperf::analysis {
namespace {

std::string paranoid_level() {
  std::ifstream in("/proc/sys/kernel/perf_event_paranoid");
  std::string level;
  return (in >> level) ? level : "unknown";
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

double median_of(const std::vector<Execution>& runs, double (*field)(const Execution&)) {
  std::vector<double> v;
  for (const auto& r : runs) v.push_back(field(r));
  return core::median(v);
}

void write_profile_json(std::ostream& out, const ExternalProfile& p) {
  nlohmann::json j;
  j["command"] = p.argv;
  j["repetitions"] = p.repetitions;
  j["warmup"] = p.warmup;
  j["counters_available"] = p.counters;
  j["counters_note"] = p.counters_note;
  for (const auto& e : p.runs) {
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
  j["median"] = {{"wall_s", median_of(p.runs, [](const Execution& e) { return e.wall_s; })},
                 {"user_s", median_of(p.runs, [](const Execution& e) { return e.user_s; })},
                 {"sys_s", median_of(p.runs, [](const Execution& e) { return e.sys_s; })},
                 {"max_rss_bytes", median_of(p.runs, [](const Execution& e) {
                    return static_cast<double>(e.max_rss_bytes);
                  })}};
  out << j.dump(2) << "\n";
}

void write_profile_text(std::ostream& out, const ExternalProfile& p) {
  out << "profile: " << core::join(p.argv, " ") << " (" << p.repetitions << " run"
      << (p.repetitions == 1 ? "" : "s")
      << (p.warmup > 0 ? " after " + std::to_string(p.warmup) + " warm-up" : "") << ")\n";
  out << "  run  wall        user        sys         peak RSS    faults (minor/major)  "
         "switches (vol/invol)  outcome";
  if (p.counters) out << "  cycles  instructions  IPC  cache misses";
  out << "\n";
  auto fmt = [](const std::string& s, std::size_t w) {
    std::string t = s;
    if (t.size() < w) t.resize(w, ' ');
    return t;
  };
  for (std::size_t i = 0; i < p.runs.size(); ++i) {
    const auto& e = p.runs[i];
    out << "  " << fmt(std::to_string(i + 1), 3) << "  " << fmt(format_seconds(e.wall_s), 10)
        << "  " << fmt(format_seconds(e.user_s), 10) << "  " << fmt(format_seconds(e.sys_s), 10)
        << "  " << fmt(core::format_bytes(static_cast<double>(e.max_rss_bytes)), 10) << "  "
        << fmt(std::to_string(e.minor_faults) + "/" + std::to_string(e.major_faults), 20) << "  "
        << fmt(std::to_string(e.voluntary_switches) + "/" + std::to_string(e.involuntary_switches),
               20)
        << "  " << outcome(e);
    if (p.counters) {
      auto value = [&](std::size_t c) {
        return e.counters[c] ? core::format_number(*e.counters[c], 4) : std::string("n/a");
      };
      out << "  " << value(0) << "  " << value(1) << "  "
          << (e.counters[0] && e.counters[1] && *e.counters[0] > 0
                  ? core::format_number(*e.counters[1] / *e.counters[0], 3)
                  : std::string("n/a"))
          << "  " << value(2);
    }
    out << "\n";
  }
  std::vector<double> walls;
  for (const auto& e : p.runs) walls.push_back(e.wall_s);
  const auto s = core::summarize(walls);
  out << "  median wall " << format_seconds(s.median) << " " << format_interval(s.ci.low, s.ci.high)
      << " (" << core::format_number(100 * s.ci.level, 3) << "% interval of the median), min "
      << format_seconds(s.min) << ", max " << format_seconds(s.max) << "; median user "
      << format_seconds(median_of(p.runs, [](const Execution& e) { return e.user_s; })) << ", sys "
      << format_seconds(median_of(p.runs, [](const Execution& e) { return e.sys_s; }))
      << ", peak RSS "
      << core::format_bytes(median_of(
             p.runs, [](const Execution& e) { return static_cast<double>(e.max_rss_bytes); }))
      << "\n";
  if (s.ci.level < 0.95) {
    out << "  note: " << p.runs.size() << " run" << (p.runs.size() == 1 ? "" : "s")
        << " cannot give a 95% interval of the median; -r 6 or more can\n";
  }
  if (!p.counters) out << "  hardware counters: unavailable: " << p.counters_note << "\n";
  if (!p.all_ok()) out << "  the command failed in at least one run (see outcome)\n";
}

}  // namespace

std::optional<HelperReport> parse_helper_report(const std::string& line) {
  std::istringstream in(line);
  long long wall_ns = 0;
  long long user_us = 0;
  long long sys_us = 0;
  long max_rss_kib = 0;
  int wstatus = 0;
  HelperReport r;
  Execution& e = r.execution;
  if (!(in >> r.exec_errno >> wall_ns >> user_us >> sys_us >> max_rss_kib >> e.minor_faults >>
        e.major_faults >> e.voluntary_switches >> e.involuntary_switches >> wstatus >>
        r.perf_errno)) {
    return std::nullopt;
  }
  for (std::size_t c = 0; c < kCounters.size(); ++c) {
    unsigned long long value = 0;
    unsigned long long enabled = 0;
    unsigned long long running = 0;
    if (in >> value >> enabled >> running && r.perf_errno == 0 && running > 0) {
      e.counters[c] =
          static_cast<double>(value) * static_cast<double>(enabled) / static_cast<double>(running);
    }
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
  return r;
}

std::optional<std::string> resolve_program(const std::string& name, const std::string& path) {
  auto runnable = [](const std::string& file) {
    struct stat st {};
    return ::stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(file.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string::npos) {
    if (runnable(name)) return name;
    return std::nullopt;
  }
  std::size_t from = 0;
  while (from <= path.size()) {
    const auto colon = path.find(':', from);
    std::string dir =
        path.substr(from, colon == std::string::npos ? std::string::npos : colon - from);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + name;
    if (runnable(candidate)) return candidate;
    if (colon == std::string::npos) break;
    from = colon + 1;
  }
  return std::nullopt;
}

std::string outcome(const Execution& e) {
  return e.signal != 0 ? "killed by " + core::signal_name(e.signal)
                       : "exit " + std::to_string(e.exit_code);
}

ExternalCommand::ExternalCommand(std::vector<std::string> argv)
    : argv_(std::move(argv)), helper_(helper_path()) {
  const char* path = std::getenv("PATH");
  const auto program =
      resolve_program(argv_[0], path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  if (!program) {
    throw InputError("cannot run '" + argv_[0] + "': " +
                     (argv_[0].find('/') != std::string::npos
                          ? "no such executable file"
                          : "not found in PATH (nsperf profile runs no shell: give a program "
                            "and its arguments)"));
  }
  program_ = *program;
}

Execution ExternalCommand::run(bool show_output) {
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
    if (!show_output) {
      const int null = open("/dev/null", O_WRONLY);
      if (null >= 0) {
        (void)!dup2(null, STDOUT_FILENO);
        (void)!dup2(null, STDERR_FILENO);
        close(null);
      }
    }
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
  const auto report = parse_helper_report(line);
  if (!report) {
    throw IoError("nsperf-exec (" + helper_ + ") reported nothing (exit status " +
                  std::to_string(status) + ")");
  }
  if (report->exec_errno != 0) {
    throw InputError("cannot run '" + argv_[0] + "': " + std::strerror(report->exec_errno));
  }
  const int perf_errno = report->perf_errno;
  if (perf_errno != 0 && counters_) {
    counters_ = false;
    counters_note_ = std::string("perf_event_open(cycles): ") + std::strerror(perf_errno) +
                     (perf_errno == ENOENT || perf_errno == EOPNOTSUPP
                          ? " (this machine exposes no hardware performance counters, as in "
                            "a VM without PMU passthrough)"
                          : "") +
                     "; /proc/sys/kernel/perf_event_paranoid = " + paranoid_level();
  }
  return report->execution;
}

bool ExternalProfile::all_ok() const {
  return std::all_of(runs.begin(), runs.end(), [](const Execution& e) { return e.exit_code == 0; });
}

const Reporters<ExternalProfile>& external_profile_reporters() {
  static const Reporters<ExternalProfile> reporters = Reporters<ExternalProfile>()
                                                          .add(Format::text, write_profile_text)
                                                          .add(Format::json, write_profile_json);
  return reporters;
}

}  // namespace nsperf::analysis
