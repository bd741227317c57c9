// posix-fpp: file per process, one pwrite(2) per tile. The template for an I/O strategy:
//  - write() creates this rank's files, writes its tiles, and returns only once they are durable
//    (fsync): the optimizer times open to close, fsync included;
//  - read() reads them back as they were laid out; the optimizer evicts the file's pages from
//    the page cache before, so the read comes from the disk;
//  - file() names the file, which the optimizer deletes before every write and at the end;
//  - the last line registers it: name, one line for --list, baseline or not, and the lowest
//    optimization_level that runs it.
#include <fcntl.h>

#include "nsperf/io/io_strategy.hpp"
#include "posix_file.hpp"

namespace nsperf::io {
namespace {

class PosixFpp final : public IoStrategy {
 public:
  void write(const TileStream& s, std::span<const std::byte> data) override {
    detail::File f(file(s), O_WRONLY | O_CREAT | O_TRUNC);
    // In this rank's file the tiles lie as in its buffer.
    for (const auto& t : s.tiles) f.pwrite(data.subspan(t.offset, t.bytes()), t.offset);
    f.fsync();
    f.close();
  }

  void read(const TileStream& s, std::span<std::byte> into) override {
    detail::File f(file(s), O_RDONLY);
    for (const auto& t : s.tiles) f.pread(into.subspan(t.offset, t.bytes()), t.offset);
    f.close();
  }

  [[nodiscard]] std::filesystem::path file(const TileStream& s) const override {
    return stream_file(s, "posix-fpp", /*shared=*/false);
  }
  [[nodiscard]] bool shared_file() const override { return false; }
};

}  // namespace

NSPERF_REGISTER_IO_STRATEGY(PosixFpp, "posix-fpp", "file per process, one pwrite per tile", false,
                            conservative)

}  // namespace nsperf::io
