// PNG through libpng, row by row: 1 to 16-bit grey, grey+alpha, RGB, RGBA and palettes,
// interlaced or not. A PNG is one compressed stream and cannot be entered in the middle, so rank
// 0 decodes it (the whole file, one row at a time into the image) and sends each rank its tiles.
//
// The pixels equal what OpenCV imgcodecs gave (imdecode with IMREAD_UNCHANGED, then cvtColor to
// grey), which nsperf used before: 1, 2 and 4-bit grey scaled to 8 bits, palettes expanded to
// their colours, alpha and transparency left out, colour to grey with cvtColor's arithmetic
// (detail::luminance), 16-bit samples kept as u16.
//
// Before decoding, the file is checked where libpng would otherwise read on: the header's
// dimensions before anything is allocated, and the last chunk must be IEND (a truncated PNG).
// libpng's own errors (a CRC that does not match, a chunk length that lies, damaged data) end the
// read with its message; its warnings are not printed.
#include <png.h>

#include <csetjmp>
#include <cstring>
#include <string>
#include <vector>

#include "nsperf/core/error.hpp"
#include "nsperf/io/image_reader.hpp"

namespace nsperf::io::png {
namespace {

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

void check_png(const std::string& path, const std::vector<unsigned char>& b) {
  // signature (8), IHDR length (4) and type (4), width (4), height (4)
  if (b.size() < 33 || std::memcmp(b.data() + 12, "IHDR", 4) != 0)
    throw InputError("--image '" + path + "': truncated PNG (no IHDR header)");
  detail::check_extent(path, be32(b.data() + 16), be32(b.data() + 20), core::DType::u8);
  // The last chunk is IEND: length 0, "IEND", CRC.
  if (std::memcmp(b.data() + b.size() - 8, "IEND", 4) != 0)
    throw InputError("--image '" + path + "': truncated PNG (no IEND chunk at the end)");
}

// libpng reports an error by calling this, which must not return: the message is kept and the
// decode jumps back to its setjmp.
struct Failure {
  std::jmp_buf jump;
  std::string message;
};

[[noreturn]] void on_error(png_structp png, png_const_charp message) {
  auto* failure = static_cast<Failure*>(png_get_error_ptr(png));
  failure->message = message != nullptr ? message : "unknown error";
  std::longjmp(failure->jump, 1);
}

void on_warning(png_structp /*png*/, png_const_charp /*message*/) {}

struct Source {
  const std::vector<unsigned char>* bytes;
  std::size_t at = 0;
};

void on_read(png_structp png, png_bytep out, png_size_t length) {
  auto* source = static_cast<Source*>(png_get_io_ptr(png));
  if (source->at + length > source->bytes->size()) png_error(png, "read past the end of the file");
  std::memcpy(out, source->bytes->data() + source->at, length);
  source->at += length;
}

class PngReader final : public detail::WholeFileReader {
 public:
  explicit PngReader(const ImageInput& input) {
    const auto bytes = read_file(input, "png");
    check_png(input.path, bytes);
    decode(input.path, bytes);
  }

 private:
  // Everything libpng touches between setjmp and longjmp lives in `state`, so that a jump
  // leaves no object half-made on this frame.
  struct State {
    png_structp png = nullptr;
    png_infop info = nullptr;
    std::vector<unsigned char> row;  // one decoded colour row (interlaced: every row)
    std::vector<png_bytep> rows;     // interlaced: where each row goes
    ~State() { png_destroy_read_struct(&png, info != nullptr ? &info : nullptr, nullptr); }
  };

  void decode(const std::string& path, const std::vector<unsigned char>& bytes) {
    Failure failure;
    Source source{&bytes, 0};
    State s;
    s.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &failure, on_error, on_warning);
    if (s.png == nullptr) throw IoError("--image '" + path + "': libpng could not start");
    s.info = png_create_info_struct(s.png);
    if (s.info == nullptr) throw IoError("--image '" + path + "': libpng could not start");
    if (setjmp(failure.jump) != 0) {
      throw InputError("--image '" + path + "': the png decoder could not read it (damaged or " +
                       "truncated): " + failure.message);
    }
    png_set_read_fn(s.png, &source, on_read);
    png_read_info(s.png, s.info);
    const auto width = png_get_image_width(s.png, s.info);
    const auto height = png_get_image_height(s.png, s.info);
    const int depth = png_get_bit_depth(s.png, s.info);
    const int colour = png_get_color_type(s.png, s.info);
    const int stored_channels = png_get_channels(s.png, s.info);
    info_.source_type = std::string(depth == 16 ? "u16" : "u8") + " " +
                        (colour == PNG_COLOR_TYPE_PALETTE ? std::string("palette")
                                                          : detail::channel_name(stored_channels)) +
                        (depth < 8 ? " (" + std::to_string(depth) + "-bit)" : "");
    info_.dtype = depth == 16 ? core::DType::u16 : core::DType::u8;
    detail::check_extent(path, width, height, info_.dtype);
    info_.extent = {static_cast<std::int64_t>(width), static_cast<std::int64_t>(height)};

