#include "nsperf/core/memory.hpp"

#include <unistd.h>

#include <fstream>
#include <string>

namespace nsperf::core {
namespace {

// Reads "<field>:   1234 kB" from /proc/self/status.
std::uint64_t status_kib(const char* field) noexcept {
  try {
    std::ifstream in("/proc/self/status");
    const std::string prefix = std::string(field) + ":";
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(prefix, 0) == 0) return std::stoull(line.substr(prefix.size())) * 1024;
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): unknown is reported as 0
  }
  return 0;
}

}  // namespace

std::uint64_t physical_memory_bytes() noexcept {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0
             ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page)
             : 0;
}

std::uint64_t current_rss_bytes() noexcept { return status_kib("VmRSS"); }
std::uint64_t peak_rss_bytes() noexcept { return status_kib("VmHWM"); }

bool reset_peak_rss() noexcept {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace nsperf::core
