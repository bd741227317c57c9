#pragma once
// Fixed-width, NUL-terminated text fields of the compound rows that nsperf stores (parallel HDF5
// cannot write variable-length data collectively). Private to nsperf::io.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace nsperf::io::detail {

/// Copies `src` into `dst`, cut to N - 1 bytes, NUL-padded.
template <std::size_t N>
void copy_text(char (&dst)[N], std::string_view src) {
  std::memset(dst, 0, N);
  std::memcpy(dst, src.data(), std::min(src.size(), N - 1));
}

/// The text of a field, up to its first NUL (or all N bytes).
template <std::size_t N>
std::string text_of(const char (&field)[N]) {
  return {field, strnlen(field, N)};
}

}  // namespace nsperf::io::detail
