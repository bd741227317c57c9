// The TIFF reader (libtiff, by region) against files written here with libtiff itself: strips and
// tiles, compressed or not, BigTIFF, every pixel type it reads by region. Every region read alone
// equals the same region of the whole image, bit for bit, and reads only the strips it meets.
#include <gtest/gtest.h>
#include <tiffio.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "nsperf/core/error.hpp"
#include "nsperf/io/image_reader.hpp"

namespace core = nsperf::core;
namespace io = nsperf::io;
namespace fs = std::filesystem;

namespace {

struct Layout {
  const char* name;
  int samples;
  int bits;
  int format;  // SAMPLEFORMAT_*
  int compression;
  bool tiled;
  bool big;  // BigTIFF
};

// The stored value of sample `s` at (x, y): distinct enough to catch transposes and offsets.
double stored(const Layout& l, int x, int y, int s) {
  const double v = (x * 7 + y * 13 + s * 29) % 251;
  if (l.format == SAMPLEFORMAT_IEEEFP) return v * 0.25 - 10;
  if (l.format == SAMPLEFORMAT_INT) return v * 100 - 12000;
  return l.bits == 16 ? v * 257 : v;
}

template <class T>
void put(std::vector<unsigned char>& buf, std::size_t at, double v) {
  const T t = static_cast<T>(v);
  std::memcpy(buf.data() + at, &t, sizeof t);
}

void put_sample(const Layout& l, std::vector<unsigned char>& buf, std::size_t at, double v) {
  if (l.format == SAMPLEFORMAT_IEEEFP) return put<float>(buf, at, v);
  if (l.format == SAMPLEFORMAT_INT) return put<std::int16_t>(buf, at, v);
  if (l.bits == 16) return put<std::uint16_t>(buf, at, v);
  put<std::uint8_t>(buf, at, v);
}

void write_tiff(const std::string& path, const Layout& l, int width, int height) {
  TIFF* t = TIFFOpen(path.c_str(), l.big ? "w8" : "w");
  ASSERT_NE(t, nullptr);
  TIFFSetField(t, TIFFTAG_IMAGEWIDTH, width);
  TIFFSetField(t, TIFFTAG_IMAGELENGTH, height);
  TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, l.samples);
  TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, l.bits);
  TIFFSetField(t, TIFFTAG_SAMPLEFORMAT, l.format);
  TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(t, TIFFTAG_PHOTOMETRIC, l.samples >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
  if (l.samples == 2 || l.samples == 4) {
    const std::uint16_t extra = EXTRASAMPLE_UNASSALPHA;
    TIFFSetField(t, TIFFTAG_EXTRASAMPLES, 1, &extra);
  }
  TIFFSetField(t, TIFFTAG_COMPRESSION, l.compression);
  const auto pixel = static_cast<std::size_t>(l.samples * l.bits / 8);
  const auto sample = static_cast<std::size_t>(l.bits / 8);
  auto fill = [&](std::vector<unsigned char>& buf, int x0, int y0, int w, int h) {
    std::size_t at = 0;
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        for (int s = 0; s < l.samples; ++s, at += sample) {
          const bool inside = x0 + x < width && y0 + y < height;
          put_sample(l, buf, at, inside ? stored(l, x0 + x, y0 + y, s) : 0);
        }
      }
    }
  };
  if (l.tiled) {
    TIFFSetField(t, TIFFTAG_TILEWIDTH, 16);
    TIFFSetField(t, TIFFTAG_TILELENGTH, 32);
    std::vector<unsigned char> buf(16 * 32 * pixel);
    for (std::uint32_t y = 0; y < static_cast<std::uint32_t>(height); y += 32) {
      for (std::uint32_t x = 0; x < static_cast<std::uint32_t>(width); x += 16) {
        fill(buf, static_cast<int>(x), static_cast<int>(y), 16, 32);
        ASSERT_GE(TIFFWriteTile(t, buf.data(), x, y, 0, 0), 0);
      }
    }
  } else {
    TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 5);
    std::vector<unsigned char> row(static_cast<std::size_t>(width) * pixel);
    for (std::uint32_t y = 0; y < static_cast<std::uint32_t>(height); ++y) {
      fill(row, 0, static_cast<int>(y), width, 1);
      ASSERT_EQ(TIFFWriteScanline(t, row.data(), y, 0), 1);
    }
  }
  TIFFClose(t);
}

// What the reader must give at (x, y): the first sample, or OpenCV's BT.601 luminance.
double expected(const Layout& l, int x, int y) {
  if (l.samples < 3) return stored(l, x, y, 0);
  const double r = stored(l, x, y, 0);
  const double g = stored(l, x, y, 1);
  const double b = stored(l, x, y, 2);
  // OpenCV cvtColor's arithmetic: 15-bit fixed point for 8 and 16-bit pixels.
  const auto u = [](double v) { return static_cast<std::uint32_t>(v); };
  if (l.format == SAMPLEFORMAT_UINT && l.bits <= 16)
    return (u(b) * 3735 + u(g) * 19235 + u(r) * 9798 + (1u << 14)) >> 15;
  return static_cast<float>(b) * 0.114f + static_cast<float>(g) * 0.587f +
         static_cast<float>(r) * 0.299f;
}

double at(const core::Image& img, std::int64_t x, std::int64_t y) {
  switch (img.dtype()) {
    case core::DType::u8:
      return img.view<std::uint8_t>().row(y)[x];
    case core::DType::u16:
      return img.view<std::uint16_t>().row(y)[x];
    case core::DType::f32:
      return img.view<float>().row(y)[x];
  }
  return 0;
}

