// TIFF and BigTIFF through libtiff, by region: a region decodes only the strips or tiles that
// meet it (compressed or not), so that every rank reads and decodes its own tiles' rows. Decoded
// strips and tiles are kept (up to a budget) for the next region, since neighbouring tiles and
// their halos share them.
//
// Read by region: 1 to 4 samples per pixel (grey, grey+alpha, RGB, RGBA) stored contiguously,
// of 8 to 64 bits, unsigned, signed or floating point, black is zero (MinIsBlack, RGB). Other
// layouts (a palette, MinIsWhite, YCbCr, CMYK, 1 to 4-bit pixels, planes stored apart) are
// decoded whole by libtiff's RGBA interface as 8-bit colour, on rank 0 only, and say so in the
// source type. Colour becomes luminance with OpenCV cvtColor's BT.601 arithmetic, so the pixels
// equal what the OpenCV reader gave.
#include <tiffio.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nsperf/core/error.hpp"
#include "nsperf/core/libraries.hpp"
#include "nsperf/io/image_reader.hpp"

namespace nsperf::io::tiff {
namespace {

// libtiff's messages, per open file: the first error is kept for the message nsperf throws;
// warnings (unknown tags and the like) are dropped rather than printed by every rank.
struct Messages {
  std::string first_error;
};

int on_error(TIFF* /*tif*/, void* user, const char* module, const char* format, va_list args) {
  auto* m = static_cast<Messages*>(user);
  if (m == nullptr || !m->first_error.empty()) return 1;
  char text[512];
  std::vsnprintf(text, sizeof text, format, args);
  m->first_error =
      (module != nullptr && module[0] != '\0' ? std::string(module) + ": " : "") + text;
  return 1;
}

int on_warning(TIFF* /*tif*/, void* /*user*/, const char* /*module*/, const char* /*format*/,
               va_list /*args*/) {
  return 1;
}

struct TiffCloser {
  void operator()(TIFF* t) const noexcept { TIFFClose(t); }
};

// A sample of the file as double, whatever its stored type (the widest any converts to).
using SampleLoader = double (*)(const unsigned char*);

template <class S>
double load(const unsigned char* p) {
  S v;
  std::memcpy(&v, p, sizeof v);
  return static_cast<double>(v);
}

SampleLoader loader_for(int format, int bits) {
  switch (format) {
    case SAMPLEFORMAT_UINT:
      return bits == 8    ? &load<std::uint8_t>
             : bits == 16 ? &load<std::uint16_t>
             : bits == 32 ? &load<std::uint32_t>
             : bits == 64 ? &load<std::uint64_t>
                          : nullptr;
    case SAMPLEFORMAT_INT:
      return bits == 8    ? &load<std::int8_t>
             : bits == 16 ? &load<std::int16_t>
             : bits == 32 ? &load<std::int32_t>
             : bits == 64 ? &load<std::int64_t>
                          : nullptr;
    case SAMPLEFORMAT_IEEEFP:
      return bits == 32 ? &load<float> : bits == 64 ? &load<double> : nullptr;
    default:
      return nullptr;
  }
}

std::string format_name(int format, int bits) {
  const char* kind = format == SAMPLEFORMAT_INT ? "i" : format == SAMPLEFORMAT_IEEEFP ? "f" : "u";
  return kind + std::to_string(bits);
}

class TiffReader final : public ImageReader {
 public:
  explicit TiffReader(const ImageInput& input) : path_(input.path) {
    if (!input.selection.empty()) {
      throw InputError("--image '" + input.text +
                       "': a tiff file has no extensions or datasets to select");
    }
    TIFFOpenOptions* options = TIFFOpenOptionsAlloc();
    TIFFOpenOptionsSetErrorHandlerExtR(options, &on_error, &messages_);
    TIFFOpenOptionsSetWarningHandlerExtR(options, &on_warning, nullptr);
    // "m": read() rather than mmap, so that a file shrinking under us is an error, not SIGBUS.
    tif_.reset(TIFFOpenExt(path_.c_str(), "rm", options));
    TIFFOpenOptionsFree(options);
    if (!tif_) fail("libtiff cannot open it");

    std::uint32_t width = 0;
    std::uint32_t height = 0;
    if (TIFFGetField(tif_.get(), TIFFTAG_IMAGEWIDTH, &width) != 1 ||
        TIFFGetField(tif_.get(), TIFFTAG_IMAGELENGTH, &height) != 1) {
      fail("no image width or length");
    }
    std::uint16_t samples = 1;
    std::uint16_t bits = 1;
    std::uint16_t format = SAMPLEFORMAT_UINT;
    std::uint16_t planar = PLANARCONFIG_CONTIG;
    std::uint16_t photometric = PHOTOMETRIC_MINISBLACK;
    TIFFGetFieldDefaulted(tif_.get(), TIFFTAG_SAMPLESPERPIXEL, &samples);
    TIFFGetFieldDefaulted(tif_.get(), TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetFieldDefaulted(tif_.get(), TIFFTAG_SAMPLEFORMAT, &format);
    TIFFGetFieldDefaulted(tif_.get(), TIFFTAG_PLANARCONFIG, &planar);
    if (TIFFGetField(tif_.get(), TIFFTAG_PHOTOMETRIC, &photometric) != 1)
      photometric = samples >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
    samples_ = samples;
    bytes_per_sample_ = bits / 8;
    load_ = bits % 8 == 0 ? loader_for(format, bits) : nullptr;
    info_.format = "tiff";
    std::error_code size_error;
    info_.file_bytes = static_cast<std::int64_t>(std::filesystem::file_size(path_, size_error));

    const bool by_region =
        load_ != nullptr && samples >= 1 && samples <= 4 && planar == PLANARCONFIG_CONTIG &&
        (photometric == PHOTOMETRIC_MINISBLACK || photometric == PHOTOMETRIC_RGB) &&
        (samples < 3 || photometric == PHOTOMETRIC_RGB);
    if (!by_region) {
      open_whole(width, height, bits, format, photometric);
      return;
    }
    info_.source_type = format_name(format, bits) + " " + detail::channel_name(samples);
    info_.dtype = format == SAMPLEFORMAT_UINT && bits == 8    ? core::DType::u8
                  : format == SAMPLEFORMAT_UINT && bits == 16 ? core::DType::u16
                                                              : core::DType::f32;
    detail::check_extent(path_, width, height, info_.dtype);
    info_.extent = {width, height};
    info_.partial_reads = true;
    tiled_ = TIFFIsTiled(tif_.get()) != 0;
    if (tiled_) {
      std::uint32_t tw = 0;
      std::uint32_t th = 0;
      TIFFGetField(tif_.get(), TIFFTAG_TILEWIDTH, &tw);
      TIFFGetField(tif_.get(), TIFFTAG_TILELENGTH, &th);
      if (tw == 0 || th == 0) fail("a tiled file without a tile size");
      strile_width_ = tw;
      strile_height_ = th;
    } else {
      std::uint32_t rows = 0;
      TIFFGetFieldDefaulted(tif_.get(), TIFFTAG_ROWSPERSTRIP, &rows);
      strile_width_ = width;
      strile_height_ = std::clamp<std::int64_t>(rows, 1, height);
    }
    const auto strile_bytes = strile_width_ * strile_height_ * samples_ * bytes_per_sample_;
    if (strile_bytes != static_cast<std::int64_t>(tiled_ ? TIFFTileSize64(tif_.get())
                                                         : TIFFStripSize64(tif_.get()))) {
      fail("its strip or tile size does not match its dimensions and pixel type");
    }
    // Decoded striles kept: at least 64 MiB, and at least four striles however large they are.
    budget_ = std::max<std::int64_t>(std::int64_t{64} << 20, strile_bytes * 4);
  }

  core::Image read(const core::Rect& r) override {
    detail::check_region(path_, r, info_.extent);
    if (!whole_.bytes().empty())
      return core::extract_padded(whole_, r.x, r.y, r.width, r.height, 0);
    core::Image out({r.width, r.height}, info_.dtype);
    const std::int64_t across = (info_.extent.width + strile_width_ - 1) / strile_width_;
    for (std::int64_t sy = r.y / strile_height_; sy <= (r.y + r.height - 1) / strile_height_;
         ++sy) {
      for (std::int64_t sx = r.x / strile_width_; sx <= (r.x + r.width - 1) / strile_width_; ++sx) {
        const std::vector<unsigned char>& strile = decoded(sy * across + sx);
        // The part of the region this strile holds, in image coordinates.
        const std::int64_t x0 = std::max(r.x, sx * strile_width_);
        const std::int64_t x1 = std::min(r.x + r.width, (sx + 1) * strile_width_);
        const std::int64_t y0 = std::max(r.y, sy * strile_height_);
        const std::int64_t y1 = std::min(r.y + r.height, (sy + 1) * strile_height_);
        for (std::int64_t y = y0; y < y1; ++y) {
          const unsigned char* from = strile.data() + ((y - sy * strile_height_) * strile_width_ +
                                                       (x0 - sx * strile_width_)) *
                                                          samples_ * bytes_per_sample_;
          convert_row(from, x1 - x0, out, x0 - r.x, y - r.y);
        }
      }
    }
    if (info_.dtype == core::DType::f32) info_.replaced += detail::replace_non_finite(out);
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError("--image '" + path_ + "': " + what +
                     (messages_.first_error.empty() ? std::string()
                                                    : " (libtiff: " + messages_.first_error + ")"));
  }

  // Strip or tile `index`, decoded (kept for the next regions, least recently used dropped).
  const std::vector<unsigned char>& decoded(std::int64_t index) {
    if (auto it = cache_.find(index); it != cache_.end()) {
      order_.splice(order_.end(), order_, it->second.second);
      return it->second.first;
    }
    const auto strip = static_cast<std::uint32_t>(index);
    std::vector<unsigned char> bytes(static_cast<std::size_t>(
        tiled_ ? TIFFTileSize64(tif_.get()) : TIFFStripSize64(tif_.get())));
    messages_.first_error.clear();
    const tmsize_t got = tiled_ ? TIFFReadEncodedTile(tif_.get(), strip, bytes.data(),
                                                      static_cast<tmsize_t>(bytes.size()))
                                : TIFFReadEncodedStrip(tif_.get(), strip, bytes.data(),
                                                       static_cast<tmsize_t>(bytes.size()));
    // A strip short of its rows is damage, except the last strip, which holds only the rows left.
    const std::int64_t rows_left =
        tiled_ ? strile_height_
               : std::min<std::int64_t>(
                     strile_height_,
                     info_.extent.height - static_cast<std::int64_t>(strip) * strile_height_);
    const auto expected = rows_left * strile_width_ * samples_ * bytes_per_sample_;
    if (got < 0 || !messages_.first_error.empty() || got < expected) {
      fail(std::string(tiled_ ? "tile " : "strip ") + std::to_string(strip) +
           " cannot be decoded (damaged or truncated)");
    }
    bytes_read_ += static_cast<std::int64_t>(TIFFGetStrileByteCount(tif_.get(), strip));
    held_ += static_cast<std::int64_t>(bytes.size());
    while (held_ > budget_ && !order_.empty()) {
      auto old = cache_.find(order_.front());
      held_ -= static_cast<std::int64_t>(old->second.first.size());
      cache_.erase(old);
      order_.pop_front();
    }
    order_.push_back(index);
    auto& slot = cache_[index];
    slot.first = std::move(bytes);
    slot.second = std::prev(order_.end());
    return slot.first;
  }

  // `count` pixels of stored samples to luminance in the pipeline's type, at (x, y) of `out`.
  void convert_row(const unsigned char* from, std::int64_t count, core::Image& out, std::int64_t x,
                   std::int64_t y) const {
    const std::int64_t step = samples_ * bytes_per_sample_;
    const bool colour = samples_ >= 3;
    const std::int64_t b = bytes_per_sample_;
    switch (info_.dtype) {
      case core::DType::u8: {
        auto* row = out.view<std::uint8_t>().row(y) + x;
        for (std::int64_t i = 0; i < count; ++i, from += step) {
          row[i] = colour ? detail::luminance(from[0], from[1], from[2]) : from[0];
        }
        break;
      }
      case core::DType::u16: {
        auto* row = out.view<std::uint16_t>().row(y) + x;
        for (std::int64_t i = 0; i < count; ++i, from += step) {
          std::uint16_t s[3];
          std::memcpy(s, from, sizeof(std::uint16_t) * (colour ? 3 : 1));
          row[i] = colour ? detail::luminance(s[0], s[1], s[2]) : s[0];
        }
        break;
      }
      case core::DType::f32: {
        auto* row = out.view<float>().row(y) + x;
        for (std::int64_t i = 0; i < count; ++i, from += step) {
          const auto v = [&](int k) { return static_cast<float>(load_(from + k * b)); };
          row[i] = colour ? detail::luminance(v(0), v(1), v(2)) : v(0);
        }
        break;
      }
    }
  }

  // Layouts read whole, as 8-bit RGBA, by libtiff.
  void open_whole(std::uint32_t width, std::uint32_t height, int bits, int format,
                  int photometric) {
    char message[1024] = {};
    if (TIFFRGBAImageOK(tif_.get(), message) != 1) {
      throw InputError("--image '" + path_ + "': a TIFF layout nsperf does not read (" +
                       format_name(format, bits) + " " +
                       detail::channel_name(static_cast<int>(samples_)) + ", photometric " +
                       std::to_string(photometric) + "): " + message);
    }
    detail::check_extent(path_, width, height, core::DType::u8);
    info_.extent = {width, height};
    info_.dtype = core::DType::u8;
    info_.source_type = format_name(format, bits) + " " +
                        detail::channel_name(static_cast<int>(samples_)) + " photometric " +
                        std::to_string(photometric) + " (decoded whole as 8-bit RGBA)";
    std::vector<std::uint32_t> rgba(static_cast<std::size_t>(width) * height);
    if (TIFFReadRGBAImageOriented(tif_.get(), width, height, rgba.data(), ORIENTATION_TOPLEFT, 0) !=
            1 ||
        !messages_.first_error.empty()) {
      fail("cannot be decoded (damaged or truncated)");
    }
    whole_ = core::Image(info_.extent, core::DType::u8);
    auto view = whole_.view<std::uint8_t>();
    for (std::uint32_t y = 0; y < height; ++y) {
      for (std::uint32_t x = 0; x < width; ++x) {
        const std::uint32_t p = rgba[static_cast<std::size_t>(y) * width + x];
        view.row(y)[x] = detail::luminance(static_cast<std::uint8_t>(TIFFGetR(p)),
                                           static_cast<std::uint8_t>(TIFFGetG(p)),
                                           static_cast<std::uint8_t>(TIFFGetB(p)));
      }
    }
    bytes_read_ = info_.file_bytes;
  }

  std::string path_;
  Messages messages_;
  std::unique_ptr<TIFF, TiffCloser> tif_;
  std::int64_t samples_ = 1;
  std::int64_t bytes_per_sample_ = 1;
  SampleLoader load_ = nullptr;
  bool tiled_ = false;
  std::int64_t strile_width_ = 0;   // a tile's width, or the image's for strips
  std::int64_t strile_height_ = 0;  // a tile's height, or rows per strip
  std::int64_t budget_ = 0;         // bytes of decoded striles kept
  std::int64_t held_ = 0;
  std::list<std::int64_t> order_;  // least recently used first
  std::map<std::int64_t, std::pair<std::vector<unsigned char>, std::list<std::int64_t>::iterator>>
      cache_;
  core::Image whole_;  // the layouts read whole
};

bool has_magic(std::string_view head, std::string_view magic) {
  return head.substr(0, magic.size()) == magic;
}

}  // namespace
}  // namespace nsperf::io::tiff

using namespace std::string_view_literals;

NSPERF_REGISTER_READER(
    tiff, "tiff",
    "TIFF and BigTIFF, strips or tiles, any compression libtiff has (libtiff; read by region)",
    [](std::string_view h) {
      return nsperf::io::tiff::has_magic(h, "II*\0"sv) ||
             nsperf::io::tiff::has_magic(h, "MM\0*"sv) ||
             nsperf::io::tiff::has_magic(h, "II+\0"sv) || nsperf::io::tiff::has_magic(h, "MM\0+"sv);
    },
    [](const nsperf::io::ImageInput& in) -> std::unique_ptr<nsperf::io::ImageReader> {
      return std::make_unique<nsperf::io::tiff::TiffReader>(in);
    })

namespace {
// "LIBTIFF, Version 4.5.0\nCopyright ...": the version alone.
std::string libtiff_version() {
  const std::string text = TIFFGetVersion();
  const auto at = text.find("Version ");
  if (at == std::string::npos) return text.substr(0, text.find('\n'));
  const auto start = at + 8;
  return text.substr(start, text.find_first_of(" \n", start) - start);
}
}  // namespace
NSPERF_REGISTER_LIBRARY(Libtiff, "libtiff", libtiff_version())
