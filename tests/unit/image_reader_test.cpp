// The image readers against files written here by the formats' own libraries (OpenCV imgcodecs,
// cfitsio, HDF5), and against the real images in ../shared/data (skipped when absent).
#include "nsperf/io/image_reader.hpp"

#include <fitsio.h>
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "nsperf/core/error.hpp"

namespace core = nsperf::core;
namespace io = nsperf::io;
namespace fs = std::filesystem;

namespace {

class ImageReader : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nsperf-reader-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  [[nodiscard]] std::string path(const std::string& name) const { return (dir_ / name).string(); }

  static std::unique_ptr<io::ImageReader> open(const std::string& text,
                                               std::optional<io::RawLayout> raw = {}) {
    return io::open_image(io::parse_image_input(text, raw));
  }

  fs::path dir_;
};

// A w x h pattern with every value distinct enough to catch transposes and offsets.
cv::Mat pattern(int w, int h, int type) {
  cv::Mat m(h, w, type);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const double v = (x * 7 + y * 13) % 251;
      switch (CV_MAT_DEPTH(type)) {
        case CV_8U:
          m.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>(v);
          break;
        case CV_16U:
          m.at<std::uint16_t>(y, x) = static_cast<std::uint16_t>(v * 257);
          break;
        case CV_32S:
          m.at<std::int32_t>(y, x) = static_cast<std::int32_t>(v * 1000 - 50000);
          break;
        default:
          m.at<float>(y, x) = static_cast<float>(v / 3.0 - 7.0);
      }
    }
  }
  return m;
}

template <class T>
void expect_equal(const core::Image& img, const cv::Mat& expected) {
  ASSERT_EQ(img.extent().width, expected.cols);
  ASSERT_EQ(img.extent().height, expected.rows);
  const auto v = img.view<T>();
  for (int y = 0; y < expected.rows; ++y) {
    for (int x = 0; x < expected.cols; ++x) {
      ASSERT_EQ(v(x, y), expected.at<T>(y, x)) << "at " << x << "," << y;
    }
  }
}

void write_bytes(const std::string& p, const void* data, std::size_t n) {
  std::ofstream f(p, std::ios::binary);
  f.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
}

std::vector<char> read_bytes(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

}  // namespace

TEST(RawLayout, ParsesSizeTypeAndOrder) {
  const auto a = io::parse_raw_layout("640x480:u16", "--raw");
  EXPECT_EQ(a.extent, (core::Extent{640, 480}));
  EXPECT_EQ(a.type, io::SampleType::u16);
  EXPECT_FALSE(a.big_endian);
  const auto b = io::parse_raw_layout("3x2:f64:be", "--raw");
  EXPECT_EQ(b.type, io::SampleType::f64);
  EXPECT_TRUE(b.big_endian);
  for (const char* bad : {"640x480", "640x480:u24", "0x4:u8", "4x:u8", "4x4:u8:middle",
                          "2000000x4:u8", "4x4:u8:le:x"}) {
    EXPECT_THROW(io::parse_raw_layout(bad, "--raw"), nsperf::InputError) << bad;
  }
}

TEST_F(ImageReader, SelectionsAreParsedOnlyWhenTheNameIsNotAFile) {
  const auto fits = io::parse_image_input("/x/a.fits[SCI]", {});
  EXPECT_EQ(fits.path, "/x/a.fits");
  EXPECT_EQ(fits.selection, "SCI");
  const auto h5 = io::parse_image_input("/x/a.h5:/g/cube[2,5]", {});
  EXPECT_EQ(h5.path, "/x/a.h5");
  EXPECT_EQ(h5.selection, "/g/cube");
  EXPECT_EQ(h5.indices, (std::vector<std::int64_t>{2, 5}));
  const std::string odd = path("odd[1]");
  write_bytes(odd, "x", 1);
  EXPECT_EQ(io::parse_image_input(odd, {}).path, odd);
  EXPECT_THROW(io::parse_image_input("/x/a.h5:/cube[-1]", {}), nsperf::InputError);
  EXPECT_THROW(io::parse_image_input("/x/a.fits[]", {}), nsperf::InputError);
}

