#include "nsperf/mpi/results_writer.hpp"

#include <unistd.h>

#include <boost/mpi/collectives.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "mpi_test.hpp"
#include "nsperf/io/results_file.hpp"
#include "nsperf/mpi/phase.hpp"

namespace core = nsperf::core;
namespace io = nsperf::io;
namespace mpi = nsperf::mpi;
namespace fs = std::filesystem;

namespace {

// The "rank" column of runs/<run>/<table>, read serially.
std::vector<std::int32_t> read_ranks(const fs::path& path, const std::string& run,
                                     const std::string& table) {
  const io::Handle file(io::check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "H5Fopen"),
                        H5Fclose);
  const io::Handle set(
      io::check(H5Dopen2(file.get(), ("runs/" + run + "/" + table).c_str(), H5P_DEFAULT),
                "H5Dopen2"),
      H5Dclose);
  const io::Handle space(io::check(H5Dget_space(set.get()), "H5Dget_space"), H5Sclose);
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space.get(), &n, nullptr);
  const io::Handle type(io::check(H5Tcreate(H5T_COMPOUND, sizeof(std::int32_t)), "H5Tcreate"),
                        H5Tclose);
  H5Tinsert(type.get(), table == "summary" ? "ranks" : "rank", 0, H5T_NATIVE_INT32);
  std::vector<std::int32_t> ranks(n);
  if (n > 0) NSPERF_H5(H5Dread(set.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ranks.data()));
  return ranks;
}

class ResultsWriter : public MpiTest {
 protected:
  fs::path dir;
  void SetUp() override {
    std::string d;
    if (world.rank() == 0) {
      d = (fs::temp_directory_path() / ("nsperf_writer_" + std::to_string(::getpid()))).string();
      fs::create_directories(d);
    }
    boost::mpi::broadcast(world, d, 0);
    dir = d;
  }
  void TearDown() override {
    world.barrier();
    if (world.rank() == 0) fs::remove_all(dir);
    MpiTest::TearDown();
  }
  // Each rank contributes rank+1 samples and tiles; rank 0 one summary row.
  void write(const fs::path& path, mpi::WriteMode mode, const std::string& run_id) {
    core::Provenance p;
    p.run_id = run_id;
    p.ranks = world.size();
    std::vector<core::Sample> samples(static_cast<std::size_t>(world.rank() + 1));
    for (auto& s : samples) {
      s.rank = world.rank();
      s.strategy = "openmp";
    }
    std::vector<core::TileResult> tiles(static_cast<std::size_t>(world.rank() + 1));
    for (auto& t : tiles) t.rank = world.rank();
    std::vector<core::SummaryRow> summary;
    std::vector<core::Repetition> repetitions;
    if (world.rank() == 0) {
      summary.resize(1);
      summary[0].ranks = world.size();
      repetitions.resize(3);
    }
    // Each rank two regions, the second nested in the first.
    std::vector<core::RankRegion> regions(2);
    regions[0] = {world.rank(), {"outer", "outer", 0, core::RegionKind::code, 1, 2.0, 1.5}};
    regions[1] = {
        world.rank(),
        {"outer/MPI_Send", "MPI_Send", 1, core::RegionKind::mpi, world.rank() + 1, 0.5, 0.5}};
    mpi::write_results(world, path, mode, p,
                       {samples, tiles, repetitions, summary, regions, {}, {}, {}});
  }
  std::size_t files_in_dir() const {
    return static_cast<std::size_t>(
        std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
  }
};

}  // namespace

