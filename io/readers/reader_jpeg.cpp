// JPEG through libjpeg-turbo, scanline by scanline: baseline and progressive, grey, YCbCr and
// RGB, CMYK and YCCK. A JPEG is one entropy-coded stream and cannot be entered in the middle, so
// rank 0 decodes it top to bottom, as far as asked at a time (decode_rows), and sends each rank
// its tiles as their rows are ready.
//
// The pixels equal what OpenCV imgcodecs gave (imdecode with IMREAD_UNCHANGED, then cvtColor to
// grey), which nsperf used before: the same library and decoder settings (integer IDCT, fancy
// upsampling), colour to grey with cvtColor's arithmetic (detail::luminance), CMYK to colour as
// OpenCV does, and the EXIF orientation not applied.
//
// Before decoding, the file is checked where libjpeg is lenient (it fills a truncated JPEG with
// grey and only warns): the frame header's dimensions before anything is allocated, and the
// end-of-image marker at the end. libjpeg's errors end the read with its message.
// jpeglib.h needs size_t and FILE declared before it.
#include <cstddef>
#include <cstdio>

#include <jpeglib.h>

#include <algorithm>
#include <csetjmp>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "nsperf/core/error.hpp"
#include "nsperf/core/libraries.hpp"
#include "nsperf/io/image_reader.hpp"

namespace nsperf::io::jpeg {
namespace {

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
  if (end < 2 || b[end - 2] != 0xFF || b[end - 1] != 0xD9)
    throw InputError("--image '" + path + "': truncated JPEG (no end-of-image marker at the end)");
}

// libjpeg reports an error by calling error_exit, which must not return: the message is kept
// and the decode jumps back to its setjmp. Warnings are not printed.
struct Errors {
  jpeg_error_mgr manager{};
  std::jmp_buf jump{};
  std::string message;
};

[[noreturn]] void on_error(j_common_ptr cinfo) {
  auto* errors = reinterpret_cast<Errors*>(cinfo->err);
  char text[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, text);
  errors->message = text;
  std::longjmp(errors->jump, 1);
}

void on_message(j_common_ptr /*cinfo*/) {}

class JpegReader final : public detail::SequentialReader {
 public:
  explicit JpegReader(const ImageInput& input)
      : bytes_(read_file(input, "jpeg")), s_(std::make_unique<State>()) {
    check_jpeg(input.path, bytes_);
    info_.dtype = core::DType::u8;
    read_header();
  }

 private:
  // Everything libjpeg touches between setjmp and longjmp lives in the members, so that a jump
  // leaves no object half-made on the jumping frame; each call into libjpeg sets its own jump.
  struct State {
    Errors errors;
    jpeg_decompress_struct cinfo{};
    bool created = false;
    bool started = false;             // jpeg_start_decompress done
    std::vector<unsigned char> rows;  // a few decoded colour rows
    ~State() {
      if (created) jpeg_destroy_decompress(&cinfo);
    }
  };

  [[nodiscard]] InputError damaged() const {
    return InputError("--image '" + path_ + "': the jpeg decoder could not read it (damaged or " +
                      "truncated): " + s_->errors.message);
  }

  void read_header() {
    State& s = *s_;
    s.cinfo.err = jpeg_std_error(&s.errors.manager);
    s.errors.manager.error_exit = on_error;
    s.errors.manager.output_message = on_message;
    if (setjmp(s.errors.jump) != 0) throw damaged();
    jpeg_create_decompress(&s.cinfo);
    s.created = true;
    jpeg_mem_src(&s.cinfo, bytes_.data(), static_cast<unsigned long>(bytes_.size()));
    jpeg_read_header(&s.cinfo, TRUE);
    const int components = s.cinfo.num_components;
    cmyk_ = s.cinfo.jpeg_color_space == JCS_CMYK || s.cinfo.jpeg_color_space == JCS_YCCK;
    info_.source_type = std::string("u8 ") + (components == 1 ? "grey" : cmyk_ ? "CMYK" : "RGB");
    detail::check_extent(path_, s.cinfo.image_width, s.cinfo.image_height, info_.dtype);
    info_.extent = {static_cast<std::int64_t>(s.cinfo.image_width),
                    static_cast<std::int64_t>(s.cinfo.image_height)};
    s.cinfo.out_color_space = components == 1 ? JCS_GRAYSCALE : cmyk_ ? JCS_CMYK : JCS_RGB;
    whole_ = core::Image(info_.extent, info_.dtype);
  }

