#include "nsperf/io/io_strategy.hpp"

#include "posix_file.hpp"

namespace nsperf::io {

core::Registry<IoStrategyEntry>& io_strategies() {
  static core::Registry<IoStrategyEntry> registry;
  return registry;
}

std::filesystem::path stream_file(const TileStream& s, std::string_view name, bool shared,
                                  std::string_view extension) {
  std::string file(name);
  if (!shared) file += ".rank" + std::to_string(s.rank);
  file += extension;
  return s.dir / file;
}

double drop_from_cache(const std::filesystem::path& path) { return detail::drop_from_cache(path); }

}  // namespace nsperf::io
