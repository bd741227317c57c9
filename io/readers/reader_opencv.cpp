// PNG and JPEG through OpenCV imgcodecs (TIFF and JPEG 2000: reader_tiff.cpp and reader_jp2.cpp,
// by region)
// (IMREAD_UNCHANGED: 8/16-bit, float, int32). These formats are compressed as a whole, so rank 0
// decodes and crops; the decoded image is kept for the next region.
//
// Before decoding, the file is checked where OpenCV's decoders are lenient: libjpeg fills a
// truncated JPEG with grey and only warns, and libpng prints to stderr before failing, so a PNG
// must end with its IEND chunk and a JPEG with its EOI marker. PNG and JPEG dimensions are read
// from the header and checked before anything is allocated; TIFF and JPEG 2000 dimensions are
// checked by OpenCV itself before it allocates (sides up to 2^20, 2^30 pixels:
// OPENCV_IO_MAX_IMAGE_PIXELS) and by nsperf after decoding.
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

#include "nsperf/core/error.hpp"
#include "nsperf/io/image_reader.hpp"

namespace nsperf::io {
namespace {

std::vector<unsigned char> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) throw InputError("--image '" + path + "': cannot open");
  const auto size = static_cast<std::streamoff>(f.tellg());
  std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
  f.seekg(0);
  if (!f.read(reinterpret_cast<char*>(bytes.data()), size)) {
    throw InputError("--image '" + path + "': read failed");
  }
  return bytes;
}

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

void check_png(const std::string& path, const std::vector<unsigned char>& b) {
  // signature (8), IHDR length (4) and type (4), width (4), height (4)
  if (b.size() < 33 || std::memcmp(b.data() + 12, "IHDR", 4) != 0) {
    throw InputError("--image '" + path + "': truncated PNG (no IHDR header)");
  }
  detail::check_extent(path, be32(b.data() + 16), be32(b.data() + 20), core::DType::u8);
  // The last chunk is IEND: length 0, "IEND", CRC.
  if (std::memcmp(b.data() + b.size() - 8, "IEND", 4) != 0) {
    throw InputError("--image '" + path + "': truncated PNG (no IEND chunk at the end)");
  }
}

void check_jpeg(const std::string& path, const std::vector<unsigned char>& b) {
  // Walk the marker segments to the frame header (SOFn) for the dimensions.
  std::size_t at = 2;
  bool frame = false;
  while (at + 4 <= b.size() && !frame) {
    if (b[at] != 0xFF) break;
    const unsigned marker = b[at + 1];
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    const std::size_t length = (std::size_t{b[at + 2]} << 8) | b[at + 3];
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      if (at + 9 > b.size()) break;
      const std::int64_t height = (std::int64_t{b[at + 5]} << 8) | b[at + 6];
      const std::int64_t width = (std::int64_t{b[at + 7]} << 8) | b[at + 8];
      detail::check_extent(path, width, height, core::DType::u8);
      frame = true;
    }
    at += 2 + length;
  }
  if (!frame) throw InputError("--image '" + path + "': truncated JPEG (no frame header)");
  // The image ends with EOI (FF D9); some writers pad after it with zeros.
  std::size_t end = b.size();
  while (end > 2 && b[end - 1] == 0) --end;
  if (end < 2 || b[end - 2] != 0xFF || b[end - 1] != 0xD9) {
    throw InputError("--image '" + path + "': truncated JPEG (no end-of-image marker at the end)");
  }
}

// OpenCV 4.6's imdecode reports a decoder's failure on std::cerr and returns an empty image;
// libpng and libtiff print their warnings to stderr too. Decoding runs with stderr captured, so
// the user sees one message, which quotes what the decoder said.
class CapturedStderr {
 public:
  CapturedStderr() {
    std::fflush(stderr);
    file_ = ::memfd_create("nsperf-decoder", MFD_CLOEXEC);
    saved_ = file_ >= 0 ? ::dup(STDERR_FILENO) : -1;
    if (saved_ >= 0) ::dup2(file_, STDERR_FILENO);
  }
  CapturedStderr(const CapturedStderr&) = delete;
  CapturedStderr& operator=(const CapturedStderr&) = delete;
  ~CapturedStderr() { (void)release(); }

  // Restores stderr; returns what was written meanwhile (first line, trimmed).
  std::string release() {
    std::string text;
    if (saved_ < 0) return text;
    std::cerr.flush();
    std::fflush(stderr);
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    saved_ = -1;
    char buf[512];
    const ssize_t n = ::pread(file_, buf, sizeof buf, 0);
    ::close(file_);
    if (n > 0) text.assign(buf, static_cast<std::size_t>(n));
    if (const auto nl = text.find('\n'); nl != std::string::npos) text.resize(nl);
    return text;
  }

