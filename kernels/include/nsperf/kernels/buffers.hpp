#pragma once
/// \file Where the memory optimizer's strategies get their buffers, and what that costs:
/// allocations made and bytes held. And tiles held compressed while they wait.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

namespace nsperf::kernels {

/// Buffers by slot (a tile's role: its queued input, its magnitude, a scratch plane): either
/// allocated when asked and freed when given back (per tile), or kept by slot and handed out
/// again (pooled, so that a steady state allocates nothing). Counts allocations and bytes.
class Buffers {
 public:
  explicit Buffers(bool pooled) : pooled_(pooled) {}
  Buffers(const Buffers&) = delete;
  Buffers& operator=(const Buffers&) = delete;

  /// A buffer of `bytes` for `slot`; its contents are unspecified.
  std::span<std::byte> get(std::size_t slot, std::size_t bytes);
  /// Done with `slot`'s buffer: freed (per tile) or kept for the next get (pooled).
  void put(std::size_t slot);

  /// Allocations made since construction or the last reset_counts().
  [[nodiscard]] std::int64_t allocations() const noexcept { return allocations_; }
  /// Bytes in buffers handed out and not given back, at most since the last reset_counts().
  [[nodiscard]] std::int64_t peak_in_use_bytes() const noexcept { return peak_in_use_; }
  /// Bytes this object holds now, in use or pooled.
  [[nodiscard]] std::int64_t held_bytes() const noexcept { return held_; }
  void reset_counts() noexcept {
    allocations_ = 0;
    peak_in_use_ = in_use_;
  }

 private:
  struct Slot {
    std::unique_ptr<std::byte[]> data;
    std::size_t bytes = 0;
    bool in_use = false;
  };
  bool pooled_;
  std::map<std::size_t, Slot> slots_;
  std::int64_t allocations_ = 0;
  std::int64_t in_use_ = 0;
  std::int64_t peak_in_use_ = 0;
  std::int64_t held_ = 0;
};

/// zstd at `level` after a byte shuffle (the k-th byte of every element together), which turns
/// the slowly varying high bytes of 16- and 32-bit pixels into long runs.
std::vector<std::byte> compress_shuffled(std::span<const std::byte> data, std::size_t element_size,
                                         int level = 1);

/// Inverse of compress_shuffled into `out`, whose size must be the original's. Throws
/// KernelError if the data does not decompress to exactly that size.
void decompress_shuffled(std::span<const std::byte> compressed, std::size_t element_size,
                         std::span<std::byte> out);

}  // namespace nsperf::kernels