    // To grey or RGB, 8 or 16 bits in this machine's byte order, without alpha.
    if (colour == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(s.png);
    if (colour == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(s.png);
    // A palette's transparency (tRNS) becomes alpha when it is expanded: left out with the rest.
    if ((colour & PNG_COLOR_MASK_ALPHA) != 0 || png_get_valid(s.png, s.info, PNG_INFO_tRNS) != 0)
      png_set_strip_alpha(s.png);
    if (depth == 16) png_set_swap(s.png);
    const int passes = png_set_interlace_handling(s.png);
    png_read_update_info(s.png, s.info);
    const int channels = png_get_channels(s.png, s.info);
    if (channels != 1 && channels != 3) png_error(s.png, "unexpected channels after expansion");

    whole_ = core::Image(info_.extent, info_.dtype);
    const std::size_t grey_row = static_cast<std::size_t>(width) * core::dtype_size(info_.dtype);
    if (channels == 1 && passes == 1) {
      // Grey rows decode straight into the image.
      for (png_uint_32 y = 0; y < height; ++y)
        png_read_row(s.png, reinterpret_cast<png_bytep>(whole_.bytes().data() + y * grey_row),
                     nullptr);
    } else if (passes == 1) {
      s.row.resize(png_get_rowbytes(s.png, s.info));
      for (png_uint_32 y = 0; y < height; ++y) {
        png_read_row(s.png, s.row.data(), nullptr);
        to_grey(s.row.data(), whole_.bytes().data() + y * grey_row, width);
      }
    } else {
      // Interlaced: every pass fills in rows of the whole colour image.
      const std::size_t row_bytes = png_get_rowbytes(s.png, s.info);
      s.row.assign(row_bytes * height, 0);
      s.rows.resize(height);
      for (png_uint_32 y = 0; y < height; ++y) s.rows[y] = s.row.data() + y * row_bytes;
      png_read_image(s.png, s.rows.data());
      for (png_uint_32 y = 0; y < height; ++y) {
        if (channels == 1)
          std::memcpy(whole_.bytes().data() + y * grey_row, s.rows[y], grey_row);
        else
          to_grey(s.rows[y], whole_.bytes().data() + y * grey_row, width);
      }
    }
    png_read_end(s.png, nullptr);
  }

  void to_grey(const unsigned char* rgb, std::byte* grey, png_uint_32 width) const {
    if (info_.dtype == core::DType::u16) {
      const auto* in = reinterpret_cast<const std::uint16_t*>(rgb);
      auto* out = reinterpret_cast<std::uint16_t*>(grey);
      for (png_uint_32 x = 0; x < width; ++x)
        out[x] = detail::luminance(in[3 * x], in[3 * x + 1], in[3 * x + 2]);
    } else {
      auto* out = reinterpret_cast<std::uint8_t*>(grey);
      for (png_uint_32 x = 0; x < width; ++x)
        out[x] = detail::luminance(rgb[3 * x], rgb[3 * x + 1], rgb[3 * x + 2]);
    }
  }
};

}  // namespace
}  // namespace nsperf::io::png

using namespace std::string_view_literals;

NSPERF_REGISTER_READER(
    png, "png", "PNG, 1 to 16-bit grey, colour or palette (libpng), decoded whole by rank 0",
    [](std::string_view h) { return h.substr(0, 8) == "\x89PNG\r\n\x1a\n"sv; },
    [](const nsperf::io::ImageInput& in) -> std::unique_ptr<nsperf::io::ImageReader> {
      return std::make_unique<nsperf::io::png::PngReader>(in);
    })
