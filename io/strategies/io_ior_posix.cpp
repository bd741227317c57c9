// ior-posix (reference): IOR's POSIX method at the stream's size, as `ior -a POSIX -e -w -r
// -b <this rank's bytes> -t 4m` runs it: one shared file, each rank's bytes one contiguous
// block after the lower ranks' blocks, written (and read) in 4 MiB pwrite(2) transfers, fsync
// at the end. The raw file system's figure for the same bytes, without the tile layout.
#include <fcntl.h>

#include <algorithm>

#include "nsperf/io/io_strategy.hpp"
#include "posix_file.hpp"

namespace nsperf::io {
namespace {

constexpr std::size_t kIorPosixTransfer = std::size_t{4} << 20;  // IOR's -t 4m

// Where this rank's block starts: the lower ranks' bytes before it.
std::uint64_t ior_block_offset(const TileStream& s) {
  auto mine = static_cast<unsigned long long>(s.bytes);
  unsigned long long before = 0;
  MPI_Exscan(&mine, &before, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, s.comm);
  return s.rank == 0 ? 0 : before;
}

class IorPosix final : public IoStrategy {
 public:
  void write(const TileStream& s, std::span<const std::byte> data) override {
    const std::uint64_t at = ior_block_offset(s);
    // Every rank creates it if absent; none truncates, since peers may already be writing.
    detail::File f(file(s), O_WRONLY | O_CREAT);
    for (std::size_t done = 0; done < data.size(); done += kIorPosixTransfer)
      f.pwrite(data.subspan(done, std::min(kIorPosixTransfer, data.size() - done)), at + done);
    f.fsync();
    f.close();
  }

  void read(const TileStream& s, std::span<std::byte> into) override {
    const std::uint64_t at = ior_block_offset(s);
    detail::File f(file(s), O_RDONLY);
    for (std::size_t done = 0; done < into.size(); done += kIorPosixTransfer)
      f.pread(into.subspan(done, std::min(kIorPosixTransfer, into.size() - done)), at + done);
    f.close();
  }

  [[nodiscard]] std::filesystem::path file(const TileStream& s) const override {
    return stream_file(s, "ior-posix", /*shared=*/true);
  }
  [[nodiscard]] bool shared_file() const override { return true; }
};

}  // namespace

NSPERF_REGISTER_IO_REFERENCE(IorPosix, "ior-posix",
                             "IOR's POSIX method at the same bytes (ior -a POSIX -e -b <rank's "
                             "bytes> -t 4m): one shared file, a contiguous block per rank, 4 MiB "
                             "pwrites, fsync (reference)")

}  // namespace nsperf::io
