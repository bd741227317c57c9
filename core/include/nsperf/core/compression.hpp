#pragma once
/// \file How the output's image chunks are compressed: parsed from its name once, where a
/// setting enters (config), and passed on as this type, so no layer below compares strings.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nsperf::core {

enum class Compression {
  none,
  deflate,  ///< gzip: every HDF5 reader has it
  zstd,     ///< HDF5 filter 32015 (io/hdf5/h5z_zstd.cpp)
};

/// "none", "deflate", "zstd".
std::string_view to_string(Compression c) noexcept;
/// The compression named `text`; nullopt for any other text.
std::optional<Compression> parse_compression(std::string_view text) noexcept;
/// Every name parse_compression takes, in declaration order.
std::vector<std::string> compression_names();

}  // namespace nsperf::core