TEST_F(ImageReader, OpenCvFormatsReadExactlyWhatWasWritten) {
  struct Case {
    const char* name;
    int type;
  };
  for (const Case c : {Case{"g8.png", CV_8UC1}, Case{"g16.png", CV_16UC1}, Case{"g8.tif", CV_8UC1},
                       Case{"g16.tif", CV_16UC1}, Case{"f32.tif", CV_32FC1},
                       Case{"g8.jp2", CV_8UC1}, Case{"g16.jp2", CV_16UC1}}) {
    SCOPED_TRACE(c.name);
    // OpenJPEG needs more than 32 pixels a side for its default 6 resolution levels.
    cv::Mat m = pattern(67, 43, c.type);
    ASSERT_TRUE(cv::imwrite(path(c.name), m));
    // OpenCV writes JPEG 2000 lossy: the oracle is then OpenCV's own decoding of the file.
    if (std::string(c.name).ends_with(".jp2")) m = cv::imread(path(c.name), cv::IMREAD_UNCHANGED);
    auto r = open(path(c.name));
    const auto& info = r->info();
    EXPECT_EQ(info.extent, (core::Extent{67, 43}));
    const core::Image img = r->read_all();
    if (c.type == CV_8UC1) {
      EXPECT_EQ(info.dtype, core::DType::u8);
      expect_equal<std::uint8_t>(img, m);
    } else if (c.type == CV_16UC1) {
      EXPECT_EQ(info.dtype, core::DType::u16);
      expect_equal<std::uint16_t>(img, m);
    } else {
      EXPECT_EQ(info.dtype, core::DType::f32);
      expect_equal<float>(img, m);
    }
    // A region equals the same rectangle of the whole image.
    const core::Image part = r->read({5, 3, 10, 7});
    EXPECT_EQ(0, std::memcmp(part.bytes().data(),
                             core::extract_padded(img, 5, 3, 10, 7, 0).bytes().data(),
                             part.bytes().size()));
  }
}

// What nsperf read before it had its own PNG and JPEG readers: OpenCV's decoding, made grey as
// that reader made it.
cv::Mat opencv_grey(const std::string& file) {
  const cv::Mat m = cv::imread(file, cv::IMREAD_UNCHANGED);
  cv::Mat grey;
  if (m.channels() == 2)
    cv::extractChannel(m, grey, 0);
  else if (m.channels() >= 3)
    cv::cvtColor(m, grey, m.channels() == 3 ? cv::COLOR_BGR2GRAY : cv::COLOR_BGRA2GRAY);
  else
    grey = m;
  return grey;
}

TEST_F(ImageReader, PngAndJpegDecodeExactlyAsOpenCvDid) {
  // Every layout in tests/data/codecs (make_corpus.py codecs), and the real images if present.
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(NSPERF_TEST_DATA) / "codecs"))
    files.push_back(e.path());
  const fs::path real = fs::path(NSPERF_SHARED_DATA) / "images";
  for (const char* name : {"flower.png", "hdr_room_16bit.png", "ihc.png", "retina.jpg"})
    if (fs::exists(real / name)) files.push_back(real / name);
  ASSERT_GE(files.size(), 11u) << "the codec fixtures are missing";
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    const cv::Mat expected = opencv_grey(file.string());
    ASSERT_FALSE(expected.empty());
    auto r = open(file.string());
    const core::Image img = r->read_all();
    if (expected.depth() == CV_16U) {
      EXPECT_EQ(r->info().dtype, core::DType::u16);
      expect_equal<std::uint16_t>(img, expected);
    } else {
      ASSERT_EQ(expected.depth(), CV_8U);
      EXPECT_EQ(r->info().dtype, core::DType::u8);
      expect_equal<std::uint8_t>(img, expected);
    }
    const core::Image part = r->read({5, 3, 10, 7});
    EXPECT_EQ(0, std::memcmp(part.bytes().data(),
                             core::extract_padded(img, 5, 3, 10, 7, 0).bytes().data(),
                             part.bytes().size()));
  }
}

