#include "nsperf/core/provenance.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <fstream>

#include "nsperf/core/memory.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/core/version.hpp"

namespace nsperf::core {

std::vector<std::pair<std::string, Provenance::Value>> Provenance::attributes() const {
  return {
      {"run_id", run_id},
      {"command_line", command_line},
      {"start_time", start_time},
      {"end_time", end_time},
      {"nsperf_version", nsperf_version},
      {"git_commit", git_commit},
      {"compiler", compiler},
      {"build_type", build_type},
      {"build_flags", build_flags},
      {"simd_isa", simd_isa},
      {"hosts", hosts},
      {"cpu_model", cpu_model},
      {"cores", cores},
      {"memory_bytes", memory_bytes},
      {"libraries", libraries},
      {"ranks", ranks},
      {"threads_per_rank", threads_per_rank},
      {"omp_binding", omp_binding},
      {"rank_binding", rank_binding},
      {"slurm_job", slurm_job},
      {"load_average", load_average},
      {"cpu_governor", cpu_governor},
      {"bandwidth_gbyte_per_s", bandwidth_gbyte_per_s},
      {"clock_uncertainty_s", clock_uncertainty_s},
      {"region_overhead_s", region_overhead_s},
      {"cut_ahead_gbyte_per_s", cut_ahead_gbyte_per_s},
      {"cut_ahead_apart_gbyte_per_s", cut_ahead_apart_gbyte_per_s},
      {"handover_waiting_s", handover_waiting_s},
      {"handover_computing_s", handover_computing_s},
      {"handover_slice_s", handover_slice_s},
      {"busy_cores_slowdown", busy_cores_slowdown},
      {"busy_cores", busy_cores},
      {"sending_ns_per_byte", sending_ns_per_byte},
      {"warnings", warnings},
      {"notes", notes},
      {"image", image},
      {"input_sha256", input_sha256},
      {"config", config_json},
  };
}

std::string affinity_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return "unknown";
  std::string out;
  auto has = [&set](std::size_t cpu) { return CPU_ISSET(cpu, &set) != 0; };
  for (std::size_t cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!has(cpu)) continue;
    std::size_t last = cpu;
    while (last + 1 < CPU_SETSIZE && has(last + 1)) ++last;
    if (!out.empty()) out += ",";
    out += std::to_string(cpu);
    if (last > cpu) out += "-" + std::to_string(last);
    cpu = last;
  }
  return out;
}

std::int64_t affinity_count() noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return std::max<std::int64_t>(1, CPU_COUNT(&set));
}

std::int64_t online_cores() noexcept {
  const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? n : 0;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos && colon + 2 <= line.size()) return line.substr(colon + 2);
    }
  }
  return "unknown";
}

std::string cpu_governors() {
  std::vector<std::string> seen;
  for (std::int64_t cpu = 0; cpu < online_cores(); ++cpu) {
    std::ifstream in("/sys/devices/system/cpu/cpu" + std::to_string(cpu) +
                     "/cpufreq/scaling_governor");
    std::string g;
    if (!(in >> g)) return "unknown";
    if (std::find(seen.begin(), seen.end(), g) == seen.end()) seen.push_back(g);
  }
  std::string out;
  for (const auto& g : seen) out += (out.empty() ? "" : " ") + g;
  return out.empty() ? "unknown" : out;
}

namespace {

// /proc/loadavg's fields: three load averages, then "running/total" tasks; empty if unreadable.
std::vector<std::string> loadavg_fields() {
  std::ifstream in("/proc/loadavg");
  std::vector<std::string> fields(4);
  for (auto& f : fields) {
    if (!(in >> f)) return {};
  }
  return fields;
}

std::string read_load_average() {
  const auto f = loadavg_fields();
  return f.empty() ? "unknown" : f[0] + " " + f[1] + " " + f[2];
}

// Tasks runnable now; -1 if unknown.
std::int64_t runnable_now() {
  const auto f = loadavg_fields();
  return f.empty() ? -1 : std::strtoll(f[3].c_str(), nullptr, 10);
}

}  // namespace

std::vector<std::string> measurement_warnings(std::int64_t own_ranks) {
  std::vector<std::string> w;
  // The load average lags by a minute and would count a run that just ended; instead count the
  // tasks runnable now, the fewest of a few samples (a passing task is not load), minus this
  // job's own ranks (busy, or spinning in MPI calls).
  std::int64_t fewest = -1;
  for (int i = 0; i < 5; ++i) {
    const std::int64_t r = runnable_now();
    if (r >= 0 && (fewest < 0 || r < fewest)) fewest = r;
    struct timespec pause = {0, 20'000'000};
    ::nanosleep(&pause, nullptr);
  }
  const std::int64_t others = fewest - own_ranks;
  if (fewest >= 0 && others >= 1) {
    w.push_back("the machine is busy: " + std::to_string(others) + " other task" +
                (others == 1 ? " was" : "s were") + " running on rank 0's node (" +
                std::to_string(online_cores()) +
                " cores) besides this job's ranks; they share its cores and memory");
  }
  const std::string governor = cpu_governors();
  if (governor != "unknown" && governor != "performance") {
    w.push_back("CPU frequency governor is '" + governor +
                "', not 'performance': clocks may change during the run");
  }
  const std::string type(build_type());
  if (type != "Release" && type != "RelWithDebInfo") {
    w.push_back("nsperf was built as '" + type +
                "', not optimized: timings are not representative");
  }
  if (std::string(build_flags()).find("-fsanitize") != std::string::npos) {
    w.push_back("nsperf was built with sanitizers: timings are not representative");
  }
  return w;
}

Provenance capture_local_provenance(std::string command_line) {
  Provenance p;
  p.command_line = std::move(command_line);
  p.start_time = utc_timestamp();
  p.nsperf_version = std::string(version());
  p.git_commit = std::string(git_commit());
  p.compiler = std::string(compiler());
  p.build_type = std::string(build_type());
  p.build_flags = std::string(build_flags());
  p.cpu_model = cpu_model();
  p.cores = online_cores();
  p.memory_bytes = static_cast<std::int64_t>(physical_memory_bytes());
  p.load_average = read_load_average();
  p.cpu_governor = cpu_governors();
  for (const char* name :
       {"SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID", "SLURM_JOB_NODELIST",
        "SLURM_NTASKS_PER_NODE", "SLURM_CPUS_PER_TASK", "SLURM_CLUSTER_NAME"}) {
    if (const char* v = std::getenv(name)) {
      if (!p.slurm_job.empty()) p.slurm_job += ";";
      p.slurm_job += std::string(name) + "=" + v;
    }
  }
  return p;
}

namespace {

const Provenance::Value* find_attribute(Attributes attributes, std::string_view name) {
  for (const auto& [key, value] : attributes) {
    if (key == name) return &value;
  }
  return nullptr;
}

}  // namespace

double attribute_number(Attributes attributes, std::string_view name) {
  const auto* v = find_attribute(attributes, name);
  if (v == nullptr) return 0;
  if (const auto* d = std::get_if<double>(v)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(v)) return static_cast<double>(*i);
  return 0;
}

std::string attribute_text(Attributes attributes, std::string_view name) {
  const auto* v = find_attribute(attributes, name);
  if (v == nullptr) return {};
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(v)) return std::to_string(*i);
  return {};
}

}  // namespace nsperf::core
