#pragma once
/// \file Image files as the pipeline sees them: one grey plane of u8, u16 or f32.
///
/// Formats, one reader file each, registered by name with NSPERF_REGISTER_READER and chosen by
/// the file's first bytes (never by its name): TIFF through libtiff, FITS through cfitsio, HDF5
/// datasets and raw pixels (chosen by a RawLayout), each read by region; JPEG 2000 through
/// OpenJPEG, by decode area; PNG through libpng and JPEG through libjpeg-turbo, decoded top to
/// bottom in one pass (ImageInfo::sequential: rank 0 decodes and streams their tiles to the
/// ranks), with the pixels OpenCV imgcodecs gave for them.
/// Every reader checks dimensions, sizes and types before it allocates. Colour becomes luminance
/// (ITU-R BT.601, as OpenCV's cvtColor); 8- and 16-bit unsigned pixels keep their type; every
/// other type becomes f32 (FITS BZERO/BSCALE applied), with NaN and infinities (FITS blanks)
/// replaced by 0 (counted in ImageInfo::replaced): one value, so that a region read alone equals
/// the same region of the whole image.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nsperf/core/image.hpp"
#include "nsperf/core/registry.hpp"
#include "nsperf/core/tile_plan.hpp"

namespace nsperf::io {

/// Sample types a raw file or a header may declare (wider than the pipeline's DType).
enum class SampleType : std::uint8_t { u8, i8, u16, i16, u32, i32, u64, i64, f32, f64 };

/// Bytes per sample of `t`.
std::size_t sample_size(SampleType t) noexcept;
/// "u8" … "f64".
std::string_view to_string(SampleType t) noexcept;
/// The pipeline type a sample type is read as: u8 → u8, u16 → u16, anything else → f32.
core::DType pipeline_dtype(SampleType t) noexcept;

/// `--raw WxH:dtype[:le|be]`: headerless pixels, row-major, no padding.
struct RawLayout {
  core::Extent extent;
  SampleType type = SampleType::u8;
  bool big_endian = false;
};

/// Parses "WxH:dtype[:le|be]" (dtype u8 i8 u16 i16 u32 i32 u64 i64 f32 f64; little-endian when
/// absent). Throws InputError naming `what` and what is valid.
RawLayout parse_raw_layout(std::string_view text, std::string_view what);

/// What `--image` names: a file, and for FITS an extension (`file.fits[SCI]`, `file.fits[1]`),
/// for HDF5 a dataset (`file.h5:/group/data`) with, for more than 2 dimensions, the indices of
/// the leading ones (`file.h5:/cube[3]`).
struct ImageInput {
  std::string text;       ///< as given, for messages
  std::string path;       ///< the file
  std::string selection;  ///< FITS extension or HDF5 dataset path; empty for the whole file
  std::vector<std::int64_t> indices;  ///< leading-dimension indices of an HDF5 selection
  std::optional<RawLayout> raw;       ///< set: the file is raw pixels laid out so
};

/// Splits `text` into file and selection. A '[...]' suffix or ':/...' part is a selection only
/// when the whole text is not itself an existing file. Throws InputError on a malformed
/// selection.
ImageInput parse_image_input(std::string_view text, std::optional<RawLayout> raw);

/// What a reader found in the header.
struct ImageInfo {
  std::string format;       ///< reader name: "png", "tiff", "jpeg", "jp2", "fits", "hdf5", "raw"
  core::Extent extent;      ///< pixels
  core::DType dtype{};      ///< as read
  std::string source_type;  ///< as stored: "u8 RGB", "f32 big-endian", "i16 BZERO=32768"
  std::int64_t file_bytes = 0;
  bool partial_reads = false;  ///< read() of a region reads only that region's bytes
  /// Decoded top to bottom in one pass (PNG, JPEG): decode_rows() goes on row by row, and the
  /// rows above the last one decoded can be read at no further cost.
  bool sequential = false;
  std::int64_t replaced = 0;  ///< non-finite pixels replaced (known once read)

  /// "flower.png: png 2268x1512 u8 RGB -> u8 luminance".
  [[nodiscard]] std::string describe(std::string_view name) const;
};

/// An open image file.
class ImageReader {
 public:
  virtual ~ImageReader() = default;
  [[nodiscard]] const ImageInfo& info() const noexcept { return info_; }
  /// The pixels of `r` (inside the image) as info().dtype. Throws InputError on a damaged file.
  virtual core::Image read(const core::Rect& r) = 0;
  /// The regions this reader is about to be asked for (a rank's tiles with halos). A format
  /// that decodes an area at once (JPEG 2000) decodes their bounding box here, once; the
  /// others ignore it.
  virtual void plan_reads(std::span<const core::Rect> /*regions*/) {}
  /// A sequential format (info().sequential): decodes on until the first `rows` rows of the
  /// image (at most its height) are ready. Throws InputError on a damaged file. The others read
  /// any region at any time and ignore it.
  virtual void decode_rows(std::int64_t /*rows*/) {}
  /// The whole image.
  core::Image read_all() { return read({0, 0, info_.extent.width, info_.extent.height}); }
  /// Bytes this reader has taken from the file so far (a decoder reads all of it at once).
  [[nodiscard]] std::int64_t bytes_read() const noexcept { return bytes_read_; }

