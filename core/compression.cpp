#include "nsperf/core/compression.hpp"

namespace nsperf::core {
namespace {

constexpr Compression kAll[] = {Compression::none, Compression::deflate, Compression::zstd};

}  // namespace

std::string_view to_string(Compression c) noexcept {
  switch (c) {
    case Compression::none:
      return "none";
    case Compression::deflate:
      return "deflate";
    case Compression::zstd:
      return "zstd";
  }
  return "?";
}

std::optional<Compression> parse_compression(std::string_view text) noexcept {
  for (auto c : kAll)
    if (to_string(c) == text) return c;
  return std::nullopt;
}

std::vector<std::string> compression_names() {
  std::vector<std::string> names;
  for (auto c : kAll) names.emplace_back(to_string(c));
  return names;
}

}  // namespace nsperf::core
