// mpiio-collective: the shared tile-major file through MPI-IO, each rank's tiles described once
// as a file view (an hindexed type of its tiles' byte ranges) and written with a single
// MPI_File_write_all: MPI-IO may aggregate the ranks' pieces (two-phase I/O) into large writes.
#include <climits>
#include <vector>

#include "mpi_file.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/io/io_strategy.hpp"

namespace nsperf::io {
namespace {

// The view's element is a float (the stream's pixel), so counts stay below INT_MAX up to 8 GiB
// per rank.
class View {
 public:
  explicit View(const TileStream& s) {
    std::vector<int> lengths;
    std::vector<MPI_Aint> offsets;
    for (const auto& t : s.tiles) {
      lengths.push_back(static_cast<int>(t.rect.pixels()));
      offsets.push_back(static_cast<MPI_Aint>(t.file_offset));
    }
    if (s.bytes / kStreamPixelBytes > INT_MAX)
      throw InputError("mpiio-collective: " + std::to_string(s.bytes) +
                       " bytes on one rank are more than one call takes: use more ranks");
    count_ = static_cast<int>(s.bytes / kStreamPixelBytes);
    MPI_Type_create_hindexed(static_cast<int>(lengths.size()), lengths.data(), offsets.data(),
                             MPI_FLOAT, &type_);
    MPI_Type_commit(&type_);
  }
  View(const View&) = delete;
  View& operator=(const View&) = delete;
  ~View() { MPI_Type_free(&type_); }
  void set(const detail::MpiFile& f) const {
    detail::check_mpi(MPI_File_set_view(f.get(), 0, MPI_FLOAT, type_, "native", MPI_INFO_NULL),
                      "MPI_File_set_view", f.path());
  }
  [[nodiscard]] int count() const noexcept { return count_; }

 private:
  MPI_Datatype type_ = MPI_DATATYPE_NULL;
  int count_ = 0;
};

class MpiioCollective final : public IoStrategy {
 public:
  void write(const TileStream& s, std::span<const std::byte> data) override {
    const View view(s);
    detail::MpiFile f(s.comm, file(s), MPI_MODE_CREATE | MPI_MODE_WRONLY);
    view.set(f);
    detail::check_mpi(
        MPI_File_write_all(f.get(), data.data(), view.count(), MPI_FLOAT, MPI_STATUS_IGNORE),
        "MPI_File_write_all", f.path());
    f.sync_and_close();
  }

  void read(const TileStream& s, std::span<std::byte> into) override {
    const View view(s);
    detail::MpiFile f(s.comm, file(s), MPI_MODE_RDONLY);
    view.set(f);
    detail::check_mpi(
        MPI_File_read_all(f.get(), into.data(), view.count(), MPI_FLOAT, MPI_STATUS_IGNORE),
        "MPI_File_read_all", f.path());
    f.close();
  }

  [[nodiscard]] std::filesystem::path file(const TileStream& s) const override {
    return stream_file(s, "mpiio-collective", /*shared=*/true);
  }
  [[nodiscard]] bool shared_file() const override { return true; }
};

}  // namespace

NSPERF_REGISTER_IO_STRATEGY(MpiioCollective, "mpiio-collective",
                            "one shared file, a file view per rank, one MPI_File_write_all", false,
                            conservative)

}  // namespace nsperf::io
