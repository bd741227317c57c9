// unbuffered (baseline): file per process, one write(2) per tile row, no buffering: the many
// small system calls a naive tile writer makes.
#include <fcntl.h>

#include "nsperf/io/io_strategy.hpp"
#include "posix_file.hpp"

namespace nsperf::io {
namespace {

class Unbuffered final : public IoStrategy {
 public:
  void write(const TileStream& s, std::span<const std::byte> data) override {
    detail::File f(file(s), O_WRONLY | O_CREAT | O_TRUNC);
    detail::for_each_row(s, [&](std::size_t at, std::size_t n) { f.write(data.subspan(at, n)); });
    f.fsync();
    f.close();
  }

  void read(const TileStream& s, std::span<std::byte> into) override {
    detail::File f(file(s), O_RDONLY);
    detail::for_each_row(s, [&](std::size_t at, std::size_t n) { f.read(into.subspan(at, n)); });
    f.close();
  }

  [[nodiscard]] std::filesystem::path file(const TileStream& s) const override {
    return stream_file(s, "unbuffered", /*shared=*/false);
  }
  [[nodiscard]] bool shared_file() const override { return false; }
};

}  // namespace

NSPERF_REGISTER_IO_STRATEGY(Unbuffered, "unbuffered",
                            "file per process, one write per tile row (baseline)", true,
                            conservative)

}  // namespace nsperf::io