 protected:
  ImageInfo info_;
  std::int64_t bytes_read_ = 0;
};

/// One format.
struct ReaderEntry {
  std::string name;
  std::string description;
  /// Whether a file starting with `head` (up to 16 bytes; fewer for short files) is this format.
  std::function<bool(std::string_view head)> sniff;
  std::function<std::unique_ptr<ImageReader>(const ImageInput&)> open;
};

/// Every format this build reads.
core::Registry<ReaderEntry>& image_readers();

/// Opens `input`: checks the file exists and is readable, picks the reader by the first bytes
/// (raw when input.raw is set) and reads the header. Throws InputError naming the file and what
/// is wrong or valid.
std::unique_ptr<ImageReader> open_image(const ImageInput& input);

namespace detail {
bool register_reader(ReaderEntry entry);
/// The largest image a reader accepts: sides up to core::kMaxImageSide and, in the pipeline's
/// type, at most this node's physical memory. Throws InputError naming `file`.
void check_extent(std::string_view file, std::int64_t width, std::int64_t height,
                  core::DType dtype);
/// Throws InputError "<where>: region WxH+X+Y is outside the WxH image" unless `r` is a
/// non-empty rectangle inside `extent`.
void check_region(std::string_view where, const core::Rect& r, core::Extent extent);
/// Replaces NaN and infinities of an f32 image by 0; returns how many.
std::int64_t replace_non_finite(core::Image& image);

/// A format decoded top to bottom in one pass on rank 0 (PNG, JPEG): the file is read at once,
/// decoded row by row into whole_ as far as asked, and regions are cut from it.
class SequentialReader : public ImageReader {
 public:
  /// Decodes on to the region's last row, then copies the region.
  core::Image read(const core::Rect& r) override;
  void decode_rows(std::int64_t rows) final;

 protected:
  /// The bytes of the file `input` names, read at once; sets info_.format, info_.file_bytes and
  /// the bytes read. Throws InputError for a selection (a `format` file has none) or a file
  /// that cannot be read.
  std::vector<unsigned char> read_file(const ImageInput& input, const std::string& format);
  /// Decodes rows [rows_ready_, `rows`) into whole_ (allocated by the derived reader once the
  /// header is known) and advances rows_ready_ (a format that cannot stop earlier, an
  /// interlaced PNG, decodes every row). Throws InputError on a damaged file.
  virtual void decode_more(std::int64_t rows) = 0;

  std::string path_;  ///< the file, for messages
  core::Image whole_;
  std::int64_t rows_ready_ = 0;  ///< rows of whole_ decoded so far

 private:
  std::string failed_;  ///< the error that ended the decode: a later call repeats it
};

/// "grey", "grey+alpha", "RGB", "RGBA", or "N channels": what a pixel of `channels` samples is.
std::string channel_name(int channels);

/// BT.601 luminance exactly as OpenCV 4's cvtColor computes it, so that every reader gives the
/// pixels the OpenCV reader gave: 8 and 16-bit pixels in 15-bit fixed point, rounded; float in
/// float (B, G, R summed in that order).
inline std::uint8_t luminance(std::uint8_t r, std::uint8_t g, std::uint8_t b) noexcept {
  return static_cast<std::uint8_t>((b * 3735u + g * 19235u + r * 9798u + (1u << 14)) >> 15);
}
inline std::uint16_t luminance(std::uint16_t r, std::uint16_t g, std::uint16_t b) noexcept {
  return static_cast<std::uint16_t>((b * 3735u + g * 19235u + r * 9798u + (1u << 14)) >> 15);
}
inline float luminance(float r, float g, float b) noexcept {
  return b * 0.114f + g * 0.587f + r * 0.299f;
}
}  // namespace detail

}  // namespace nsperf::io

/// Registers a format: `name`, a sniff function and an open function (see ReaderEntry).
#define NSPERF_REGISTER_READER(id, name, description, sniff, open)             \
  namespace {                                                                  \
  [[maybe_unused]] const bool nsperf_registered_reader_##id =                  \
      ::nsperf::io::detail::register_reader({name, description, sniff, open}); \
  }