TEST_F(ImageReader, SequentialFormatsDecodeInBandsAsTheyDoWhole) {
  // A stream asks for rows a band at a time and reads regions of the rows decoded so far: every
  // region equals the same region of the whole decode, in every layout (interlaced PNG and
  // progressive JPEG included, which decode more at once).
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(NSPERF_TEST_DATA) / "codecs"))
    files.push_back(e.path());
  ASSERT_GE(files.size(), 11u) << "the codec fixtures are missing";
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    const core::Image whole = open(file.string())->read_all();
    auto r = open(file.string());
    ASSERT_TRUE(r->info().sequential);
    EXPECT_FALSE(r->info().partial_reads);
    const auto extent = r->info().extent;
    const std::int64_t band = 7;  // not a multiple of libjpeg's batch or a tile
    for (std::int64_t top = 0; top < extent.height; top += band) {
      const std::int64_t rows = std::min(band, extent.height - top);
      r->decode_rows(top + rows);
      const core::Image part = r->read({0, top, extent.width, rows});
      ASSERT_EQ(
          0, std::memcmp(part.bytes().data(),
                         core::extract_padded(whole, 0, top, extent.width, rows, 0).bytes().data(),
                         part.bytes().size()))
          << "rows " << top << ".." << top + rows;
    }
    // Rows above the last decoded stay readable once the decode is over.
    const core::Image first = r->read({1, 0, 3, 2});
    EXPECT_EQ(0, std::memcmp(first.bytes().data(),
                             core::extract_padded(whole, 1, 0, 3, 2, 0).bytes().data(),
                             first.bytes().size()));
  }
}

TEST_F(ImageReader, ADamagedStreamFailsHalfwayAndAgainOnTheNextCall) {
  // A PNG whose damage lies past its first rows: the header opens, the first rows decode, the
  // damaged ones throw an error naming the file, and a later call throws it again (libpng's
  // state is spent) instead of decoding on from a broken state.
  cv::Mat noise(256, 256, CV_8UC1);
  cv::randu(noise, 0, 256);
  ASSERT_TRUE(cv::imwrite(path("half.png"), noise));
  auto bytes = read_bytes(path("half.png"));
  for (std::size_t i = bytes.size() * 3 / 4; i < bytes.size() * 3 / 4 + 32; ++i) bytes[i] ^= 0x5a;
  write_bytes(path("half.png"), bytes.data(), bytes.size());
  auto r = open(path("half.png"));
  r->decode_rows(16);
  EXPECT_EQ(r->read({0, 0, 256, 16}).extent().height, 16);
  std::string first;
  try {
    r->decode_rows(256);
    ADD_FAILURE() << "a damaged PNG decoded";
  } catch (const nsperf::InputError& e) {
    first = e.what();
  }
  EXPECT_NE(first.find(path("half.png")), std::string::npos) << first;
  try {
    (void)r->read({0, 200, 10, 10});
    ADD_FAILURE() << "a spent decoder decoded on";
  } catch (const nsperf::InputError& e) {
    EXPECT_EQ(first, e.what());
  }
}

TEST_F(ImageReader, Jpeg2000DecodeAreasEqualTheWholeImage) {
  // Colour, larger than one code-block, read whole, by region, and by a planned area (a rank's
  // tiles), each equal to OpenCV's decoding of the file turned to luminance.
  cv::Mat bgr(203, 301, CV_8UC3);
  cv::randu(bgr, 0, 256);
  cv::GaussianBlur(bgr, bgr, cv::Size(9, 9), 3);  // something a wavelet codes with structure
  ASSERT_TRUE(cv::imwrite(path("c.jp2"), bgr));
  cv::Mat decoded = cv::imread(path("c.jp2"), cv::IMREAD_COLOR);
  cv::Mat grey;
  cv::cvtColor(decoded, grey, cv::COLOR_BGR2GRAY);
  auto whole_reader = open(path("c.jp2"));
  EXPECT_EQ(whole_reader->info().format, "jp2");
  EXPECT_TRUE(whole_reader->info().partial_reads);
  const core::Image whole = whole_reader->read_all();
  expect_equal<std::uint8_t>(whole, grey);
  const std::vector<core::Rect> areas = {{0, 0, 40, 30}, {250, 150, 51, 53}, {100, 60, 77, 91}};
  auto planned = open(path("c.jp2"));
  planned->plan_reads(areas);
  for (const auto& r : areas) {
    const core::Image expect = core::extract_padded(whole, r.x, r.y, r.width, r.height, 0);
    for (const core::Image& got : {open(path("c.jp2"))->read(r), planned->read(r)}) {
      ASSERT_EQ(got.bytes().size(), expect.bytes().size());
      EXPECT_EQ(0, std::memcmp(got.bytes().data(), expect.bytes().data(), got.bytes().size()))
          << r.x << "," << r.y;
    }
  }
  EXPECT_GT(planned->bytes_read(), 0);
}

