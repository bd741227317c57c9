#include "nsperf/core/checksum.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace core = nsperf::core;

TEST(Checksum, DeterministicAndSensitiveToEveryByteAndLength) {
  std::vector<std::byte> data(1000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>(i * 7);
  const auto base = core::checksum(data);
  EXPECT_EQ(base, core::checksum(data));
  std::set<std::uint64_t> seen{base};
  for (std::size_t i = 0; i < data.size(); ++i) {
    auto changed = data;
    changed[i] ^= std::byte{1};
    EXPECT_TRUE(seen.insert(core::checksum(changed)).second) << "byte " << i;
  }
  for (std::size_t n = 0; n < 70; ++n) {
    EXPECT_TRUE(seen.insert(core::checksum(std::span(data).first(n))).second) << "length " << n;
  }
  EXPECT_NE(core::checksum(data, 1), base);
}

TEST(Checksum, ZeroPaddingChangesTheHash) {
  const std::vector<std::byte> three(3, std::byte{0});
  const std::vector<std::byte> four(4, std::byte{0});
  EXPECT_NE(core::checksum(three), core::checksum(four));
}
