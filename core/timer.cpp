#include "nsperf/core/timer.hpp"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

namespace nsperf::core {

std::string utc_timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

namespace {

// Field 22 of /proc/<pid>/stat (start time, clock ticks after boot) and the name in field 2.
// The name is in parentheses and may hold spaces, so fields are counted after its last ')'.
bool process_start(const std::string& pid, double& start_s, std::string& name) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  const auto open = line.find('(');
  const auto close = line.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return false;
  name = line.substr(open + 1, close - open - 1);
  std::istringstream rest(line.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22; ++i) {
    if (!(rest >> field)) return false;
  }
  const long ticks = ::sysconf(_SC_CLK_TCK);
  if (ticks <= 0) return false;
  start_s = std::stod(field) / static_cast<double>(ticks);
  return true;
}

}  // namespace

LaunchClock launch_clock() {
  LaunchClock c;
  timespec now{};
  if (::clock_gettime(CLOCK_BOOTTIME, &now) != 0) return c;
  const double now_s = static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
  double start = 0;
  std::string name;
  try {
    if (!process_start("self", start, name)) return c;
    c.since_process_s = std::max(0.0, now_s - start);
    c.since_launch_s = c.since_process_s;
    double parent = 0;
    if (process_start(std::to_string(::getppid()), parent, name)) {
      static const std::set<std::string> launchers = {"mpirun",          "mpiexec",   "orterun",
                                                      "prterun",         "orted",     "prted",
                                                      "hydra_pmi_proxy", "slurmstepd"};
      if (launchers.count(name) != 0) {
        c.launcher = name;
        c.since_launch_s = std::max(c.since_process_s, now_s - parent);
      }
    }
  } catch (const std::exception&) {
    // A malformed stat line: what was measured stands.
  }
  return c;
}

}  // namespace nsperf::core