TEST_F(ImageReader, LuminanceIsOpenCvCvtColorsArithmetic) {
  // Every reader turns colour to grey with io::detail::luminance: the same values as OpenCV.
  cv::Mat bgr8(64, 64, CV_8UC3);
  cv::Mat bgr16(64, 64, CV_16UC3);
  cv::Mat bgr32(64, 64, CV_32FC3);
  cv::randu(bgr8, 0, 256);
  cv::randu(bgr16, 0, 65536);
  cv::randu(bgr32, 0.0f, 1000.0f);
  cv::Mat g8;
  cv::Mat g16;
  cv::Mat g32;
  cv::cvtColor(bgr8, g8, cv::COLOR_BGR2GRAY);
  cv::cvtColor(bgr16, g16, cv::COLOR_BGR2GRAY);
  cv::cvtColor(bgr32, g32, cv::COLOR_BGR2GRAY);
  for (int y = 0; y < 64; ++y) {
    for (int x = 0; x < 64; ++x) {
      const auto p8 = bgr8.at<cv::Vec3b>(y, x);
      const auto p16 = bgr16.at<cv::Vec3w>(y, x);
      const auto p32 = bgr32.at<cv::Vec3f>(y, x);
      ASSERT_EQ(io::detail::luminance(p8[2], p8[1], p8[0]), g8.at<std::uint8_t>(y, x));
      ASSERT_EQ(io::detail::luminance(p16[2], p16[1], p16[0]), g16.at<std::uint16_t>(y, x));
      ASSERT_FLOAT_EQ(io::detail::luminance(p32[2], p32[1], p32[0]), g32.at<float>(y, x));
    }
  }
}

TEST_F(ImageReader, ColourBecomesBt601Luminance) {
  cv::Mat bgr(19, 29, CV_8UC3);
  cv::randu(bgr, 0, 256);
  ASSERT_TRUE(cv::imwrite(path("c.png"), bgr));
  cv::Mat grey;
  cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  auto r = open(path("c.png"));
  EXPECT_EQ(r->info().source_type, "u8 RGB");
  expect_equal<std::uint8_t>(r->read_all(), grey);

  cv::Mat bgra16(8, 9, CV_16UC4);
  cv::randu(bgra16, 0, 65536);
  ASSERT_TRUE(cv::imwrite(path("c16.png"), bgra16));
  cv::cvtColor(bgra16, grey, cv::COLOR_BGRA2GRAY);
  expect_equal<std::uint16_t>(open(path("c16.png"))->read_all(), grey);
}

TEST_F(ImageReader, IntegerTiffBecomesFloat) {
  const cv::Mat m = pattern(11, 5, CV_32SC1);
  ASSERT_TRUE(cv::imwrite(path("i32.tif"), m));
  auto r = open(path("i32.tif"));
  EXPECT_EQ(r->info().dtype, core::DType::f32);
  cv::Mat f;
  m.convertTo(f, CV_32F);
  expect_equal<float>(r->read_all(), f);
}

