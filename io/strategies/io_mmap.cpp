// mmap: file per process, sized with ftruncate and mapped; tiles are copied into the mapping and
// msync(MS_SYNC) makes them durable. Reads copy out of a read-only mapping.
#include <fcntl.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>

#include "nsperf/core/error.hpp"
#include "nsperf/io/io_strategy.hpp"
#include "posix_file.hpp"

namespace nsperf::io {
namespace {

class Mapping {
 public:
  Mapping(const detail::File& f, std::size_t size, int protection) : size_(size) {
    if (size_ == 0) return;
    addr_ = ::mmap(nullptr, size_, protection, MAP_SHARED, f.fd(), 0);
    if (addr_ == MAP_FAILED) {
      addr_ = nullptr;
      throw IoError("mmap " + f.path().string() + ": " + std::strerror(errno));
    }
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (addr_ != nullptr) ::munmap(addr_, size_);
  }
  [[nodiscard]] std::byte* data() const noexcept { return static_cast<std::byte*>(addr_); }
  void sync(const std::filesystem::path& path) {
    if (addr_ != nullptr && ::msync(addr_, size_, MS_SYNC) != 0)
      throw IoError("msync " + path.string() + ": " + std::strerror(errno));
  }

 private:
  void* addr_ = nullptr;
  std::size_t size_ = 0;
};

class Mmap final : public IoStrategy {
 public:
  void write(const TileStream& s, std::span<const std::byte> data) override {
    detail::File f(file(s), O_RDWR | O_CREAT | O_TRUNC);
    f.truncate(s.bytes);
    {
      Mapping map(f, s.bytes, PROT_READ | PROT_WRITE);
      for (const auto& t : s.tiles)
        std::memcpy(map.data() + t.offset, data.data() + t.offset, t.bytes());
      map.sync(f.path());
    }
    f.fsync();  // the size and the metadata
    f.close();
  }

  void read(const TileStream& s, std::span<std::byte> into) override {
    detail::File f(file(s), O_RDONLY);
    {
      Mapping map(f, s.bytes, PROT_READ);
      if (s.bytes > 0) ::madvise(map.data(), s.bytes, MADV_SEQUENTIAL);
      for (const auto& t : s.tiles)
        std::memcpy(into.data() + t.offset, map.data() + t.offset, t.bytes());
    }
    f.close();
  }

  [[nodiscard]] std::filesystem::path file(const TileStream& s) const override {
    return stream_file(s, "mmap", /*shared=*/false);
  }
  [[nodiscard]] bool shared_file() const override { return false; }
};

}  // namespace

NSPERF_REGISTER_IO_STRATEGY(Mmap, "mmap", "file per process, memcpy into a shared mapping, msync",
                            false, conservative)

}  // namespace nsperf::io
