// posix-shared: one file shared by every rank, the tiles back to back in id order; each rank
// pwrite(2)s its tiles at their offsets (no MPI-IO). Compare with posix-fpp: the same calls
// into one file instead of one per rank.
#include <fcntl.h>

#include "nsperf/io/io_strategy.hpp"
#include "posix_file.hpp"

namespace nsperf::io {
namespace {

class PosixShared final : public IoStrategy {
 public:
  void write(const TileStream& s, std::span<const std::byte> data) override {
    // Every rank creates it if absent; none truncates, since peers may already be writing.
    detail::File f(file(s), O_WRONLY | O_CREAT);
    for (const auto& t : s.tiles) f.pwrite(data.subspan(t.offset, t.bytes()), t.file_offset);
    f.fsync();
    f.close();
  }

  void read(const TileStream& s, std::span<std::byte> into) override {
    detail::File f(file(s), O_RDONLY);
    for (const auto& t : s.tiles) f.pread(into.subspan(t.offset, t.bytes()), t.file_offset);
    f.close();
  }

  [[nodiscard]] std::filesystem::path file(const TileStream& s) const override {
    return stream_file(s, "posix-shared", /*shared=*/true);
  }
  [[nodiscard]] bool shared_file() const override { return true; }
};

}  // namespace

NSPERF_REGISTER_IO_STRATEGY(PosixShared, "posix-shared",
                            "one shared file, tiles in id order, one pwrite per tile", false,
                            conservative)

}  // namespace nsperf::io