TEST_F(ImageReader, TruncatedAndDamagedFilesAreInputErrors) {
  cv::Mat noise(64, 64, CV_8UC3);
  cv::randu(noise, 0, 256);
  for (const char* name : {"t.png", "t.jpg", "t.tif", "t.jp2"}) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(cv::imwrite(path(name), noise));
    auto bytes = read_bytes(path(name));
    bytes.resize(bytes.size() / 2);
    write_bytes(path(name), bytes.data(), bytes.size());
    try {
      (void)open(path(name))->read_all();
      ADD_FAILURE() << "a truncated file was accepted";
    } catch (const nsperf::InputError& e) {
      EXPECT_NE(std::string(e.what()).find(path(name)), std::string::npos) << e.what();
    }
  }
  write_bytes(path("empty.png"), "", 0);
  EXPECT_THROW(open(path("empty.png")), nsperf::InputError);
  write_bytes(path("text.png"), "hello, world", 12);
  EXPECT_THROW(open(path("text.png")), nsperf::InputError);
  EXPECT_THROW(open(path("missing.png")), nsperf::InputError);
  EXPECT_THROW(open(dir_.string()), nsperf::InputError);
}

TEST_F(ImageReader, PngHeaderDimensionsAreCheckedBeforeDecoding) {
  cv::Mat m = pattern(4, 4, CV_8UC1);
  ASSERT_TRUE(cv::imwrite(path("big.png"), m));
  auto bytes = read_bytes(path("big.png"));
  // IHDR width at bytes 16..19: claim 2^30 pixels wide (the CRC is not checked before it).
  bytes[16] = 0x40;
  write_bytes(path("big.png"), bytes.data(), bytes.size());
  try {
    (void)open(path("big.png"));
    ADD_FAILURE() << "accepted";
  } catch (const nsperf::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("sides up to"), std::string::npos) << e.what();
  }
}

TEST_F(ImageReader, FitsPrimaryExtensionsScalingAndBlanks) {
  const std::string p = path("t.fits");
  int status = 0;
  fitsfile* f = nullptr;
  ASSERT_EQ(fits_create_file(&f, p.c_str(), &status), 0);
  long primary[2] = {6, 4};
  // Primary: unsigned 16-bit, stored as BITPIX 16 with BZERO 32768 by cfitsio.
  fits_create_img(f, USHORT_IMG, 2, primary, &status);
  std::vector<std::uint16_t> u(24);
  for (std::size_t i = 0; i < u.size(); ++i) u[i] = static_cast<std::uint16_t>(60000 + i);
  fits_write_img(f, TUSHORT, 1, 24, u.data(), &status);
  // Extension SCI: float with a NaN.
  long sci[2] = {5, 3};
  fits_create_img(f, FLOAT_IMG, 2, sci, &status);
  char extname[] = "SCI";
  fits_write_key(f, TSTRING, "EXTNAME", extname, nullptr, &status);
  std::vector<float> v(15);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 0.5F - 1.0F;
  v[7] = NAN;
  fits_write_img(f, TFLOAT, 1, 15, v.data(), &status);
  fits_close_file(f, &status);
  ASSERT_EQ(status, 0);

  auto primary_reader = open(p);
  EXPECT_EQ(primary_reader->info().dtype, core::DType::u16);
  EXPECT_EQ(primary_reader->info().extent, (core::Extent{6, 4}));
  const auto img = primary_reader->read_all();
  const auto pv = img.view<std::uint16_t>();
  EXPECT_EQ(pv(0, 0), 60000);
  EXPECT_EQ(pv(5, 3), 60023);  // x fastest, rows in file order
  const auto part = primary_reader->read({2, 1, 3, 2});
  EXPECT_EQ(part.view<std::uint16_t>()(0, 0), 60000 + 8);
  EXPECT_EQ(primary_reader->bytes_read(), 24 * 2 + 6 * 2);

  for (const char* sel : {"[SCI]", "[1]"}) {
    auto r = open(p + sel);
    EXPECT_EQ(r->info().dtype, core::DType::f32);
    const auto s = r->read_all();
    EXPECT_FLOAT_EQ(s.view<float>()(1, 1), 2.0F);  // index 6
    EXPECT_EQ(s.view<float>()(2, 1), 0.0F);        // the NaN
    EXPECT_EQ(r->info().replaced, 1);
  }
  try {
    (void)open(p + "[ERR]");
    ADD_FAILURE() << "accepted";
  } catch (const nsperf::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("1 SCI"), std::string::npos) << e.what();
  }
  EXPECT_THROW(open(p + "[5]"), nsperf::InputError);
  // Found by fuzzing: number + 1 overflowed int before reaching cfitsio.
  EXPECT_THROW(open(p + "[2147483647]"), nsperf::InputError);
  EXPECT_THROW(open(p + "[99999999999999999999]"), nsperf::InputError);

  auto bytes = read_bytes(p);
  bytes.resize(2880 + 100);  // the primary header and part of its data
  write_bytes(path("cut.fits"), bytes.data(), bytes.size());
  EXPECT_THROW((void)open(path("cut.fits"))->read_all(), nsperf::InputError);
}

