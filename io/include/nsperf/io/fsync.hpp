#pragma once
/// \file Making a file that a library wrote and closed durable.

#include <cstdint>
#include <filesystem>

namespace nsperf::io {

/// Opens `path` (a file or a folder) and fsyncs it (any descriptor flushes the file's dirty
/// pages on Linux): makes durable what a library (MPI-IO, HDF5) wrote and closed, or, for a
/// folder, a rename in it. Throws IoError naming the call and the path.
void fsync_path(const std::filesystem::path& path);

/// Asks the kernel to start writing a file's dirty pages to disk while a library (MPI-IO, HDF5)
/// is still writing it, once per `every_bytes` handed to the library: the closing fsync then
/// waits for the rest only, instead of the disk starting on the whole file there. Linux's
/// sync_file_range(SYNC_FILE_RANGE_WRITE): it returns at once and writes no metadata, so it
/// makes nothing durable by itself, and a refused request is ignored (fsync_path after the
/// write still flushes everything and reports any error). Elsewhere it does nothing.
class EarlyWriteback {
 public:
  EarlyWriteback() = default;  ///< off
  /// Opens `path` for reading; if it cannot, does nothing (never throws: it is called between
  /// collective calls).
  EarlyWriteback(const std::filesystem::path& path, std::int64_t every_bytes);
  EarlyWriteback(EarlyWriteback&& other) noexcept;
  EarlyWriteback& operator=(EarlyWriteback&& other) noexcept;
  EarlyWriteback(const EarlyWriteback&) = delete;
  EarlyWriteback& operator=(const EarlyWriteback&) = delete;
  ~EarlyWriteback();

  /// Counts `bytes` more handed to the library; starts the writeback of every dirty page of the
  /// file (whoever wrote it) each time `every_bytes` have been counted.
  void written(std::int64_t bytes);
  /// Starts the writeback of what is dirty now, and closes the file.
  void finish();

 private:
  void start() const;
  int fd_ = -1;
  std::int64_t every_ = 0;
  std::int64_t pending_ = 0;
};

}  // namespace nsperf::io
