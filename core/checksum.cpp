#include "nsperf/core/checksum.hpp"

#include <cstring>

namespace nsperf::core {
namespace {

// The splitmix64 finalizer: a cheap, well-mixing bijection on 64-bit words.
constexpr std::uint64_t mix(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::uint64_t checksum(std::span<const std::byte> bytes, std::uint64_t seed) noexcept {
  // Four independent lanes keep several multiplies in flight; the lanes are folded at the end
  // together with the length, so a shorter buffer padded with zeros hashes differently.
  std::uint64_t lane[4] = {mix(seed + 1), mix(seed + 2), mix(seed + 3), mix(seed + 4)};
  const std::byte* p = bytes.data();
  std::size_t n = bytes.size();
  while (n >= 32) {
    for (auto& l : lane) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      l = mix(l ^ w);
      p += 8;
    }
    n -= 32;
  }
  std::uint64_t tail[4] = {0, 0, 0, 0};
  if (n > 0) std::memcpy(tail, p, n);  // p is null for an empty span (UBSan)
  for (int i = 0; i < 4; ++i) lane[i] = mix(lane[i] ^ tail[i]);
  return mix(lane[0] ^ mix(lane[1] ^ mix(lane[2] ^ mix(lane[3] ^ bytes.size()))));
}

}  // namespace nsperf::core