TEST_F(ImageReader, FitsHeaderPromisingMoreDataThanTheFileIsRefusedAtOpen) {
  // 4000x3000 f32 (48 MB) over one block of data: refused before anything is allocated.
  std::string header;
  for (const char* card : {"SIMPLE  =                    T", "BITPIX  =                  -32",
                           "NAXIS   =                    2", "NAXIS1  =                 4000",
                           "NAXIS2  =                 3000", "END"}) {
    header += std::string(card) + std::string(80 - std::strlen(card), ' ');
  }
  header.resize(2880, ' ');
  header.resize(2 * 2880, '\0');
  write_bytes(path("short.fits"), header.data(), header.size());
  try {
    (void)open(path("short.fits"));
    ADD_FAILURE() << "accepted";
  } catch (const nsperf::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("48000000 bytes from byte 2880), but the file has 5760 "
                                         "bytes (truncated?)"),
              std::string::npos)
        << e.what();
  }
}

TEST(ImageReaderDetail, RegionsFarOutsideAreRefusedWithoutOverflow) {
  // Found by fuzzing: x + width overflowed in the bounds check.
  const core::Extent e{100, 50};
  EXPECT_NO_THROW(io::detail::check_region("x", {0, 0, 100, 50}, e));
  EXPECT_NO_THROW(io::detail::check_region("x", {99, 49, 1, 1}, e));
  EXPECT_THROW(io::detail::check_region("x", {INT64_MAX, 0, 2, 1}, e), nsperf::InputError);
  EXPECT_THROW(io::detail::check_region("x", {0, 1, 1, INT64_MAX}, e), nsperf::InputError);
  EXPECT_THROW(io::detail::check_region("x", {1, 0, 100, 1}, e), nsperf::InputError);
}

