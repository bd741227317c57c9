// Every registered I/O strategy at this rank count: what it writes reads back the same, and the
// files hold what its layout promises (tile-major shared file, a rank's own file, or the image
// as a 2-D HDF5 dataset), for tile layouts that merge into rectangles and ones that do not.
#include "nsperf/io/io_strategy.hpp"

#include <hdf5.h>
#include <stdlib.h>

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "mpi_test.hpp"
#include "nsperf/core/strategy.hpp"
#include "nsperf/core/tile_plan.hpp"
#include "nsperf/io/hdf5.hpp"

namespace core = nsperf::core;
namespace io = nsperf::io;
namespace fs = std::filesystem;

namespace {

float pixel(std::int64_t x, std::int64_t y) { return static_cast<float>(y * 1000 + x) + 0.25f; }

std::vector<char> file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class IoStrategies : public MpiTest {
 protected:
  fs::path dir;

  void SetUp() override {
    std::string name = "/tmp/nsperf-io-test-XXXXXX";
    if (world.rank() == 0) {
      ASSERT_NE(::mkdtemp(name.data()), nullptr);
    }
    boost::mpi::broadcast(world, name, 0);
    dir = name;
  }
  void TearDown() override {
    world.barrier();
    if (world.rank() == 0) fs::remove_all(dir);
    MpiTest::TearDown();
  }

  // The stream of `plan` (owners as given) for this rank, and its bytes.
  io::TileStream stream_of(const core::TilePlan& plan, std::vector<std::byte>& data) {
    io::TileStream s;
    s.comm = world;
    s.rank = world.rank();
    s.ranks = world.size();
    s.image = plan.image;
    s.tile = plan.tile_size;
    s.dir = dir;
    std::uint64_t file_offset = 0;
    for (std::size_t id = 0; id < plan.tiles.size(); ++id) {
      const auto& r = plan.tiles[id];
      if (plan.owner[id] == world.rank()) {
        s.tiles.push_back({static_cast<std::int64_t>(id), r, s.bytes, file_offset});
        s.bytes += s.tiles.back().bytes();
      }
      file_offset += static_cast<std::uint64_t>(r.pixels()) * io::kStreamPixelBytes;
    }
    s.total_bytes = file_offset;
    data.resize(s.bytes);
    for (const auto& t : s.tiles) {
      auto* p = reinterpret_cast<float*>(data.data() + t.offset);
      for (std::int64_t y = 0; y < t.rect.height; ++y)
        for (std::int64_t x = 0; x < t.rect.width; ++x) *p++ = pixel(t.rect.x + x, t.rect.y + y);
    }
    return s;
  }

  // Rank 0: the whole image, as the HDF5 strategies' dataset must hold it.
  void expect_image_in(const fs::path& path, core::Extent image) {
    io::silence_hdf5_errors();
    io::register_zstd_filter();
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(file, 0) << path;
    const hid_t dataset = H5Dopen2(file, "stream", H5P_DEFAULT);
    ASSERT_GE(dataset, 0);
    std::vector<float> got(static_cast<std::size_t>(image.pixels()));
    ASSERT_GE(H5Dread(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, got.data()), 0);
    std::int64_t wrong = 0;
    for (std::int64_t y = 0; y < image.height; ++y)
      for (std::int64_t x = 0; x < image.width; ++x)
        wrong += got[static_cast<std::size_t>(y * image.width + x)] != pixel(x, y);
    EXPECT_EQ(wrong, 0) << path;
    H5Dclose(dataset);
    H5Fclose(file);
  }

  // Every rank's stream after the lower ranks' (IOR's block per rank), as the IOR references
  // lay it out: each rank's tiles in id order.
  static std::vector<float> rank_major(const core::TilePlan& plan, int ranks) {
    std::vector<float> all;
    for (int r = 0; r < ranks; ++r) {
      for (std::size_t id = 0; id < plan.tiles.size(); ++id) {
        if (plan.owner[id] != r) continue;
        const auto& t = plan.tiles[id];
        for (std::int64_t y = 0; y < t.height; ++y)
          for (std::int64_t x = 0; x < t.width; ++x) all.push_back(pixel(t.x + x, t.y + y));
      }
    }
    return all;
  }

  // Rank 0: the 1-D dataset "ior" of ior-hdf5 holds every rank's block in rank order.
  static void expect_ior_dataset(const fs::path& path, const std::vector<float>& want) {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(file, 0) << path;
    const hid_t dataset = H5Dopen2(file, "ior", H5P_DEFAULT);
    ASSERT_GE(dataset, 0);
    std::vector<float> got(want.size());
    ASSERT_GE(H5Dread(dataset, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, got.data()), 0);
    EXPECT_EQ(got, want) << path;
    H5Dclose(dataset);
    H5Fclose(file);
  }

  void check_every_strategy(const core::TilePlan& plan) {
    std::vector<std::byte> data;
    const io::TileStream s = stream_of(plan, data);
    for (const auto& entry : io::io_strategies().entries()) {
      SCOPED_TRACE(entry.name);
      auto strategy = entry.make();
      const fs::path file = strategy->file(s);
      for (int round = 0; round < 2; ++round) {  // a second write replaces the first
        strategy->write(s, data);
        world.barrier();
        if (!strategy->shared_file() || world.rank() == 0) {
          EXPECT_EQ(io::drop_from_cache(file), 0.0) << "pages dropped after the durable write";
        }
        world.barrier();
        std::vector<std::byte> into(data.size(), std::byte{0x5a});
        strategy->read(s, into);
        EXPECT_EQ(into, data) << "round " << round;
      }
      world.barrier();
      const auto references = core::strategy_catalog().references("io");
      const bool ior = std::any_of(references.begin(), references.end(),
                                   [&](const auto& r) { return r.name == entry.name; });
      if (ior) {
        // IOR's layout: a block per rank, in rank order.
        if (world.rank() == 0) {
          const auto want = rank_major(plan, world.size());
          if (file.extension() == ".h5") {
            expect_ior_dataset(file, want);
          } else {
            const auto bytes = file_bytes(file);
            ASSERT_EQ(bytes.size(), want.size() * sizeof(float));
            EXPECT_EQ(std::memcmp(bytes.data(), want.data(), bytes.size()), 0);
          }
        }
      } else if (file.extension() == ".h5") {
        if (world.rank() == 0) expect_image_in(file, plan.image);
      } else if (strategy->shared_file()) {
        // Tile-major: every tile's pixels in id order.
        if (world.rank() == 0) {
          const auto bytes = file_bytes(file);
          ASSERT_EQ(bytes.size(), s.total_bytes);
          std::size_t at = 0;
          std::int64_t wrong = 0;
          for (const auto& r : plan.tiles) {
            for (std::int64_t y = 0; y < r.height; ++y) {
              for (std::int64_t x = 0; x < r.width; ++x, at += 4) {
                float v = 0;
                std::memcpy(&v, bytes.data() + at, 4);
                wrong += v != pixel(r.x + x, r.y + y);
              }
            }
          }
          EXPECT_EQ(wrong, 0);
        }
      } else {
        const auto bytes = file_bytes(file);
        ASSERT_EQ(bytes.size(), data.size());
        EXPECT_EQ(std::memcmp(bytes.data(), data.data(), data.size()), 0);
      }
      world.barrier();
    }
  }
};

TEST_F(IoStrategies, StaticBlockTilesRoundTripIntoTheirLayouts) {
  // Tiles that do not divide the image: edge tiles are narrower and shorter.
  check_every_strategy(core::make_tile_plan({203, 97}, 32, 0, world.size()));
}

TEST_F(IoStrategies, CyclicTilesThatMergeIntoNoRectangle) {
  auto plan = core::make_tile_plan({150, 70}, 24, 0, world.size());
  for (std::size_t id = 0; id < plan.tiles.size(); ++id)
    plan.owner[id] = static_cast<int>(id % static_cast<std::size_t>(world.size()));
  check_every_strategy(plan);
}

TEST_F(IoStrategies, ARankWithoutTilesStillTakesPartInCollectiveCalls) {
  // Fewer tiles than ranks at 3-4 ranks.
  check_every_strategy(core::make_tile_plan({40, 30}, 20, 0, world.size()));
}

}  // namespace
