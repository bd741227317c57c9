#pragma once
/// \file Memory accounting of this process and this node (Linux /proc).

#include <cstdint>

namespace nsperf::core {

/// Physical memory of this node in bytes (0 if unknown).
std::uint64_t physical_memory_bytes() noexcept;
/// Resident set size of this process now, in bytes (VmRSS; 0 if unknown).
std::uint64_t current_rss_bytes() noexcept;
/// Peak resident set size of this process in bytes (VmHWM: since start or the last
/// reset_peak_rss(); 0 if unknown).
std::uint64_t peak_rss_bytes() noexcept;
/// Resets the peak to the current resident size (writes 5 to /proc/self/clear_refs); false if
/// the kernel refused, in which case peak_rss_bytes() keeps counting from process start.
bool reset_peak_rss() noexcept;

}  // namespace nsperf::core
