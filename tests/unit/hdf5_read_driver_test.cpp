// io/hdf5/hdf5_read_driver.cpp: files read through io::read_access read as with HDF5's own driver,
// and a damaged global heap collection (on which HDF5 1.10 loops forever or reads out of
// bounds) fails the read with a message that says where.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <variant>
#include <vector>

#include "nsperf/core/error.hpp"
#include "nsperf/io/hdf5.hpp"

namespace io = nsperf::io;
namespace fs = std::filesystem;

namespace {

class Hdf5ReadDriver : public ::testing::Test {
 protected:
  void SetUp() override {
    io::silence_hdf5_errors();
    path_ = fs::temp_directory_path() /
            ("nsperf_driver_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".h5");
    const io::Handle file(H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                          H5Fclose);
    ASSERT_GE(file.get(), 0);
    io::write_attribute(file.get(), "version", std::string("0.1.0"));
    io::write_attribute(file.get(), "command", std::string("nsperf benchmark --cpu"));
    io::write_attribute(file.get(), "ranks", std::int64_t{4});
    // Raw data that starts as a collection does, read whole.
    const std::string fake = std::string("GCOL\1\0\0\0", 8) + std::string(8, '\0');
    const hsize_t dims[1] = {fake.size()};
    const io::Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose);
    const io::Handle d(H5Dcreate2(file.get(), "raw", H5T_STD_U8LE, space.get(), H5P_DEFAULT,
                                  H5P_DEFAULT, H5P_DEFAULT),
                       H5Dclose);
    ASSERT_GE(H5Dwrite(d.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, fake.data()), 0);
  }
  void TearDown() override { fs::remove(path_); }

  std::string bytes() const {
    std::ifstream in(path_, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  void write(const std::string& b) const { std::ofstream(path_, std::ios::binary) << b; }

  // The byte offset of each object header in the file's one global heap collection (8-byte
  // lengths), by object index; the free space is index 0.
  std::vector<std::pair<unsigned, std::size_t>> objects(const std::string& b) const {
    const std::size_t start = b.find(std::string("GCOL\1", 5));
    EXPECT_NE(start, std::string::npos);
    const auto u64 = [&](std::size_t at) {
      std::uint64_t v = 0;
      for (std::size_t i = 8; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
      return v;
    };
    const std::size_t end = start + u64(start + 8);
    std::vector<std::pair<unsigned, std::size_t>> out;
    for (std::size_t p = start + 16; p + 16 <= end;) {
      const unsigned index = static_cast<unsigned>(static_cast<unsigned char>(b[p])) |
                             (static_cast<unsigned>(static_cast<unsigned char>(b[p + 1])) << 8U);
      out.emplace_back(index, p);
      const std::uint64_t size = u64(p + 8);
      p += index == 0 ? size : 16 + ((size + 7) & ~std::uint64_t{7});
    }
    return out;
  }
  static void set_size(std::string& b, std::size_t header, std::uint64_t size) {
    for (std::size_t i = 0; i < 8; ++i) b[header + 8 + i] = static_cast<char>(size >> (8 * i));
  }

  std::vector<std::pair<std::string, nsperf::core::Provenance::Value>> attributes() const {
    const io::Handle file = io::open_for_reading(path_);
    return io::read_attributes(file.get(), "f.h5");
  }
  void expect_damage(const std::string& what) const {
    try {
      (void)attributes();
      FAIL() << "read";
    } catch (const nsperf::InputError& e) {
      const std::string m = e.what();
      EXPECT_EQ(m.rfind("f.h5: attribute '", 0), 0U) << m;
      EXPECT_NE(m.find("damaged global heap collection at byte "), std::string::npos) << m;
      EXPECT_NE(m.find(what), std::string::npos) << m;
    }
  }

  fs::path path_;
};

TEST_F(Hdf5ReadDriver, ReadsWhatHdf5Wrote) {
  const auto attrs = attributes();
  ASSERT_EQ(attrs.size(), 3U);
  EXPECT_EQ(std::get<std::string>(attrs[0].second), "nsperf benchmark --cpu");
  EXPECT_EQ(std::get<std::int64_t>(attrs[1].second), 4);
  EXPECT_EQ(std::get<std::string>(attrs[2].second), "0.1.0");
  const io::Handle file = io::open_for_reading(path_);
  const io::Handle d(H5Dopen2(file.get(), "raw", H5P_DEFAULT), H5Dclose);
  std::string raw(16, 'x');
  ASSERT_GE(H5Dread(d.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()), 0)
      << io::hdf5_message();
  EXPECT_EQ(raw, std::string("GCOL\1\0\0\0", 8) + std::string(8, '\0'));
}

TEST_F(Hdf5ReadDriver, AnEmptyFreeSpaceWouldHangHdf5) {
  std::string b = bytes();
  const auto list = objects(b);
  ASSERT_FALSE(list.empty());
  ASSERT_EQ(list.back().first, 0U) << "the collection ends with its free space";
  set_size(b, list.back().second, 0);
  write(b);
  expect_damage("free space at byte " + std::to_string(list.back().second) + " has 0 bytes");
}

TEST_F(Hdf5ReadDriver, AnObjectLargerThanItsCollectionWouldBeReadPastIt) {
  std::string b = bytes();
  const auto list = objects(b);
  ASSERT_GE(list.size(), 2U);
  ASSERT_NE(list.front().first, 0U);
  set_size(b, list.front().second, 9568276);
  write(b);
  expect_damage("object " + std::to_string(list.front().first) + " at byte " +
                std::to_string(list.front().second) + " has 9568276 bytes");
}

TEST_F(Hdf5ReadDriver, ACollectionLargerThanTheFile) {
  std::string b = bytes();
  const std::size_t start = b.find(std::string("GCOL\1", 5));
  ASSERT_NE(start, std::string::npos);
  set_size(b, start, std::uint64_t{1} << 40);  // the collection's own size, after the signature
  write(b);
  expect_damage("it claims 1099511627776 bytes; the file has " + std::to_string(b.size()));
}

TEST_F(Hdf5ReadDriver, OnlyReads) {
  const io::Handle fapl = io::read_access();
  EXPECT_LT(H5Fopen(path_.c_str(), H5F_ACC_RDWR, fapl.get()), 0);
  H5Eclear2(H5E_DEFAULT);
}

}  // namespace