bool same_pixels(const core::Image& a, const core::Image& b) {
  return a.extent() == b.extent() && a.dtype() == b.dtype() &&
         std::memcmp(a.bytes().data(), b.bytes().data(), a.bytes().size()) == 0;
}

class TiffReader : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nsperf-tiff-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  [[nodiscard]] std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static std::unique_ptr<io::ImageReader> open(const std::string& file) {
    return io::open_image(io::parse_image_input(file, std::nullopt));
  }
  fs::path dir_;
};

TEST_F(TiffReader, EveryRegionEqualsTheWholeImageInEveryLayout) {
  const Layout layouts[] = {
      {"u8 grey strips", 1, 8, SAMPLEFORMAT_UINT, COMPRESSION_NONE, false, false},
      {"u16 grey strips lzw", 1, 16, SAMPLEFORMAT_UINT, COMPRESSION_LZW, false, false},
      {"u8 rgb tiles deflate", 3, 8, SAMPLEFORMAT_UINT, COMPRESSION_ADOBE_DEFLATE, true, false},
      {"u16 rgba strips bigtiff", 4, 16, SAMPLEFORMAT_UINT, COMPRESSION_NONE, false, true},
      {"f32 grey tiles", 1, 32, SAMPLEFORMAT_IEEEFP, COMPRESSION_NONE, true, false},
      {"f32 rgb strips deflate", 3, 32, SAMPLEFORMAT_IEEEFP, COMPRESSION_ADOBE_DEFLATE, false,
       false},
      {"i16 grey+alpha tiles bigtiff", 2, 16, SAMPLEFORMAT_INT, COMPRESSION_LZW, true, true},
  };
  const int width = 203;
  const int height = 97;
  for (const auto& l : layouts) {
    SCOPED_TRACE(l.name);
    const std::string file = path(std::string(l.name) + ".tif");
    write_tiff(file, l, width, height);
    auto whole_reader = open(file);
    ASSERT_EQ(whole_reader->info().format, "tiff");
    EXPECT_TRUE(whole_reader->info().partial_reads);
    const core::DType want = l.format == SAMPLEFORMAT_UINT && l.bits == 8    ? core::DType::u8
                             : l.format == SAMPLEFORMAT_UINT && l.bits == 16 ? core::DType::u16
                                                                             : core::DType::f32;
    ASSERT_EQ(whole_reader->info().dtype, want);
    const core::Image whole = whole_reader->read_all();
    ASSERT_EQ(whole.extent(), (core::Extent{width, height}));
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        ASSERT_EQ(at(whole, x, y), expected(l, x, y)) << "(" << x << ", " << y << ")";
      }
    }
    // Regions, in a fresh reader each time and in one reader one after another (its cache).
    auto one_reader = open(file);
    const core::Rect regions[] = {{0, 0, 1, 1},    {202, 96, 1, 1},   {3, 4, 50, 17},
                                  {15, 31, 2, 2},  {100, 0, 103, 97}, {0, 40, 203, 7},
                                  {17, 33, 16, 32}};
    for (const auto& r : regions) {
      const core::Image expect = core::extract_padded(whole, r.x, r.y, r.width, r.height, 0);
      EXPECT_TRUE(same_pixels(open(file)->read(r), expect)) << r.x << "," << r.y;
      EXPECT_TRUE(same_pixels(one_reader->read(r), expect)) << r.x << "," << r.y;
    }
  }
}

TEST_F(TiffReader, ARegionReadsOnlyTheStripsItMeets) {
  const Layout l{"u8", 1, 8, SAMPLEFORMAT_UINT, COMPRESSION_NONE, false, false};
  const std::string file = path("strips.tif");
  write_tiff(file, l, 400, 300);  // 60 strips of 5 rows, 2000 bytes each
  auto reader = open(file);
  (void)reader->read({0, 0, 400, 10});
  EXPECT_EQ(reader->bytes_read(), 2 * 2000);
  (void)reader->read({100, 5, 20, 10});  // strip 1 again (kept), and strip 2
  EXPECT_EQ(reader->bytes_read(), 3 * 2000);
  EXPECT_LT(reader->bytes_read(), reader->info().file_bytes / 10);
}

TEST_F(TiffReader, DamageIsAnErrorNamingTheFileAndTheStrip) {
  const Layout l{"u8 deflate", 1, 8, SAMPLEFORMAT_UINT, COMPRESSION_ADOBE_DEFLATE, false, false};
  const std::string good = path("good.tif");
  write_tiff(good, l, 300, 200);
  // Strip offsets past the end: the last strips' bytes cut off.
  const auto size = fs::file_size(good);
  {
    TIFF* t = TIFFOpen(good.c_str(), "r");
    ASSERT_NE(t, nullptr);
    const auto last_offset = TIFFGetStrileOffset(t, TIFFNumberOfStrips(t) - 1);
    TIFFClose(t);
    // libtiff writes the directory after the strips: cut the file inside the last strips and
    // keep the directory by moving it? Simpler: overwrite the last strip's bytes with garbage.
    std::fstream f(good, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(last_offset));
    const std::string junk(40, '\xff');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    ASSERT_LT(last_offset + 40, size);
  }
  auto reader = open(good);
  (void)reader->read({0, 0, 300, 10});  // the first strips are intact
  try {
    (void)reader->read({0, 190, 300, 10});
    ADD_FAILURE() << "a damaged strip was read";
  } catch (const nsperf::InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(good), std::string::npos) << what;
    EXPECT_NE(what.find("strip 39 cannot be decoded"), std::string::npos) << what;
  }
}

}  // namespace
