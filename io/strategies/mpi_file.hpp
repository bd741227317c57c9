#pragma once
// MPI-IO for the I/O strategies: a collectively opened file that closes itself, and a checker
// that turns a failed call into an IoError naming the call, the file and MPI's message.

#include <mpi.h>

#include <filesystem>
#include <string>

#include "nsperf/core/error.hpp"
#include "posix_file.hpp"

namespace nsperf::io::detail {

inline void check_mpi(int rc, const char* call, const std::filesystem::path& path) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  throw IoError(std::string(call) + " " + path.string() + ": " +
                std::string(text, static_cast<std::size_t>(length)));
}

class MpiFile {
 public:
  /// Collective over `comm`: MPI_File_open with `mode`. MPI-IO returns errors (its default
  /// handler is MPI_ERRORS_RETURN), so a failure throws on every rank that sees it.
  MpiFile(MPI_Comm comm, const std::filesystem::path& path, int mode) : path_(path) {
    check_mpi(MPI_File_open(comm, path.c_str(), mode, MPI_INFO_NULL, &fh_), "MPI_File_open", path);
  }
  MpiFile(const MpiFile&) = delete;
  MpiFile& operator=(const MpiFile&) = delete;
  ~MpiFile() {
    if (fh_ != MPI_FILE_NULL) MPI_File_close(&fh_);
  }
  [[nodiscard]] MPI_File get() const noexcept { return fh_; }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  /// Collective: MPI_File_sync, close, and an fsync of the file by every rank. MPI_File_sync
  /// alone is not enough: with Open MPI 4.1 (OMPIO), pages a collective write's aggregator wrote
  /// stay dirty after it (seen here: 99% of them), so the data would not be on disk yet.
  void sync_and_close() {
    check_mpi(MPI_File_sync(fh_), "MPI_File_sync", path_);
    close();
    fsync_path(path_);
  }
  /// Collective.
  void close() { check_mpi(MPI_File_close(&fh_), "MPI_File_close", path_); }

 private:
  std::filesystem::path path_;
  MPI_File fh_ = MPI_FILE_NULL;
};

}  // namespace nsperf::io::detail
