#pragma once
// The HDF5 I/O strategies' common body: the stream as a 2-D float32 dataset of the whole image
// in one parallel HDF5 file, each tile written into (and read from) its rectangle.

#include <span>
#include <vector>

#include "hdf5_image.hpp"
#include "nsperf/io/io_strategy.hpp"

namespace nsperf::io::detail {

/// How an HDF5 strategy stores and moves the stream.
struct Hdf5StreamMode {
  bool chunked = false;                                     ///< one chunk per tile, else contiguous
  core::Compression compression = core::Compression::none;  ///< chunked only
  bool collective = false;  ///< collective transfers (rounds of one tile per rank) or independent
  /// Each tile written (read) straight from (into) the stream, one call per tile, no
  /// rearranging copy: for uncompressed chunks of one tile each, where a tile is one contiguous
  /// piece of the file as it is of the stream.
  bool per_tile = false;
};

/// Collective: creates `path`, writes every rank's tiles, closes, and fsyncs it on every rank.
/// `staging` (kept by the strategy between calls, so that its pages are touched once) holds the
/// tiles rearranged into the rectangles HDF5 writes.
void hdf5_stream_write(const TileStream& s, std::span<const std::byte> data,
                       const std::filesystem::path& path, const Hdf5StreamMode& mode,
                       std::vector<std::byte>& staging);

/// Collective: opens `path` and reads this rank's tiles into `into`, through `staging`.
void hdf5_stream_read(const TileStream& s, std::span<std::byte> into,
                      const std::filesystem::path& path, const Hdf5StreamMode& mode,
                      std::vector<std::byte>& staging);

/// The body of every HDF5 strategy; each strategy's file names it and gives its mode.
class Hdf5StreamStrategy : public IoStrategy {
 public:
  Hdf5StreamStrategy(const char* name, const Hdf5StreamMode& mode) : name_(name), mode_(mode) {}
  void write(const TileStream& s, std::span<const std::byte> data) override {
    hdf5_stream_write(s, data, file(s), mode_, staging_);
  }
  void read(const TileStream& s, std::span<std::byte> into) override {
    hdf5_stream_read(s, into, file(s), mode_, staging_);
  }
  [[nodiscard]] std::filesystem::path file(const TileStream& s) const override {
    return stream_file(s, name_, /*shared=*/true, ".h5");
  }
  [[nodiscard]] bool shared_file() const override { return true; }

 private:
  const char* name_;
  Hdf5StreamMode mode_;
  std::vector<std::byte> staging_;  // kept between calls: its pages are touched once
};

}  // namespace nsperf::io::detail
