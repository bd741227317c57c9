// buffered: the baseline's per-row calls through stdio with a 4 MiB buffer, so the kernel sees
// few large writes (and reads).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "nsperf/core/error.hpp"
#include "nsperf/io/io_strategy.hpp"
#include "posix_file.hpp"

namespace nsperf::io {
namespace {

constexpr std::size_t kBuffer = std::size_t{4} << 20;

class Stream {
 public:
  Stream(const std::filesystem::path& path, const char* mode) : path_(path) {
    f_ = std::fopen(path.c_str(), mode);
    if (f_ == nullptr) fail("fopen");
    if (std::setvbuf(f_, buffer_.data(), _IOFBF, buffer_.size()) != 0) fail("setvbuf");
  }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream() {
    if (f_ != nullptr) std::fclose(f_);
  }
  void write(std::span<const std::byte> b) {
    if (std::fwrite(b.data(), 1, b.size(), f_) != b.size()) fail("fwrite");
  }
  void read(std::span<std::byte> b) {
    if (std::fread(b.data(), 1, b.size(), f_) != b.size()) fail("fread");
  }
  void sync_and_close() {
    if (std::fflush(f_) != 0) fail("fflush");
    if (::fsync(::fileno(f_)) != 0) fail("fsync");
    close();
  }
  void close() {
    FILE* f = f_;
    f_ = nullptr;
    if (std::fclose(f) != 0) fail("fclose");
  }

 private:
  [[noreturn]] void fail(const char* call) {
    const std::string why = errno != 0 ? std::strerror(errno) : "short transfer";
    throw IoError(std::string(call) + " " + path_.string() + ": " + why);
  }
  std::filesystem::path path_;
  std::vector<char> buffer_ = std::vector<char>(kBuffer);
  FILE* f_ = nullptr;
};

class Buffered final : public IoStrategy {
 public:
  void write(const TileStream& s, std::span<const std::byte> data) override {
    Stream f(file(s), "wb");
    detail::for_each_row(s, [&](std::size_t at, std::size_t n) { f.write(data.subspan(at, n)); });
    f.sync_and_close();
  }

  void read(const TileStream& s, std::span<std::byte> into) override {
    Stream f(file(s), "rb");
    detail::for_each_row(s, [&](std::size_t at, std::size_t n) { f.read(into.subspan(at, n)); });
    f.close();
  }

  [[nodiscard]] std::filesystem::path file(const TileStream& s) const override {
    return stream_file(s, "buffered", /*shared=*/false);
  }
  [[nodiscard]] bool shared_file() const override { return false; }
};

}  // namespace

NSPERF_REGISTER_IO_STRATEGY(Buffered, "buffered",
                            "file per process, per-row calls through a 4 MiB stdio buffer", false,
                            conservative)

}  // namespace nsperf::io
