#pragma once
// POSIX file calls for the I/O strategies, each checked: a failure throws IoError naming the
// call, the file and errno's text. A File closes itself quietly; close() reports.

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

#include "nsperf/io/fsync.hpp"
#include "nsperf/io/io_strategy.hpp"

namespace nsperf::io::detail {

using io::fsync_path;

/// Calls fn(offset, bytes) for every row of every tile of `s`, in buffer (and file) order.
template <class Fn>
void for_each_row(const TileStream& s, Fn&& fn) {
  for (const auto& t : s.tiles) {
    const auto row = static_cast<std::size_t>(t.rect.width) * kStreamPixelBytes;
    for (std::int64_t y = 0; y < t.rect.height; ++y)
      fn(t.offset + static_cast<std::size_t>(y) * row, row);
  }
}

class File {
 public:
  /// open(2) with `flags` (O_CREAT files get mode 0666 & ~umask).
  File(const std::filesystem::path& path, int flags);
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File();
  [[nodiscard]] int fd() const noexcept { return fd_; }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  /// write(2) until all of `bytes` is written.
  void write(std::span<const std::byte> bytes);
  /// pwrite(2) until all of `bytes` is written at `offset`.
  void pwrite(std::span<const std::byte> bytes, std::uint64_t offset);
  /// writev(2) of `iov` (at most IOV_MAX entries), resuming after short writes.
  void writev(std::span<iovec> iov);
  /// read(2) until `into` is full; a short file is an error.
  void read(std::span<std::byte> into);
  void pread(std::span<std::byte> into, std::uint64_t offset);
  void readv(std::span<iovec> iov);
  void truncate(std::uint64_t size);
  void fsync();
  void close();

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

/// Drops `path`'s pages from the page cache (posix_fadvise DONTNEED; the file must be synced).
/// Two processes doing so at once each skip the pages the other has locked: call it from one
/// process per node for a shared file. Returns the fraction of its pages still cached afterwards.
double drop_from_cache(const std::filesystem::path& path);

/// The fraction of `path`'s pages in the page cache (mincore); 0 for an empty file.
double cached_fraction(const std::filesystem::path& path);

}  // namespace nsperf::io::detail
