// io/hdf5/hdf5.cpp without MPI: table_rows, the bound every table reader checks before it
// allocates.
#include "nsperf/io/hdf5.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "nsperf/core/error.hpp"

namespace io = nsperf::io;

namespace {

class Hdf5Table : public ::testing::Test {
 protected:
  void SetUp() override {
    io::silence_hdf5_errors();
    path_ = std::filesystem::temp_directory_path() /
            ("nsperf_hdf5_test_" + std::to_string(::getpid()) + ".h5");
    file_ = io::Handle(H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    ASSERT_GE(file_.get(), 0);
  }
  void TearDown() override {
    file_ = {};
    std::filesystem::remove(path_);
  }

  // Dataset `name` of int64 with `dims`, chunked so that nothing need be written.
  io::Handle dataset(const char* name, std::vector<hsize_t> dims) {
    const io::Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                           H5Sclose);
    const io::Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    std::vector<hsize_t> chunk(dims.size(), 1);
    H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
    return {H5Dcreate2(file_.get(), name, H5T_STD_I64LE, space.get(), H5P_DEFAULT, dcpl.get(),
                       H5P_DEFAULT),
            H5Dclose};
  }

  std::filesystem::path path_;
  io::Handle file_;
};

TEST_F(Hdf5Table, RowsAreCountedAndBoundedByTheFileSize) {
  EXPECT_EQ(io::table_rows(dataset("three", {3}).get(), "three"), 3U);
  EXPECT_EQ(io::table_rows(dataset("none", {0}).get(), "none"), 0U);
  // A dataspace claiming 2^40 rows (a damaged or forged file): refused, nothing allocated.
  try {
    (void)io::table_rows(dataset("huge", {hsize_t{1} << 40}).get(), "f.h5: huge");
    FAIL() << "accepted";
  } catch (const nsperf::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("f.h5: huge claims 1099511627776 rows of 8 bytes"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW((void)io::table_rows(dataset("image", {2, 2}).get(), "image"), nsperf::InputError);
}

}  // namespace
