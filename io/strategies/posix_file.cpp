#include "posix_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "nsperf/core/error.hpp"

namespace nsperf::io::detail {
namespace {

[[noreturn]] void fail(const char* call, const std::filesystem::path& path) {
  throw IoError(std::string(call) + " " + path.string() + ": " + std::strerror(errno));
}

// Drops the first `done` bytes from `iov`.
std::span<iovec> advance(std::span<iovec> iov, std::size_t done) {
  while (!iov.empty() && done >= iov.front().iov_len) {
    done -= iov.front().iov_len;
    iov = iov.subspan(1);
  }
  if (!iov.empty()) {
    iov.front().iov_base = static_cast<char*>(iov.front().iov_base) + done;
    iov.front().iov_len -= done;
  }
  return iov;
}

}  // namespace

File::File(const std::filesystem::path& path, int flags) : path_(path) {
  fd_ = ::open(path.c_str(), flags | O_CLOEXEC, 0666);
  if (fd_ < 0) fail("open", path);
}

File::~File() {
  if (fd_ >= 0) ::close(fd_);
}

void File::write(std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("write", path_);
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
}

void File::pwrite(std::span<const std::byte> bytes, std::uint64_t offset) {
  while (!bytes.empty()) {
    const ssize_t n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("pwrite", path_);
    bytes = bytes.subspan(static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
}

void File::writev(std::span<iovec> iov) {
  while (!iov.empty()) {
    const ssize_t n = ::writev(fd_, iov.data(), static_cast<int>(iov.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("writev", path_);
    iov = advance(iov, static_cast<std::size_t>(n));
  }
}

void File::read(std::span<std::byte> into) {
  while (!into.empty()) {
    const ssize_t n = ::read(fd_, into.data(), into.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("read", path_);
    if (n == 0) throw IoError("read " + path_.string() + ": the file ends early");
    into = into.subspan(static_cast<std::size_t>(n));
  }
}

void File::pread(std::span<std::byte> into, std::uint64_t offset) {
  while (!into.empty()) {
    const ssize_t n = ::pread(fd_, into.data(), into.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("pread", path_);
    if (n == 0) throw IoError("pread " + path_.string() + ": the file ends early");
    into = into.subspan(static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
}

void File::readv(std::span<iovec> iov) {
  while (!iov.empty()) {
    const ssize_t n = ::readv(fd_, iov.data(), static_cast<int>(iov.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("readv", path_);
    if (n == 0) throw IoError("readv " + path_.string() + ": the file ends early");
    iov = advance(iov, static_cast<std::size_t>(n));
  }
}

void File::truncate(std::uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) fail("ftruncate", path_);
}

void File::fsync() {
  if (::fsync(fd_) != 0) fail("fsync", path_);
}

void File::close() {
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("close", path_);
}

double drop_from_cache(const std::filesystem::path& path) {
  // The kernel skips pages it cannot drop at that instant (still in another CPU's batch of
  // newly added pages, say): ask again, a few times, while some stay.
  double left = 1;
  for (int attempt = 0; attempt < 4 && left > 0; ++attempt) {
    File f(path, O_RDONLY);
    if (::posix_fadvise(f.fd(), 0, 0, POSIX_FADV_DONTNEED) != 0) fail("posix_fadvise", path);
    f.close();
    left = cached_fraction(path);
  }
  return left;
}

double cached_fraction(const std::filesystem::path& path) {
  detail::File f(path, O_RDONLY);
  struct stat st {};
  if (::fstat(f.fd(), &st) != 0) fail("fstat", path);
  if (st.st_size == 0) return 0;
  // Map the file (no page is touched) and ask mincore which pages are resident.
  const auto size = static_cast<std::size_t>(st.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, f.fd(), 0);
  if (map == MAP_FAILED) fail("mmap", path);
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> resident((size + page - 1) / page);
  const int rc = ::mincore(map, size, resident.data());
  ::munmap(map, size);
  if (rc != 0) fail("mincore", path);
  const auto cached =
      std::count_if(resident.begin(), resident.end(), [](unsigned char c) { return (c & 1) != 0; });
  return static_cast<double>(cached) / static_cast<double>(resident.size());
}

}  // namespace nsperf::io::detail

namespace nsperf::io {

void fsync_path(const std::filesystem::path& path) {
  detail::File f(path, O_RDONLY);
  f.fsync();
  f.close();
}

EarlyWriteback::EarlyWriteback(const std::filesystem::path& path, std::int64_t every_bytes)
    : every_(every_bytes) {
  // Not opened: no early writeback, and no error, which on one rank alone would leave the
  // others waiting in the collective write that follows (fsync_path reports a real problem).
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
}

EarlyWriteback::EarlyWriteback(EarlyWriteback&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), every_(other.every_), pending_(other.pending_) {}

EarlyWriteback& EarlyWriteback::operator=(EarlyWriteback&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    every_ = other.every_;
    pending_ = other.pending_;
  }
  return *this;
}

EarlyWriteback::~EarlyWriteback() {
  if (fd_ >= 0) ::close(fd_);
}

void EarlyWriteback::written(std::int64_t bytes) {
  if (fd_ < 0) return;
  pending_ += bytes;
  if (pending_ < every_) return;
  pending_ = 0;
  start();
}

void EarlyWriteback::finish() {
  if (fd_ < 0) return;
  start();
  ::close(std::exchange(fd_, -1));
}

void EarlyWriteback::start() const {
#ifdef __linux__
  // The whole file (nbytes 0: to its end): pages already on their way are skipped. The result
  // is not checked: this only hurries the fsync that follows, which reports any failure.
  (void)::sync_file_range(fd_, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
}

}  // namespace nsperf::io