TEST_F(ResultsWriter, EveryRankWritesItsOwnRowsInRankOrder) {
  const auto path = dir / "r.h5";
  write(path, mpi::WriteMode::create, "run-a");
  if (world.rank() != 0) return;
  std::vector<std::int32_t> expected;
  for (int r = 0; r < world.size(); ++r)
    expected.insert(expected.end(), static_cast<std::size_t>(r + 1), r);
  EXPECT_EQ(read_ranks(path, "run-a", "samples"), expected);
  EXPECT_EQ(read_ranks(path, "run-a", "tiles"), expected);
  EXPECT_EQ(read_ranks(path, "run-a", "summary"), std::vector<std::int32_t>{world.size()});
  EXPECT_EQ(io::list_runs(path), std::vector<std::string>{"run-a"});
  EXPECT_EQ(files_in_dir(), 1u) << "the temporary file was renamed, not left behind";
  const auto regions = io::read_regions(path, "run-a");
  ASSERT_EQ(regions.size(), static_cast<std::size_t>(2 * world.size()));
  for (int r = 0; r < world.size(); ++r) {
    const auto& outer = regions[static_cast<std::size_t>(2 * r)];
    const auto& send = regions[static_cast<std::size_t>(2 * r + 1)];
    EXPECT_EQ(outer.rank, r);
    EXPECT_EQ(outer.region.path, "outer");
    EXPECT_EQ(outer.region.kind, core::RegionKind::code);
    EXPECT_EQ(outer.region.inclusive_s, 2.0);
    EXPECT_EQ(send.region.path, "outer/MPI_Send");
    EXPECT_EQ(send.region.name, "MPI_Send");
    EXPECT_EQ(send.region.depth, 1);
    EXPECT_EQ(send.region.kind, core::RegionKind::mpi);
    EXPECT_EQ(send.region.calls, r + 1);
  }
}

TEST_F(ResultsWriter, AppendAddsARunAndCreateRefusesAnExistingFile) {
  const auto path = dir / "r.h5";
  write(path, mpi::WriteMode::create, "run-a");
  write(path, mpi::WriteMode::append, "run-b");
  if (world.rank() == 0) {
    EXPECT_EQ(io::list_runs(path), (std::vector<std::string>{"run-a", "run-b"}));
    EXPECT_THROW(mpi::check_output(path, mpi::WriteMode::create), nsperf::InputError);
    EXPECT_NO_THROW(mpi::check_output(path, mpi::WriteMode::overwrite));
    EXPECT_NO_THROW(mpi::check_output(path, mpi::WriteMode::append));
  }
  write(path, mpi::WriteMode::overwrite, "run-c");
  if (world.rank() == 0) {
    EXPECT_EQ(io::list_runs(path), std::vector<std::string>{"run-c"});
  }
}

TEST_F(ResultsWriter, CheckOutputNamesWhatIsWrong) {
  if (world.rank() != 0) return;
  try {
    mpi::check_output(dir / "missing" / "r.h5", mpi::WriteMode::create);
    FAIL() << "no error";
  } catch (const nsperf::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
  EXPECT_THROW(mpi::check_output(dir / "absent.h5", mpi::WriteMode::append), nsperf::InputError);
  { std::ofstream(dir / "text.h5") << "not hdf5"; }
  EXPECT_THROW(mpi::check_output(dir / "text.h5", mpi::WriteMode::append), nsperf::InputError);
  EXPECT_THROW(mpi::check_output(dir, mpi::WriteMode::overwrite), nsperf::InputError);
}

TEST_F(ResultsWriter, AFailedWriteLeavesNoFileAndKeepsTheOldOne) {
  const auto path = dir / "r.h5";
  write(path, mpi::WriteMode::create, "run-a");
  ::setenv("NSPERF_FAULT",
           ("rank:" + std::to_string(world.size() - 1) + ",phase:results-prepare").c_str(), 1);
  EXPECT_THROW(write(path, mpi::WriteMode::append, "run-b"), mpi::PhaseFailed);
  EXPECT_THROW(write(dir / "new.h5", mpi::WriteMode::create, "run-c"), mpi::PhaseFailed);
  // Rank 0 renames in the commit phase; failing just before it must leave nothing behind.
  ::setenv("NSPERF_FAULT", "rank:0,phase:results-commit", 1);
  EXPECT_THROW(write(dir / "new.h5", mpi::WriteMode::create, "run-d"), mpi::PhaseFailed);
  ::unsetenv("NSPERF_FAULT");
  world.barrier();
  if (world.rank() != 0) return;
  EXPECT_EQ(io::list_runs(path), std::vector<std::string>{"run-a"});
  EXPECT_FALSE(fs::exists(dir / "new.h5"));
  EXPECT_EQ(files_in_dir(), 1u) << "temporary files removed";
}
