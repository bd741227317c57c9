#pragma once
/// \file I/O strategies (the io optimizer): ways of writing a rank's tile stream to files and
/// reading it back. One file per strategy, registered by name with NSPERF_REGISTER_IO_STRATEGY;
/// io/strategies/io_posix_fpp.cpp is the commented template.
///
/// The stream is every rank's tiles of a float32 image (the pipeline's gradient magnitude), each
/// tile's pixels contiguous and the tiles in id order. Strategies lay it out as they choose:
/// one file per rank, one shared file with the tiles back to back in id order ("tile-major"),
/// or a 2-D HDF5 dataset of the whole image.

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "nsperf/core/image.hpp"
#include "nsperf/core/registry.hpp"
#include "nsperf/core/strategy.hpp"
#include "nsperf/core/tile_plan.hpp"

namespace nsperf::io {

/// Bytes per pixel of the stream (float32).
inline constexpr std::size_t kStreamPixelBytes = 4;

/// One tile of a rank's stream.
struct StreamTile {
  std::int64_t id = 0;
  core::Rect rect;                ///< in the image
  std::size_t offset = 0;         ///< of its first byte in this rank's buffer
  std::uint64_t file_offset = 0;  ///< of its first byte in a tile-major file of every tile
  [[nodiscard]] std::size_t bytes() const noexcept {
    return static_cast<std::size_t>(rect.pixels()) * kStreamPixelBytes;
  }
};

/// What every strategy works on; the same object for writing and reading.
struct TileStream {
  MPI_Comm comm = MPI_COMM_NULL;
  int rank = 0;
  int ranks = 1;
  core::Extent image;
  std::int64_t tile = 0;          ///< tile side: the HDF5 chunk of the chunked strategies
  std::vector<StreamTile> tiles;  ///< this rank's, in id order
  std::size_t bytes = 0;          ///< this rank's: the sum of its tiles' bytes
  std::uint64_t total_bytes = 0;  ///< every rank's
  std::filesystem::path dir;      ///< where the files go (shared by every rank)
};

/// One way of writing and reading the stream.
class IoStrategy {
 public:
  virtual ~IoStrategy() = default;
  /// Writes this rank's tiles (`data`: s.bytes bytes, tiles back to back) into new files and
  /// makes them durable: every byte is on disk (fsync) when it returns. Every rank calls it;
  /// strategies built on MPI-IO or parallel HDF5 make collective calls.
  virtual void write(const TileStream& s, std::span<const std::byte> data) = 0;
  /// Reads this rank's tiles back into `into` (s.bytes bytes), as write() laid them out. Every
  /// rank calls it.
  virtual void read(const TileStream& s, std::span<std::byte> into) = 0;
  /// The file holding this rank's tiles.
  [[nodiscard]] virtual std::filesystem::path file(const TileStream& s) const = 0;
  /// Whether several ranks share file(s): then rank 0 alone reports its size.
  [[nodiscard]] virtual bool shared_file() const = 0;
};

struct IoStrategyEntry {
  std::string name;
  std::function<std::unique_ptr<IoStrategy>()> make;
};

/// Every I/O strategy.
core::Registry<IoStrategyEntry>& io_strategies();

/// `dir`/`name`.dat for a shared file, `dir`/`name`.rankN.dat for a rank's own.
std::filesystem::path stream_file(const TileStream& s, std::string_view name, bool shared,
                                  std::string_view extension = ".dat");

/// Drops `path`'s pages from the page cache (posix_fadvise DONTNEED; write() has synced it).
/// Concurrent calls on one file skip each other's pages: for a shared file, call it from one
/// process per node. Returns the fraction of its pages still cached afterwards (mincore).
/// Throws IoError naming the file.
double drop_from_cache(const std::filesystem::path& path);

}  // namespace nsperf::io

/// Registers `Class` (default-constructible IoStrategy) as io strategy `name`.
#define NSPERF_REGISTER_IO_STRATEGY(Class, name, description, baseline, level)                    \
  namespace {                                                                                     \
  [[maybe_unused]] const bool nsperf_registered_io_##Class = ::nsperf::core::register_strategy(   \
      ::nsperf::io::io_strategies(),                                                              \
      {name, "io", description, baseline, ::nsperf::core::Level::level},                          \
      {name,                                                                                      \
       []() -> std::unique_ptr<::nsperf::io::IoStrategy> { return std::make_unique<Class>(); }}); \
  }

/// Registers `Class` (default-constructible IoStrategy) as io reference `name`: measured beside
/// the strategies every time, never configured (core::StrategyCatalog::references).
#define NSPERF_REGISTER_IO_REFERENCE(Class, name, description)                                \
  namespace {                                                                                 \
  [[maybe_unused]] const bool nsperf_registered_io_reference_##Class =                        \
      (::nsperf::core::strategy_catalog().add_reference(                                      \
           {name, "io", description, false, ::nsperf::core::Level::conservative, true}),      \
       ::nsperf::io::io_strategies().add({name,                                               \
                                          []() -> std::unique_ptr<::nsperf::io::IoStrategy> { \
                                            return std::make_unique<Class>();                 \
                                          }}),                                                \
       true);                                                                                 \
  }
