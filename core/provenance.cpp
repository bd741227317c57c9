#include "nsperf/core/provenance.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
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
  for (const char* name : {"SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID",
                           "SLURM_JOB_NODELIST", "SLURM_NTASKS_PER_NODE", "SLURM_CPUS_PER_TASK"}) {
    if (const char* v = std::getenv(name)) {
      if (!p.slurm_job.empty()) p.slurm_job += ";";
      p.slurm_job += std::string(name) + "=" + v;
    }
  }
  return p;
}

}  // namespace nsperf::core