TEST_F(ImageReader, Hdf5DatasetsOfAnyNumericTypeAndSelections) {
  const std::string p = path("t.h5");
  const hid_t file = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  const hid_t group = H5Gcreate2(file, "g", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t dims2[2] = {3, 4};
  std::vector<std::uint16_t> u(12);
  for (std::size_t i = 0; i < u.size(); ++i) u[i] = static_cast<std::uint16_t>(1000 + i);
  hid_t space = H5Screate_simple(2, dims2, nullptr);
  hid_t ds = H5Dcreate2(group, "u16", H5T_STD_U16BE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(ds, H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, u.data());
  H5Dclose(ds);
  H5Sclose(space);
  hsize_t dims3[3] = {2, 3, 4};
  std::vector<double> d(24);
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<double>(i) - 0.25;
  space = H5Screate_simple(3, dims3, nullptr);
  ds = H5Dcreate2(file, "cube", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, d.data());
  H5Dclose(ds);
  H5Sclose(space);
  hsize_t dims1[1] = {5};
  space = H5Screate_simple(1, dims1, nullptr);
  ds = H5Dcreate2(file, "line", H5T_NATIVE_INT, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dclose(ds);
  H5Sclose(space);
  const hid_t complex = H5Tcreate(H5T_COMPOUND, 16);
  H5Tinsert(complex, "r", 0, H5T_NATIVE_DOUBLE);
  H5Tinsert(complex, "i", 8, H5T_NATIVE_DOUBLE);
  space = H5Screate_simple(2, dims2, nullptr);
  ds = H5Dcreate2(file, "complex", complex, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dclose(ds);
  H5Sclose(space);
  H5Tclose(complex);
  H5Gclose(group);
  H5Fclose(file);

  auto r = open(p + ":/g/u16");
  EXPECT_EQ(r->info().dtype, core::DType::u16);
  EXPECT_EQ(r->info().extent, (core::Extent{4, 3}));
  const auto part = r->read({1, 1, 2, 2});
  EXPECT_EQ(part.view<std::uint16_t>()(0, 0), 1005);
  EXPECT_EQ(part.view<std::uint16_t>()(1, 1), 1010);
  EXPECT_EQ(r->bytes_read(), 4 * 2);

  auto c = open(p + ":/cube[1]");
  EXPECT_EQ(c->info().dtype, core::DType::f32);
  EXPECT_FLOAT_EQ(c->read_all().view<float>()(3, 2), 23.0F - 0.25F);

  for (const char* bad : {":/nope", ":/g/nope", ":/cube", ":/cube[2]", ":/cube[0,0]", ":/line",
                          ":/complex", ":/g", ""}) {
    SCOPED_TRACE(bad);
    try {
      (void)open(p + bad);
      ADD_FAILURE() << "accepted";
    } catch (const nsperf::InputError& e) {
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
  }
}

TEST_F(ImageReader, RawFilesNeedTheirExactSize) {
  std::vector<std::uint8_t> be(4 * 3 * 2);
  for (std::size_t i = 0; i < 12; ++i) {
    const auto v = static_cast<std::int16_t>(static_cast<int>(i) * 100 - 500);
    be[2 * i] = static_cast<std::uint8_t>(static_cast<std::uint16_t>(v) >> 8);
    be[2 * i + 1] = static_cast<std::uint8_t>(static_cast<std::uint16_t>(v) & 0xFF);
  }
  write_bytes(path("t.raw"), be.data(), be.size());
  auto r = open(path("t.raw"), io::parse_raw_layout("4x3:i16:be", ""));
  EXPECT_EQ(r->info().dtype, core::DType::f32);
  const auto part = r->read({1, 1, 3, 2});
  EXPECT_FLOAT_EQ(part.view<float>()(0, 0), 0.0F);    // i = 5
  EXPECT_FLOAT_EQ(part.view<float>()(2, 1), 600.0F);  // i = 11
  EXPECT_EQ(r->bytes_read(), 6 * 2);
  try {
    (void)open(path("t.raw"), io::parse_raw_layout("5x3:i16", ""));
    ADD_FAILURE() << "accepted";
  } catch (const nsperf::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("needs exactly 30"), std::string::npos) << e.what();
  }
}

TEST(RealImages, ReadWithTheManifestsSizesAndStatistics) {
  const fs::path dir = fs::path(NSPERF_SHARED_DATA) / "images";
  if (!fs::exists(dir / "MANIFEST.txt")) GTEST_SKIP() << "no real images at " << dir;
  struct Case {
    const char* file;
    core::Extent extent;
    core::DType dtype;
  };
  for (const Case c : {Case{"flower.png", {2268, 1512}, core::DType::u8},
                       Case{"hdr_room_16bit.png", {676, 449}, core::DType::u16},
                       Case{"ihc.png", {512, 512}, core::DType::u8},
                       Case{"retina.jpg", {1411, 1411}, core::DType::u8},
                       Case{"j8bt06nyq_flt.fits[SCI]", {1024, 1024}, core::DType::f32}}) {
    SCOPED_TRACE(c.file);
    auto r = io::open_image(io::parse_image_input((dir / c.file).string(), {}));
    EXPECT_EQ(r->info().extent, c.extent);
    EXPECT_EQ(r->info().dtype, c.dtype);
  }
  // The FITS science extension's statistics as the MANIFEST gives them (from astropy).
  auto r = io::open_image(io::parse_image_input((dir / "j8bt06nyq_flt.fits[SCI]").string(), {}));
  const auto img = r->read_all();
  const auto v = img.view<float>();
  double sum = 0;
  float lo = v.data[0];
  float hi = v.data[0];
  for (std::int64_t i = 0; i < 1024 * 1024; ++i) {
    sum += v.data[i];
    lo = std::min(lo, v.data[i]);
    hi = std::max(hi, v.data[i]);
  }
  EXPECT_NEAR(lo, -7.98862, 1e-4);
  EXPECT_NEAR(hi, 162628, 1);
  EXPECT_NEAR(sum / (1024.0 * 1024.0), 1263.72, 0.01);
  EXPECT_EQ(r->info().replaced, 0);
}
