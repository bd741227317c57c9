#include "nsperf/kernels/buffers.hpp"
#include "nsperf/core/libraries.hpp"

#include <zstd.h>

#include <string>

#include "nsperf/core/error.hpp"

namespace nsperf::kernels {

std::span<std::byte> Buffers::get(std::size_t slot, std::size_t bytes) {
  Slot& s = slots_[slot];
  if (s.in_use) throw KernelError("buffer slot " + std::to_string(slot) + " is already in use");
  if (!s.data || s.bytes < bytes) {
    held_ -= static_cast<std::int64_t>(s.bytes);
    // Plain new[]: the pages are touched by whoever fills the buffer, so the first touch of a
    // fresh allocation is part of what per-tile allocation costs.
    s.data.reset(new std::byte[bytes]);
    s.bytes = bytes;
    held_ += static_cast<std::int64_t>(bytes);
    ++allocations_;
  }
  s.in_use = true;
  in_use_ += static_cast<std::int64_t>(s.bytes);
  peak_in_use_ = std::max(peak_in_use_, in_use_);
  return {s.data.get(), bytes};
}

void Buffers::put(std::size_t slot) {
  auto it = slots_.find(slot);
  if (it == slots_.end() || !it->second.in_use) return;
  in_use_ -= static_cast<std::int64_t>(it->second.bytes);
  it->second.in_use = false;
  if (!pooled_) {
    held_ -= static_cast<std::int64_t>(it->second.bytes);
    slots_.erase(it);
  }
}

namespace {

void check_zstd(std::size_t code, const char* call) {
  if (ZSTD_isError(code)) throw KernelError(std::string(call) + ": " + ZSTD_getErrorName(code));
}

}  // namespace

std::vector<std::byte> compress_shuffled(std::span<const std::byte> data, std::size_t element_size,
                                         int level) {
  const std::size_t n = element_size > 0 ? data.size() / element_size : 0;
  std::vector<std::byte> shuffled(data.size());
  for (std::size_t k = 0; k < element_size; ++k)
    for (std::size_t i = 0; i < n; ++i) shuffled[k * n + i] = data[i * element_size + k];
  // A tail shorter than one element (not expected) is kept as it is.
  for (std::size_t i = n * element_size; i < data.size(); ++i) shuffled[i] = data[i];
  std::vector<std::byte> out(ZSTD_compressBound(data.size()));
  const std::size_t size =
      ZSTD_compress(out.data(), out.size(), shuffled.data(), shuffled.size(), level);
  check_zstd(size, "ZSTD_compress");
  out.resize(size);
  out.shrink_to_fit();
  return out;
}

void decompress_shuffled(std::span<const std::byte> compressed, std::size_t element_size,
                         std::span<std::byte> out) {
  std::vector<std::byte> shuffled(out.size());
  const std::size_t size =
      ZSTD_decompress(shuffled.data(), shuffled.size(), compressed.data(), compressed.size());
  check_zstd(size, "ZSTD_decompress");
  if (size != out.size()) {
    throw KernelError("ZSTD_decompress: " + std::to_string(size) + " bytes, expected " +
                      std::to_string(out.size()));
  }
  const std::size_t n = element_size > 0 ? out.size() / element_size : 0;
  for (std::size_t k = 0; k < element_size; ++k)
    for (std::size_t i = 0; i < n; ++i) out[i * element_size + k] = shuffled[k * n + i];
  for (std::size_t i = n * element_size; i < out.size(); ++i) out[i] = shuffled[i];
}

}  // namespace nsperf::kernels

// Compressed tile queues and transfers use zstd.
NSPERF_REGISTER_LIBRARY(Zstd, "zstd", ZSTD_versionString())
