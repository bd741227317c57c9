#include "nsperf/core/memory.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>

namespace core = nsperf::core;

TEST(Memory, ReadsThisProcessAndNode) {
  EXPECT_GT(core::physical_memory_bytes(), 0u);
  // The current size first: the process may grow between the two reads (the peak, read last,
  // covers it; the other order failed under AddressSanitizer).
  const auto current = core::current_rss_bytes();
  const auto peak = core::peak_rss_bytes();
  EXPECT_GT(current, 0u);
  EXPECT_GE(peak, current);
}

TEST(Memory, PeakFollowsTouchedMemory) {
  const auto before = core::peak_rss_bytes();
  constexpr std::size_t kBytes = 64u << 20;
  std::unique_ptr<char[]> block(new char[kBytes]);
  std::memset(block.get(), 1, kBytes);  // resident only once touched
  EXPECT_GE(core::peak_rss_bytes(), before + kBytes / 2);
  EXPECT_EQ(block[kBytes - 1], 1);
}