  void decode_more(std::int64_t rows) override {
    State& s = *s_;
    if (setjmp(s.errors.jump) != 0) throw damaged();
    if (!s.started) {
      // A progressive JPEG decodes its whole entropy-coded stream here.
      jpeg_start_decompress(&s.cinfo);
      s.started = true;
    }
    const auto width = static_cast<std::size_t>(s.cinfo.output_width);
    const auto channels = static_cast<std::size_t>(s.cinfo.output_components);
    const auto batch = static_cast<std::size_t>(std::max(1, s.cinfo.rec_outbuf_height));
    auto* image = reinterpret_cast<std::uint8_t*>(whole_.bytes().data());
    s.rows.resize(width * channels * batch);
    JSAMPROW pointers[16];
    // cinfo.output_scanline lives in the state: it survives a jump back to the setjmp above.
    while (static_cast<std::int64_t>(s.cinfo.output_scanline) < rows) {
      const std::size_t y = s.cinfo.output_scanline;
      if (channels == 1) {
        // Grey scanlines decode straight into the image.
        for (std::size_t i = 0; i < batch; ++i)
          pointers[i] = image + std::min<std::size_t>(y + i, s.cinfo.output_height - 1) * width;
        jpeg_read_scanlines(&s.cinfo, pointers, static_cast<JDIMENSION>(batch));
        continue;
      }
      for (std::size_t i = 0; i < batch; ++i) pointers[i] = s.rows.data() + i * width * channels;
      const auto got = jpeg_read_scanlines(&s.cinfo, pointers, static_cast<JDIMENSION>(batch));
      for (std::size_t i = 0; i < got; ++i)
        to_grey(pointers[i], image + (y + i) * width, width, cmyk_);
    }
    rows_ready_ = s.cinfo.output_scanline;
    if (rows_ready_ == info_.extent.height) {
      jpeg_finish_decompress(&s.cinfo);
      s_.reset();  // libjpeg's buffers and the file are no longer needed
      bytes_ = {};
    }
  }

  static void to_grey(const unsigned char* in, std::uint8_t* out, std::size_t width, bool cmyk) {
    if (!cmyk) {
      for (std::size_t x = 0; x < width; ++x)
        out[x] = detail::luminance(in[3 * x], in[3 * x + 1], in[3 * x + 2]);
      return;
    }
    // CMYK (as libjpeg gives Adobe's inverted samples) to colour, as OpenCV's decoder does.
    for (std::size_t x = 0; x < width; ++x) {
      const int k = in[4 * x + 3];
      const auto channel = [k](int v) {
        return static_cast<std::uint8_t>(k - ((255 - v) * k >> 8));
      };
      out[x] =
          detail::luminance(channel(in[4 * x]), channel(in[4 * x + 1]), channel(in[4 * x + 2]));
    }
  }

  std::vector<unsigned char> bytes_;  // the whole file
  std::unique_ptr<State> s_;
  bool cmyk_ = false;
};

}  // namespace
}  // namespace nsperf::io::jpeg

using namespace std::string_view_literals;

NSPERF_REGISTER_READER(
    jpeg, "jpeg", "JPEG, grey or colour (libjpeg-turbo), streamed by rank 0",
    [](std::string_view h) { return h.substr(0, 3) == "\xFF\xD8\xFF"sv; },
    [](const nsperf::io::ImageInput& in) -> std::unique_ptr<nsperf::io::ImageReader> {
      return std::make_unique<nsperf::io::jpeg::JpegReader>(in);
    })

// libjpeg-turbo's version is a number: 2001005 is 2.1.5. JPEG_LIB_VERSION is the API it emulates.
NSPERF_REGISTER_LIBRARY(Libjpeg, "libjpeg-turbo",
                        std::to_string(LIBJPEG_TURBO_VERSION_NUMBER / 1000000) + "." +
                            std::to_string(LIBJPEG_TURBO_VERSION_NUMBER / 1000 % 1000) + "." +
                            std::to_string(LIBJPEG_TURBO_VERSION_NUMBER % 1000) + " (libjpeg " +
                            std::to_string(JPEG_LIB_VERSION) + " API)")
