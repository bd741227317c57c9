#include "nsperf/core/compression.hpp"

#include <string>

#include "nsperf/core/tuning.hpp"

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

namespace nsperf::core {
namespace {

// The output's compression and its level, as `nsperf tune` varies them: every filter, then for
// the one chosen its default (0), its fastest and its strongest levels (zstd also 9, where it
// usually stops paying).
std::vector<nlohmann::json> compression_values(const TuneWorkload&, const Settings&) {
  std::vector<nlohmann::json> out;
  for (const auto& name : compression_names()) out.emplace_back(name);
  return out;
}

std::string compression_impossible(const nlohmann::json& v, const TuneWorkload&, const Settings&) {
  return v.is_string() && parse_compression(v.get<std::string>()) ? "" : "not a compression";
}

Compression compression_in(const Settings& s) {
  const auto it = s.find("run.compression");
  if (it == s.end() || !it->is_string()) return Compression::none;
  return parse_compression(it->get<std::string>()).value_or(Compression::none);
}

std::vector<nlohmann::json> level_values(const TuneWorkload&, const Settings& s) {
  switch (compression_in(s)) {
    case Compression::none:
      return {0};
    case Compression::deflate:
      return {0, 1, 9};
    case Compression::zstd:
      return {0, 1, 9, 19};
  }
  return {0};
}

std::string level_impossible(const nlohmann::json& v, const TuneWorkload&, const Settings& s) {
  const auto level = v.get<std::int64_t>();
  switch (compression_in(s)) {
    case Compression::none:
      return level == 0 ? "" : "run.compression none has no level";
    case Compression::deflate:
      return level <= 9 ? "" : "deflate's levels are 1-9";
    case Compression::zstd:
      return "";
  }
  return "";
}

}  // namespace
}  // namespace nsperf::core

NSPERF_REGISTER_TUNABLE(compression, {"run.compression", 40, &nsperf::core::compression_values,
                                      &nsperf::core::compression_impossible, false});
NSPERF_REGISTER_TUNABLE(compression_level,
                        {"run.compression_level", 50, &nsperf::core::level_values,
                         &nsperf::core::level_impossible, false});