 private:
  int file_ = -1;
  int saved_ = -1;
};

std::string depth_name(int depth) {
  switch (depth) {
    case CV_8U:
      return "u8";
    case CV_8S:
      return "i8";
    case CV_16U:
      return "u16";
    case CV_16S:
      return "i16";
    case CV_32S:
      return "i32";
    case CV_32F:
      return "f32";
    case CV_64F:
      return "f64";
    case CV_16F:
      return "f16";
    default:
      return "depth " + std::to_string(depth);
  }
}

class OpenCvReader final : public ImageReader {
 public:
  OpenCvReader(const ImageInput& input, const std::string& format) {
    const std::string& path = input.path;
    if (!input.selection.empty()) {
      throw InputError("--image '" + input.text + "': a " + format +
                       " file has no extensions or datasets to select");
    }
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    const auto bytes = read_file(path);
    if (format == "png") check_png(path, bytes);
    if (format == "jpeg") check_jpeg(path, bytes);
    cv::Mat decoded;
    std::string said;
    {
      CapturedStderr capture;
      try {
        decoded = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
      } catch (const cv::Exception& e) {
        said = e.err;
      }
      const std::string printed = capture.release();
      if (said.empty()) said = printed;
    }
    if (decoded.empty()) {
      throw InputError("--image '" + path + "': the " + format +
                       " decoder could not read it (damaged or truncated)" +
                       (said.empty() ? std::string() : ": " + said));
    }
    bytes_read_ = static_cast<std::int64_t>(bytes.size());
    const int channels = decoded.channels();
    const int depth = decoded.depth();
    info_.format = format;
    info_.file_bytes = bytes_read_;
    info_.source_type = depth_name(depth) + " " + detail::channel_name(channels);
    if (channels > 4) {
      throw InputError("--image '" + path + "': " + info_.source_type +
                       " is not supported (grey, grey+alpha, RGB or RGBA)");
    }
    info_.dtype = depth == CV_8U    ? core::DType::u8
                  : depth == CV_16U ? core::DType::u16
                                    : core::DType::f32;
    detail::check_extent(path, decoded.cols, decoded.rows, info_.dtype);
    info_.extent = {decoded.cols, decoded.rows};

    cv::Mat grey;
    if (info_.dtype == core::DType::f32 && depth != CV_32F) {
      decoded.convertTo(decoded, CV_MAKETYPE(CV_32F, channels));
    }
    if (channels == 1) {
      grey = decoded;
    } else if (channels == 2) {
      cv::extractChannel(decoded, grey, 0);
    } else {
      // OpenCV decodes colour as BGR(A); BT.601 weights as cvtColor's.
      cv::cvtColor(decoded, grey, channels == 3 ? cv::COLOR_BGR2GRAY : cv::COLOR_BGRA2GRAY);
    }
    whole_ = core::Image(info_.extent, info_.dtype);
    const std::size_t row = static_cast<std::size_t>(grey.cols) * core::dtype_size(info_.dtype);
    for (int y = 0; y < grey.rows; ++y) {
      std::memcpy(whole_.bytes().data() + static_cast<std::size_t>(y) * row, grey.ptr(y), row);
    }
    info_.replaced = detail::replace_non_finite(whole_);
  }

  core::Image read(const core::Rect& r) override {
    return core::extract_padded(whole_, r.x, r.y, r.width, r.height, 0);
  }

 private:
  core::Image whole_;
};

bool starts_with(std::string_view head, std::string_view magic) {
  return head.substr(0, magic.size()) == magic;
}

auto opener(const char* format) {
  return [format](const ImageInput& in) -> std::unique_ptr<ImageReader> {
    return std::make_unique<OpenCvReader>(in, format);
  };
}

}  // namespace
}  // namespace nsperf::io

using namespace std::string_view_literals;

NSPERF_REGISTER_READER(
    png, "png", "PNG, 8/16-bit grey or colour (OpenCV imgcodecs)",
    [](std::string_view h) { return nsperf::io::starts_with(h, "\x89PNG\r\n\x1a\n"sv); },
    nsperf::io::opener("png"))
NSPERF_REGISTER_READER(
    jpeg, "jpeg", "JPEG (OpenCV imgcodecs)",
    [](std::string_view h) { return nsperf::io::starts_with(h, "\xFF\xD8\xFF"sv); },
    nsperf::io::opener("jpeg"))
