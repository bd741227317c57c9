// PNG through libpng, row by row: 1 to 16-bit grey, grey+alpha, RGB, RGBA and palettes,
// interlaced or not. A PNG is one compressed stream and cannot be entered in the middle, so rank
// 0 decodes it top to bottom, as far as asked at a time (decode_rows), and sends each rank its
// tiles as their rows are ready. An interlaced PNG has every row only after its last pass: it is
// decoded whole at the first call.
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
#include <memory>
#include <string>
#include <vector>

#include "nsperf/core/error.hpp"
#include "nsperf/core/libraries.hpp"
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

class PngReader final : public detail::SequentialReader {
 public:
  explicit PngReader(const ImageInput& input)
      : bytes_(read_file(input, "png")), source_{&bytes_, 0}, s_(std::make_unique<State>()) {
    check_png(input.path, bytes_);
    read_header();
  }

 private:
  // Everything libpng touches between setjmp and longjmp lives in the members, so that a jump
  // leaves no object half-made on the jumping frame; each call into libpng sets its own jump.
  struct State {
    png_structp png = nullptr;
    png_infop info = nullptr;
    std::vector<unsigned char> row;  // one decoded colour row (interlaced: every row)
    std::vector<png_bytep> rows;     // interlaced: where each row goes
    ~State() { png_destroy_read_struct(&png, info != nullptr ? &info : nullptr, nullptr); }
  };

  [[nodiscard]] InputError damaged() const {
    return InputError("--image '" + path_ + "': the png decoder could not read it (damaged or " +
                      "truncated): " + failure_.message);
  }

  void read_header() {
    s_->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &failure_, on_error, on_warning);
    if (s_->png == nullptr) throw IoError("--image '" + path_ + "': libpng could not start");
    s_->info = png_create_info_struct(s_->png);
    if (s_->info == nullptr) throw IoError("--image '" + path_ + "': libpng could not start");
    if (setjmp(failure_.jump) != 0) throw damaged();
    png_structp png = s_->png;
    png_infop info = s_->info;
    png_set_read_fn(png, &source_, on_read);
    png_read_info(png, info);
    const auto width = png_get_image_width(png, info);
    const auto height = png_get_image_height(png, info);
    const int depth = png_get_bit_depth(png, info);
    const int colour = png_get_color_type(png, info);
    const int stored_channels = png_get_channels(png, info);
    info_.source_type = std::string(depth == 16 ? "u16" : "u8") + " " +
                        (colour == PNG_COLOR_TYPE_PALETTE ? std::string("palette")
                                                          : detail::channel_name(stored_channels)) +
                        (depth < 8 ? " (" + std::to_string(depth) + "-bit)" : "");
    info_.dtype = depth == 16 ? core::DType::u16 : core::DType::u8;
    detail::check_extent(path_, width, height, info_.dtype);
    info_.extent = {static_cast<std::int64_t>(width), static_cast<std::int64_t>(height)};

    // To grey or RGB, 8 or 16 bits in this machine's byte order, without alpha.
    if (colour == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (colour == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    // A palette's transparency (tRNS) becomes alpha when it is expanded: left out with the rest.
    if ((colour & PNG_COLOR_MASK_ALPHA) != 0 || png_get_valid(png, info, PNG_INFO_tRNS) != 0)
      png_set_strip_alpha(png);
    if (depth == 16) png_set_swap(png);
    passes_ = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    channels_ = png_get_channels(png, info);
    if (channels_ != 1 && channels_ != 3) png_error(png, "unexpected channels after expansion");
    whole_ = core::Image(info_.extent, info_.dtype);
  }

  void decode_more(std::int64_t rows) override {
    if (setjmp(failure_.jump) != 0) throw damaged();
    png_structp png = s_->png;
    const auto width = static_cast<png_uint_32>(info_.extent.width);
    const auto height = static_cast<png_uint_32>(info_.extent.height);
    const std::size_t grey_row = static_cast<std::size_t>(width) * core::dtype_size(info_.dtype);
    std::byte* image = whole_.bytes().data();
    if (passes_ == 1) {
      if (channels_ != 1) s_->row.resize(png_get_rowbytes(png, s_->info));
      // rows_ready_ is a member: its value survives a jump back to the setjmp above.
      while (rows_ready_ < rows) {
        const auto y = static_cast<std::size_t>(rows_ready_);
        if (channels_ == 1) {
          // Grey rows decode straight into the image.
          png_read_row(png, reinterpret_cast<png_bytep>(image + y * grey_row), nullptr);
        } else {
          png_read_row(png, s_->row.data(), nullptr);
          to_grey(s_->row.data(), image + y * grey_row, width);
        }
        ++rows_ready_;
      }
    } else {
      // Interlaced: every pass fills in rows of the whole colour image, so all rows at once.
      const std::size_t row_bytes = png_get_rowbytes(png, s_->info);
      s_->row.assign(row_bytes * height, 0);
      s_->rows.resize(height);
      for (png_uint_32 y = 0; y < height; ++y) s_->rows[y] = s_->row.data() + y * row_bytes;
      png_read_image(png, s_->rows.data());
      for (png_uint_32 y = 0; y < height; ++y) {
        if (channels_ == 1)
          std::memcpy(image + y * grey_row, s_->rows[y], grey_row);
        else
          to_grey(s_->rows[y], image + y * grey_row, width);
      }
      rows_ready_ = info_.extent.height;
    }
    if (rows_ready_ == info_.extent.height) {
      png_read_end(png, nullptr);
      s_.reset();  // libpng's buffers and the file are no longer needed
      bytes_ = {};
    }
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

  std::vector<unsigned char> bytes_;  // the whole file
  Source source_;
  Failure failure_;
  std::unique_ptr<State> s_;
  int passes_ = 1;
  int channels_ = 1;
};

}  // namespace
}  // namespace nsperf::io::png

using namespace std::string_view_literals;

NSPERF_REGISTER_READER(
    png, "png", "PNG, 1 to 16-bit grey, colour or palette (libpng), streamed by rank 0",
    [](std::string_view h) { return h.substr(0, 8) == "\x89PNG\r\n\x1a\n"sv; },
    [](const nsperf::io::ImageInput& in) -> std::unique_ptr<nsperf::io::ImageReader> {
      return std::make_unique<nsperf::io::png::PngReader>(in);
    })

NSPERF_REGISTER_LIBRARY(Libpng, "libpng", png_get_libpng_ver(nullptr))
