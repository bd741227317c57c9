// mpiio-independent: the shared tile-major file through MPI-IO, one independent
// MPI_File_write_at per tile (each rank on its own, like posix-shared through the MPI layer).
#include <climits>

#include "mpi_file.hpp"
#include "nsperf/io/io_strategy.hpp"

namespace nsperf::io {
namespace {

// One call per tile; a tile of more than INT_MAX bytes (a 23170-pixel square) in pieces.
template <class Call>
void in_pieces(std::size_t bytes, Call&& call) {
  for (std::size_t done = 0; done < bytes;) {
    const auto n = std::min<std::size_t>(bytes - done, INT_MAX);
    call(done, static_cast<int>(n));
    done += n;
  }
}

class MpiioIndependent final : public IoStrategy {
 public:
  void write(const TileStream& s, std::span<const std::byte> data) override {
    detail::MpiFile f(s.comm, file(s), MPI_MODE_CREATE | MPI_MODE_WRONLY);
    for (const auto& t : s.tiles) {
      in_pieces(t.bytes(), [&](std::size_t at, int n) {
        detail::check_mpi(
            MPI_File_write_at(f.get(), static_cast<MPI_Offset>(t.file_offset + at),
                              data.data() + t.offset + at, n, MPI_BYTE, MPI_STATUS_IGNORE),
            "MPI_File_write_at", f.path());
      });
    }
    f.sync_and_close();
  }

  void read(const TileStream& s, std::span<std::byte> into) override {
    detail::MpiFile f(s.comm, file(s), MPI_MODE_RDONLY);
    for (const auto& t : s.tiles) {
      in_pieces(t.bytes(), [&](std::size_t at, int n) {
        detail::check_mpi(
            MPI_File_read_at(f.get(), static_cast<MPI_Offset>(t.file_offset + at),
                             into.data() + t.offset + at, n, MPI_BYTE, MPI_STATUS_IGNORE),
            "MPI_File_read_at", f.path());
      });
    }
    f.close();
  }

  [[nodiscard]] std::filesystem::path file(const TileStream& s) const override {
    return stream_file(s, "mpiio-independent", /*shared=*/true);
  }
  [[nodiscard]] bool shared_file() const override { return true; }
};

}  // namespace

NSPERF_REGISTER_IO_STRATEGY(MpiioIndependent, "mpiio-independent",
                            "one shared file, MPI_File_write_at per tile", false, conservative)

}  // namespace nsperf::io
