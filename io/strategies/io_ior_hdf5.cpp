// ior-hdf5 (reference): IOR's HDF5 method at the stream's size, as `ior -a HDF5 -c -e -w -r
// -b <this rank's bytes> -t 4m` runs it: one shared file, one 1-D dataset of every rank's
// bytes (contiguous), each rank's bytes one block after the lower ranks' blocks, written (and
// read) in collective 4 MiB H5Dwrite transfers, then closed and fsynced like the HDF5
// strategies. What parallel HDF5 reaches on this file system for the same bytes without the
// image's 2-D layout: the yardstick of hdf5-collective.
#include <algorithm>

#include "hdf5_image.hpp"
#include "nsperf/io/io_strategy.hpp"
#include "posix_file.hpp"

namespace nsperf::io {
namespace {

constexpr std::size_t kIorHdf5Transfer = std::size_t{4} << 20;  // IOR's -t 4m

struct IorLayout {
  unsigned long long offset = 0;  // of this rank's block
  unsigned long long total = 0;   // every rank's bytes
  int rounds = 0;                 // collective transfers: the most any rank needs
};

IorLayout ior_layout_of(const TileStream& s) {
  IorLayout l;
  auto mine = static_cast<unsigned long long>(s.bytes);
  MPI_Exscan(&mine, &l.offset, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, s.comm);
  if (s.rank == 0) l.offset = 0;
  MPI_Allreduce(&mine, &l.total, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, s.comm);
  l.rounds =
      detail::transfer_rounds(s.comm, (s.bytes + kIorHdf5Transfer - 1) / kIorHdf5Transfer, true);
  return l;
}

// The file and memory selections of transfer `i`: this rank's bytes [i*4 MiB, ...) or none.
struct IorSelection {
  Handle file;
  Handle memory;
  std::size_t first = 0;
  std::size_t count = 0;
};

IorSelection select_transfer(hid_t dataset, const IorLayout& l, std::size_t bytes, int i) {
  IorSelection s;
  s.first = static_cast<std::size_t>(i) * kIorHdf5Transfer;
  s.count = s.first < bytes ? std::min(kIorHdf5Transfer, bytes - s.first) : 0;
  s.file = Handle(check(H5Dget_space(dataset), "H5Dget_space"), H5Sclose);
  const hsize_t n[1] = {std::max<hsize_t>(s.count, 1)};
  s.memory = Handle(check(H5Screate_simple(1, n, nullptr), "H5Screate_simple"), H5Sclose);
  if (s.count == 0) {
    NSPERF_H5(H5Sselect_none(s.file.get()));
    NSPERF_H5(H5Sselect_none(s.memory.get()));
    return s;
  }
  const hsize_t start[1] = {l.offset + s.first};
  const hsize_t count[1] = {s.count};
  NSPERF_H5(H5Sselect_hyperslab(s.file.get(), H5S_SELECT_SET, start, nullptr, count, nullptr));
  return s;
}

Handle ior_collective_transfer() {
  Handle xfer(check(H5Pcreate(H5P_DATASET_XFER), "H5Pcreate"), H5Pclose);
  NSPERF_H5(H5Pset_dxpl_mpio(xfer.get(), H5FD_MPIO_COLLECTIVE));
  return xfer;
}

class IorHdf5 final : public IoStrategy {
 public:
  void write(const TileStream& s, std::span<const std::byte> data) override {
    const IorLayout l = ior_layout_of(s);
    {
      const Handle fapl = mpio_access(s.comm);
      Handle f(
          check(H5Fcreate(file(s).c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), "H5Fcreate"),
          H5Fclose);
      const hsize_t dims[1] = {std::max<hsize_t>(l.total, 1)};
      const Handle space(check(H5Screate_simple(1, dims, nullptr), "H5Screate_simple"), H5Sclose);
      const Handle dcpl(check(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate"), H5Pclose);
      NSPERF_H5(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER));  // IOR's --hdf5.noFill
      Handle dataset(check(H5Dcreate2(f.get(), "ior", H5T_NATIVE_UCHAR, space.get(), H5P_DEFAULT,
                                      dcpl.get(), H5P_DEFAULT),
                           "H5Dcreate2"),
                     H5Dclose);
      const Handle xfer = ior_collective_transfer();
      static const std::byte none{};
      for (int i = 0; i < l.rounds; ++i) {
        const IorSelection sel = select_transfer(dataset.get(), l, data.size(), i);
        NSPERF_H5(H5Dwrite(dataset.get(), H5T_NATIVE_UCHAR, sel.memory.get(), sel.file.get(),
                           xfer.get(), sel.count > 0 ? data.data() + sel.first : &none));
      }
      dataset.close();
      f.close();
    }
    detail::fsync_path(file(s));  // as the HDF5 strategies: durable when it returns
  }

  void read(const TileStream& s, std::span<std::byte> into) override {
    const IorLayout l = ior_layout_of(s);
    const Handle fapl = mpio_access(s.comm);
    Handle f(check(H5Fopen(file(s).c_str(), H5F_ACC_RDONLY, fapl.get()), "H5Fopen"), H5Fclose);
    Handle dataset(check(H5Dopen2(f.get(), "ior", H5P_DEFAULT), "H5Dopen2"), H5Dclose);
    const Handle xfer = ior_collective_transfer();
    std::byte none{};
    for (int i = 0; i < l.rounds; ++i) {
      const IorSelection sel = select_transfer(dataset.get(), l, into.size(), i);
      NSPERF_H5(H5Dread(dataset.get(), H5T_NATIVE_UCHAR, sel.memory.get(), sel.file.get(),
                        xfer.get(), sel.count > 0 ? into.data() + sel.first : &none));
    }
    dataset.close();
    f.close();
  }

  [[nodiscard]] std::filesystem::path file(const TileStream& s) const override {
    return stream_file(s, "ior-hdf5", /*shared=*/true, ".h5");
  }
  [[nodiscard]] bool shared_file() const override { return true; }
};

}  // namespace

NSPERF_REGISTER_IO_REFERENCE(IorHdf5, "ior-hdf5",
                             "IOR's HDF5 method at the same bytes (ior -a HDF5 -c -e -b <rank's "
                             "bytes> -t 4m): one 1-D contiguous dataset, a block per rank, "
                             "collective 4 MiB writes, fsync (reference)")

}  // namespace nsperf::io
