// batched: file per process; the baseline's rows gathered into writev(2)/readv(2) calls of up
// to IOV_MAX rows each: the same small pieces, aggregated into few system calls without a copy.
#include <fcntl.h>
#include <limits.h>

#include <vector>

#include "nsperf/io/io_strategy.hpp"
#include "posix_file.hpp"

namespace nsperf::io {
namespace {

// Every row of every tile, in file order, as iovecs over `base`.
std::vector<iovec> rows_of(const TileStream& s, std::byte* base) {
  std::vector<iovec> rows;
  detail::for_each_row(s, [&](std::size_t at, std::size_t n) { rows.push_back({base + at, n}); });
  return rows;
}

class Batched final : public IoStrategy {
 public:
  void write(const TileStream& s, std::span<const std::byte> data) override {
    detail::File f(file(s), O_WRONLY | O_CREAT | O_TRUNC);
    // writev does not write through its iovecs; the cast only satisfies its signature.
    auto rows = rows_of(s, const_cast<std::byte*>(data.data()));
    for (std::size_t i = 0; i < rows.size(); i += IOV_MAX)
      f.writev(std::span(rows).subspan(i, std::min<std::size_t>(IOV_MAX, rows.size() - i)));
    f.fsync();
    f.close();
  }

  void read(const TileStream& s, std::span<std::byte> into) override {
    detail::File f(file(s), O_RDONLY);
    auto rows = rows_of(s, into.data());
    for (std::size_t i = 0; i < rows.size(); i += IOV_MAX)
      f.readv(std::span(rows).subspan(i, std::min<std::size_t>(IOV_MAX, rows.size() - i)));
    f.close();
  }

  [[nodiscard]] std::filesystem::path file(const TileStream& s) const override {
    return stream_file(s, "batched", /*shared=*/false);
  }
  [[nodiscard]] bool shared_file() const override { return false; }
};

}  // namespace

NSPERF_REGISTER_IO_STRATEGY(Batched, "batched",
                            "file per process, rows gathered into writev/readv of IOV_MAX", false,
                            conservative)

}  // namespace nsperf::io
