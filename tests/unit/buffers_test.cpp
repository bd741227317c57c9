#include "nsperf/kernels/buffers.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <random>

#include "nsperf/core/error.hpp"

namespace kernels = nsperf::kernels;

TEST(Buffers, PerTileAllocatesEveryTimeAndFreesOnPut) {
  kernels::Buffers b(/*pooled=*/false);
  for (int round = 0; round < 3; ++round) {
    auto x = b.get(1, 1000);
    auto y = b.get(2, 500);
    EXPECT_EQ(x.size(), 1000u);
    EXPECT_EQ(b.held_bytes(), 1500);
    b.put(1);
    b.put(2);
    EXPECT_EQ(b.held_bytes(), 0);
  }
  EXPECT_EQ(b.allocations(), 6);
  EXPECT_EQ(b.peak_in_use_bytes(), 1500);
}

TEST(Buffers, PooledAllocatesOnceAndGrowsOnlyWhenAskedForMore) {
  kernels::Buffers b(/*pooled=*/true);
  for (int round = 0; round < 3; ++round) {
    (void)b.get(1, 1000);
    b.put(1);
  }
  EXPECT_EQ(b.allocations(), 1);
  b.reset_counts();
  (void)b.get(1, 800);
  b.put(1);
  EXPECT_EQ(b.allocations(), 0) << "a steady state allocates nothing";
  (void)b.get(1, 2000);
  b.put(1);
  EXPECT_EQ(b.allocations(), 1);
  EXPECT_EQ(b.held_bytes(), 2000);
}

TEST(Buffers, ASlotInUseCannotBeHandedOutTwice) {
  kernels::Buffers b(true);
  (void)b.get(7, 10);
  EXPECT_THROW((void)b.get(7, 10), nsperf::KernelError);
}

TEST(Compression, RoundTripsEveryElementSize) {
  std::mt19937 rng(3);
  for (std::size_t element : {1u, 2u, 4u, 8u}) {
    for (std::size_t n : {0u, 1u, 7u, 1000u, 4099u}) {
      std::vector<std::byte> data(n);
      // Smooth values with noise in the low bytes: what images look like.
      for (std::size_t i = 0; i < n; ++i)
        data[i] =
            static_cast<std::byte>(i % element == element - 1 ? (i / 64) & 0xff : rng() & 0x3);
      const auto packed = kernels::compress_shuffled(data, element);
      std::vector<std::byte> back(n);
      kernels::decompress_shuffled(packed, element, back);
      EXPECT_EQ(back, data) << element << " " << n;
    }
  }
}

TEST(Compression, ShuffleHelpsSmoothWidePixelsAndCorruptDataIsAnError) {
  std::vector<std::uint16_t> ramp(100000);
  std::iota(ramp.begin(), ramp.end(), 1000);
  const auto bytes = std::as_bytes(std::span(ramp));
  const auto shuffled = kernels::compress_shuffled(bytes, 2);
  const auto plain = kernels::compress_shuffled(bytes, 1);  // element size 1: no shuffle
  EXPECT_LT(shuffled.size(), plain.size());
  std::vector<std::byte> out(bytes.size());
  auto broken = shuffled;
  broken.resize(broken.size() / 2);
  EXPECT_THROW(kernels::decompress_shuffled(broken, 2, out), nsperf::KernelError);
  std::vector<std::byte> wrong_size(bytes.size() + 2);
  EXPECT_THROW(kernels::decompress_shuffled(shuffled, 2, wrong_size), nsperf::KernelError);
}
