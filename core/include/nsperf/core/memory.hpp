#pragma once
/// \file Memory accounting of this process and this node (Linux /proc).

#include <cstdint>

namespace nsperf::core {

/// Physical memory of this node in bytes (0 if unknown).
std::uint64_t physical_memory_bytes() noexcept;
/// Resident set size of this process now, in bytes (VmRSS; 0 if unknown).
std::uint64_t current_rss_bytes() noexcept;
/// Peak resident set size of this process since it started, in bytes (VmHWM; 0 if unknown).
std::uint64_t peak_rss_bytes() noexcept;

}  // namespace nsperf::core
