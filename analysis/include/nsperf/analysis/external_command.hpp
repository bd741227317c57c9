#pragma once
/// \file `nsperf profile -- COMMAND ARGS`: runs a command (through nsperf-exec, installed beside
/// nsperf; cli/nsperf_exec.c says why) and measures each run: wall, CPU, peak memory, faults,
/// context switches and, where the kernel allows, hardware counters. Measured here; written by
/// the reporters of external_profile_reporters().

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nsperf/analysis/format.hpp"

namespace nsperf::analysis {

/// The hardware counters asked for, in the order nsperf-exec reports them.
inline constexpr std::array<const char*, 3> kCounters = {"cycles", "instructions", "cache-misses"};

/// One run of the command.
struct Execution {
  double wall_s = 0;
  double user_s = 0;
  double sys_s = 0;
  std::int64_t max_rss_bytes = 0;
  std::int64_t minor_faults = 0;
  std::int64_t major_faults = 0;
  std::int64_t voluntary_switches = 0;
  std::int64_t involuntary_switches = 0;
  int exit_code = 0;  ///< -1 when killed by a signal
  int signal = 0;
  std::array<std::optional<double>, kCounters.size()> counters;  ///< scaled if multiplexed
};

/// What nsperf-exec reports on its result pipe, one line (cli/nsperf_exec.c writes it).
struct HelperReport {
  int exec_errno = 0;  ///< execvp's errno, 0 when the command started
  int perf_errno = 0;  ///< perf_event_open's errno, 0 when the counters were read
  Execution execution;
};

/// Parses nsperf-exec's line: "exec_errno wall_ns user_us sys_us max_rss_kib minor major
/// voluntary involuntary wait_status perf_errno" then, per counter, "value enabled running"
/// (a counter that ran part of the time is scaled up; one that never ran is unknown).
/// Nullopt for a line that is not such a report.
std::optional<HelperReport> parse_helper_report(const std::string& line);

/// Where execvp would find `name`: itself if it holds a '/', else the first executable regular
/// file in `path` (a PATH value; empty entries are the working folder). Nullopt if none.
std::optional<std::string> resolve_program(const std::string& name, const std::string& path);

/// "exit 3", "killed by SIGKILL".
std::string outcome(const Execution& e);

/// A command, checked to be runnable, run as often as asked.
class ExternalCommand {
 public:
  /// Throws InputError when argv[0] is not an executable (naming it), IoError when nsperf-exec
  /// is not beside this program.
  explicit ExternalCommand(std::vector<std::string> argv);
  /// Runs the command once through nsperf-exec and reads what it measured. Its standard
  /// output and error go to /dev/null unless `show_output` (they would mix with the report).
  Execution run(bool show_output = false);
  /// Whether the hardware counters could be read (false after the first run that could not).
  [[nodiscard]] bool counters() const { return counters_; }
  /// Why they could not, with /proc/sys/kernel/perf_event_paranoid.
  [[nodiscard]] const std::string& counters_note() const { return counters_note_; }
  [[nodiscard]] const std::vector<std::string>& argv() const { return argv_; }

 private:
  std::vector<std::string> argv_;
  std::string helper_;
  std::string program_;
  bool counters_ = true;
  std::string counters_note_;
};

/// The measured runs of a command.
struct ExternalProfile {
  std::vector<std::string> argv;
  std::int64_t repetitions = 0;
  std::int64_t warmup = 0;
  bool counters = true;
  std::string counters_note;
  std::vector<Execution> runs;
  [[nodiscard]] bool all_ok() const;
};

/// text (the default: per run and as medians) and json.
const Reporters<ExternalProfile>& external_profile_reporters();

}  // namespace nsperf::analysis
