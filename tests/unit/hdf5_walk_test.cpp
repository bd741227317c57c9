// io/hdf5/hdf5_walk.cpp: the walk of a file's groups ends on every file, lists datasets in name
// order, tells a counted second link from damage, and check_structure names a damaged file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "nsperf/core/error.hpp"
#include "nsperf/io/hdf5.hpp"

namespace io = nsperf::io;
namespace fs = std::filesystem;

namespace {

class Hdf5Walk : public ::testing::Test {
 protected:
  void SetUp() override {
    io::silence_hdf5_errors();
    path_ = fs::temp_directory_path() /
            ("nsperf_walk_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".h5");
    file_ = io::Handle(H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    ASSERT_GE(file_.get(), 0);
  }
  void TearDown() override {
    file_ = {};
    fs::remove(path_);
  }

  void group(const char* name) {
    const io::Handle g(H5Gcreate2(file_.get(), name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                       H5Gclose);
    ASSERT_GE(g.get(), 0) << name;
  }
  void dataset(const char* name) {
    const hsize_t dims[1] = {4};
    const io::Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose);
    const io::Handle d(H5Dcreate2(file_.get(), name, H5T_STD_U8LE, space.get(), H5P_DEFAULT,
                                  H5P_DEFAULT, H5P_DEFAULT),
                       H5Dclose);
    ASSERT_GE(d.get(), 0) << name;
  }
  void hard_link(const char* target, const char* name) {
    ASSERT_GE(H5Lcreate_hard(file_.get(), target, file_.get(), name, H5P_DEFAULT, H5P_DEFAULT), 0);
  }
  // Closes the file and opens it again read-only, as a command would.
  void reopen() {
    file_ = {};
    file_ = io::open_for_reading(path_, /*check=*/false);
  }
  // Rewrites the link count in the version 1 object header of `name` (the file must be closed):
  // how a damaged file looks whose group contains itself.
  void set_link_count(const char* name, std::uint32_t count) {
    H5O_info_t info;
    ASSERT_GE(H5Oget_info_by_name2(file_.get(), name, &info, H5O_INFO_BASIC, H5P_DEFAULT), 0);
    file_ = {};
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(info.addr));
    char version = 0;
    f.read(&version, 1);
    ASSERT_EQ(version, 1) << "a version 1 object header (HDF5's default for groups)";
    f.seekp(static_cast<std::streamoff>(info.addr + 4));
    const char bytes[4] = {static_cast<char>(count), 0, 0, 0};
    f.write(bytes, 4);
    ASSERT_TRUE(f.good());
  }

  fs::path path_;
  io::Handle file_;
};

TEST_F(Hdf5Walk, ListsDatasetsInNameOrderAndStopsAtTheFirstFew) {
  group("/b");
  dataset("/b/y");
  dataset("/b/x");
  dataset("/a");
  group("/c");
  dataset("/c/z");
  reopen();
  const auto all = io::walk_groups(file_.get(), 10);
  EXPECT_EQ(all.datasets, (std::vector<std::string>{"/a", "/b/x", "/b/y", "/c/z"}));
  EXPECT_TRUE(all.complete);
  EXPECT_TRUE(all.damage.empty());
  const auto first = io::walk_groups(file_.get(), 2);
  EXPECT_EQ(first.datasets, (std::vector<std::string>{"/a", "/b/x"}));
  EXPECT_FALSE(first.complete) << "more datasets than kept";
  const auto check = io::walk_groups(file_.get(), 0);
  EXPECT_TRUE(check.datasets.empty());
  EXPECT_TRUE(check.complete);
}

TEST_F(Hdf5Walk, ACountedSecondLinkIsVisitedOnce) {
  // Valid HDF5: a group linked from inside itself and a dataset under two names; both links are
  // counted in the objects' headers.
  group("/g");
  dataset("/g/d");
  hard_link("/g", "/g/self");
  hard_link("/g/d", "/alias");
  reopen();
  const auto walk = io::walk_groups(file_.get(), 10);
  EXPECT_TRUE(walk.damage.empty()) << walk.damage;
  EXPECT_TRUE(walk.complete);
  EXPECT_EQ(walk.datasets, (std::vector<std::string>{"/alias"})) << "one dataset, seen once";
  EXPECT_NO_THROW(io::check_structure(file_.get(), path_));
}

TEST_F(Hdf5Walk, AGroupThatContainsItselfIsDamage) {
  group("/big");
  hard_link("/big", "/big/big");
  set_link_count("/big", 1);  // the header counts one link; two lead to it
  file_ = io::open_for_reading(path_, /*check=*/false);
  const auto walk = io::walk_groups(file_.get(), 8);
  EXPECT_EQ(walk.damage, "its groups loop (/big/big leads back to /big)");
  try {
    io::check_structure(file_.get(), path_);
    FAIL() << "accepted";
  } catch (const nsperf::InputError& e) {
    EXPECT_EQ(
        std::string(e.what()),
        path_.string() + ": damaged HDF5 file: its groups loop (/big/big leads back to /big)");
  }
  file_ = {};
  EXPECT_THROW((void)io::open_for_reading(path_), nsperf::InputError);
}

TEST_F(Hdf5Walk, ALinkToTheRootCountsTheSuperblockToo) {
  group("/g");
  hard_link("/", "/g/root");  // valid: the root's header now counts two links
  reopen();
  EXPECT_TRUE(io::walk_groups(file_.get(), 0).damage.empty());
}

TEST_F(Hdf5Walk, DepthIsBounded) {
  std::string name;
  for (int i = 0; i < 80; ++i) {
    name += "/g";
    group(name.c_str());
  }
  dataset((name + "/deep").c_str());
  reopen();
  const auto walk = io::walk_groups(file_.get(), 8);
  EXPECT_FALSE(walk.complete) << "80 levels, 64 walked";
  EXPECT_TRUE(walk.datasets.empty());
  EXPECT_TRUE(walk.damage.empty());
}

// The file the fuzzer found (../shared/data/fuzz/hdf5-listing-timeout.bin: a selection line,
// then a damaged HDF5 file whose group /big links to itself): H5Lvisit never ended on it.
TEST(Hdf5WalkFound, TheFuzzersLoopingFileEnds) {
  const fs::path input = fs::path(NSPERF_SHARED_DATA) / "fuzz" / "hdf5-listing-timeout.bin";
  if (!fs::exists(input)) GTEST_SKIP() << input << " is absent (../shared/data)";
  std::ifstream in(input, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  const auto at = bytes.find("\x89HDF");
  ASSERT_NE(at, std::string::npos);
  const fs::path path =
      fs::temp_directory_path() / ("nsperf_cyc_" + std::to_string(::getpid()) + ".h5");
  std::ofstream(path, std::ios::binary) << bytes.substr(at);
  io::silence_hdf5_errors();
  {
    const io::Handle file = io::open_for_reading(path, /*check=*/false);
    const auto walk = io::walk_groups(file.get(), 8);
    EXPECT_EQ(walk.damage, "its groups loop (/big/big leads back to /big)");
  }
  fs::remove(path);
}

}  // namespace
