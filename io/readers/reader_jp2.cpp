// JPEG 2000 (a JP2 file or a raw J2K codestream) through OpenJPEG, by decode area: a rank
// decodes only the code-blocks its tiles (with halos) need. plan_reads() decodes the bounding
// box of the regions a rank is about to read in one pass, which read() then crops.
//
// Components: one (grey) or two (grey+alpha) give the first; three or four become luminance
// with OpenCV cvtColor's BT.601 arithmetic, or, for YCC colour spaces, the Y component as it is.
// Unsigned components of up to 8 bits are read as u8, up to 16 bits as u16, anything else as
// f32. The first component must be at full resolution (later ones may be subsampled: they are
// then not used, which YCC's Y allows and RGB does not, so subsampled RGB is refused).
// OpenJPEG's own threads follow OPJ_NUM_THREADS (one when unset).
#include <openjpeg.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>

#include "nsperf/core/error.hpp"
#include "nsperf/core/libraries.hpp"
#include "nsperf/io/image_reader.hpp"

namespace nsperf::io::jp2 {
namespace {

// The file, counting the bytes OpenJPEG takes from it.
struct Source {
  std::FILE* file = nullptr;
  std::int64_t size = 0;
  std::int64_t bytes_read = 0;
};

OPJ_SIZE_T read_bytes(void* buffer, OPJ_SIZE_T count, void* user) {
  auto* s = static_cast<Source*>(user);
  const std::size_t got = std::fread(buffer, 1, count, s->file);
  s->bytes_read += static_cast<std::int64_t>(got);
  return got == 0 ? static_cast<OPJ_SIZE_T>(-1) : got;
}

OPJ_OFF_T skip_bytes(OPJ_OFF_T count, void* user) {
  auto* s = static_cast<Source*>(user);
  return std::fseek(s->file, static_cast<long>(count), SEEK_CUR) == 0 ? count : -1;
}

OPJ_BOOL seek_to(OPJ_OFF_T at, void* user) {
  auto* s = static_cast<Source*>(user);
  return std::fseek(s->file, static_cast<long>(at), SEEK_SET) == 0 ? OPJ_TRUE : OPJ_FALSE;
}

struct Messages {
  std::string first_error;
};

void on_error(const char* message, void* user) {
  auto* m = static_cast<Messages*>(user);
  if (!m->first_error.empty()) return;
  m->first_error = message;
  while (!m->first_error.empty() && m->first_error.back() == '\n') m->first_error.pop_back();
}

void on_quiet(const char* /*message*/, void* /*user*/) {}

// One decoding pass: the file opened, the header read. OpenJPEG's codec decodes one area and
// cannot be reused for another, so each pass opens its own.
class Pass {
 public:
  Pass(const std::string& path, bool codestream, Messages& messages) {
    source_.file = std::fopen(path.c_str(), "rb");
    if (source_.file == nullptr) throw InputError("--image '" + path + "': cannot open");
    std::error_code ec;
    source_.size = static_cast<std::int64_t>(std::filesystem::file_size(path, ec));
    stream_ = opj_stream_create(1 << 20, OPJ_TRUE);
    opj_stream_set_user_data(stream_, &source_, nullptr);
    opj_stream_set_user_data_length(stream_, static_cast<OPJ_UINT64>(source_.size));
    opj_stream_set_read_function(stream_, &read_bytes);
    opj_stream_set_skip_function(stream_, &skip_bytes);
    opj_stream_set_seek_function(stream_, &seek_to);
    codec_ = opj_create_decompress(codestream ? OPJ_CODEC_J2K : OPJ_CODEC_JP2);
    opj_set_error_handler(codec_, &on_error, &messages);
    opj_set_warning_handler(codec_, &on_quiet, nullptr);
    opj_set_info_handler(codec_, &on_quiet, nullptr);
    opj_dparameters_t parameters;
    opj_set_default_decoder_parameters(&parameters);
    ok_ = opj_setup_decoder(codec_, &parameters) == OPJ_TRUE &&
          opj_read_header(stream_, codec_, &image_) == OPJ_TRUE && image_ != nullptr;
  }
  Pass(const Pass&) = delete;
  Pass& operator=(const Pass&) = delete;
  ~Pass() {
    if (image_ != nullptr) opj_image_destroy(image_);
    if (codec_ != nullptr) opj_destroy_codec(codec_);
    if (stream_ != nullptr) opj_stream_destroy(stream_);
    if (source_.file != nullptr) std::fclose(source_.file);
  }
  [[nodiscard]] bool ok() const noexcept { return ok_; }
  [[nodiscard]] opj_image_t* image() const noexcept { return image_; }
  [[nodiscard]] std::int64_t bytes_read() const noexcept { return source_.bytes_read; }
  [[nodiscard]] std::int64_t file_size() const noexcept { return source_.size; }

  // Decodes `r` (image coordinates, from the image's origin). False on a damaged codestream.
  bool decode(const core::Rect& r) {
    const auto x0 = static_cast<OPJ_INT32>(image_->x0 + r.x);
    const auto y0 = static_cast<OPJ_INT32>(image_->y0 + r.y);
    return opj_set_decode_area(codec_, image_, x0, y0, x0 + static_cast<OPJ_INT32>(r.width),
                               y0 + static_cast<OPJ_INT32>(r.height)) == OPJ_TRUE &&
           opj_decode(codec_, stream_, image_) == OPJ_TRUE &&
           opj_end_decompress(codec_, stream_) == OPJ_TRUE;
  }

 private:
  Source source_;
  opj_stream_t* stream_ = nullptr;
  opj_codec_t* codec_ = nullptr;
  opj_image_t* image_ = nullptr;
  bool ok_ = false;
};

class Jp2Reader final : public ImageReader {
 public:
  Jp2Reader(const ImageInput& input, bool codestream) : path_(input.path), codestream_(codestream) {
    if (!input.selection.empty()) {
      throw InputError("--image '" + input.text +
                       "': a jp2 file has no extensions or datasets to select");
    }
    Pass pass(path_, codestream_, messages_);
    if (!pass.ok()) fail("OpenJPEG cannot read its header");
    const opj_image_t& img = *pass.image();
    if (img.numcomps < 1 || img.x1 <= img.x0 || img.y1 <= img.y0) fail("no image in it");
    const opj_image_comp_t& first = img.comps[0];
    if (first.dx != 1 || first.dy != 1) fail("its first component is subsampled");
    components_ = static_cast<int>(img.numcomps);
    ycc_ = img.color_space == OPJ_CLRSPC_SYCC || img.color_space == OPJ_CLRSPC_EYCC;
    const bool colour = components_ >= 3 && !ycc_;
    for (int c = 1; colour && c < 3; ++c) {
      if (img.comps[c].dx != 1 || img.comps[c].dy != 1 || img.comps[c].prec != first.prec)
        fail("an RGB image whose components differ in resolution or precision");
    }
    colour_ = colour;
    precision_ = static_cast<int>(first.prec);
    signed_ = first.sgnd != 0;
    info_.format = "jp2";
    info_.file_bytes = pass.file_size();
    info_.dtype = !signed_ && precision_ <= 8    ? core::DType::u8
                  : !signed_ && precision_ <= 16 ? core::DType::u16
                                                 : core::DType::f32;
    info_.source_type = std::string(signed_ ? "i" : "u") + std::to_string(precision_) + " " +
                        (components_ == 1   ? "grey"
                         : components_ == 2 ? "grey+alpha"
                         : ycc_             ? "YCC (Y used)"
                         : components_ == 3 ? "RGB"
                                            : std::to_string(components_) + " components");
    const std::int64_t width = img.x1 - img.x0;
    const std::int64_t height = img.y1 - img.y0;
    detail::check_extent(path_, width, height, info_.dtype);
    info_.extent = {width, height};
    info_.partial_reads = true;
    bytes_read_ = pass.bytes_read();
  }

  void plan_reads(std::span<const core::Rect> regions) override {
    if (regions.empty()) return;
    std::int64_t x0 = regions[0].x;
    std::int64_t y0 = regions[0].y;
    std::int64_t x1 = x0 + regions[0].width;
    std::int64_t y1 = y0 + regions[0].height;
    for (const auto& r : regions) {
      x0 = std::min(x0, r.x);
      y0 = std::min(y0, r.y);
      x1 = std::max(x1, r.x + r.width);
      y1 = std::max(y1, r.y + r.height);
    }
    area_ = {x0, y0, x1 - x0, y1 - y0};
    decoded_ = decode(area_);
  }

  core::Image read(const core::Rect& r) override {
    detail::check_region(path_, r, info_.extent);
    const bool inside = !decoded_.bytes().empty() && r.x >= area_.x && r.y >= area_.y &&
                        r.x + r.width <= area_.x + area_.width &&
                        r.y + r.height <= area_.y + area_.height;
    if (inside) {
      return core::extract_padded(decoded_, r.x - area_.x, r.y - area_.y, r.width, r.height, 0);
    }
    return decode(r);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError("--image '" + path_ + "': " + what +
                     (messages_.first_error.empty()
                          ? std::string()
                          : " (OpenJPEG: " + messages_.first_error + ")"));
  }

  core::Image decode(const core::Rect& r) {
    Pass pass(path_, codestream_, messages_);
    if (!pass.ok()) fail("OpenJPEG cannot read its header");
    if (!pass.decode(r)) fail("cannot be decoded (damaged or truncated)");
    bytes_read_ += pass.bytes_read();
    const opj_image_t& img = *pass.image();
    for (int c = 0; c < (colour_ ? 3 : 1); ++c) {
      if (img.comps[c].data == nullptr || img.comps[c].w != r.width || img.comps[c].h != r.height)
        fail("decoded a component of an unexpected size (damaged?)");
    }
    core::Image out({r.width, r.height}, info_.dtype);
    const OPJ_INT32* red = img.comps[0].data;
    const OPJ_INT32* green = colour_ ? img.comps[1].data : nullptr;
    const OPJ_INT32* blue = colour_ ? img.comps[2].data : nullptr;
    const auto n = static_cast<std::size_t>(r.width * r.height);
    // A lossy codestream decodes to values a little outside the components' range: clamped,
    // as OpenCV's decoder does, before anything is computed from them.
    const OPJ_INT32 top = precision_ >= 31
                              ? std::numeric_limits<OPJ_INT32>::max()
                              : static_cast<OPJ_INT32>((std::int64_t{1} << precision_) - 1);
    const auto u = [top](OPJ_INT32 v) { return static_cast<std::uint32_t>(std::clamp(v, 0, top)); };
    // Integer pixels: the component's values (clamped), or the luminance of the first three.
    const auto integers = [&]<class T>(T* p) {
      const auto c = [&](const OPJ_INT32* plane, std::size_t i) {
        return static_cast<T>(u(plane[i]));
      };
      for (std::size_t i = 0; i < n; ++i)
        p[i] = colour_ ? detail::luminance(c(red, i), c(green, i), c(blue, i)) : c(red, i);
    };
    switch (info_.dtype) {
      case core::DType::u8:
        integers(out.view<std::uint8_t>().row(0));
        break;
      case core::DType::u16:
        integers(out.view<std::uint16_t>().row(0));
        break;
      case core::DType::f32: {
        auto* p = out.view<float>().row(0);
        for (std::size_t i = 0; i < n; ++i) {
          const auto f = [](OPJ_INT32 v) { return static_cast<float>(v); };
          p[i] = colour_ ? detail::luminance(f(red[i]), f(green[i]), f(blue[i])) : f(red[i]);
        }
        break;
      }
    }
    return out;
  }

  std::string path_;
  bool codestream_ = false;
  Messages messages_;
  int components_ = 1;
  int precision_ = 8;
  bool signed_ = false;
  bool ycc_ = false;
  bool colour_ = false;
  core::Rect area_;  // what plan_reads decoded
  core::Image decoded_;
};

bool has_magic(std::string_view head, std::string_view magic) {
  return head.substr(0, magic.size()) == magic;
}

// A J2K codestream starts with SOC and SIZ (FF 4F FF 51); anything else sniffed is a JP2 file.
std::unique_ptr<ImageReader> open_jp2(const ImageInput& in) {
  std::FILE* f = std::fopen(in.path.c_str(), "rb");
  unsigned char head[2] = {0, 0};
  const bool got = f != nullptr && std::fread(head, 1, 2, f) == 2;
  if (f != nullptr) std::fclose(f);
  return std::make_unique<Jp2Reader>(in, got && head[0] == 0xFF && head[1] == 0x4F);
}

}  // namespace
}  // namespace nsperf::io::jp2

using namespace std::string_view_literals;

NSPERF_REGISTER_READER(
    jp2, "jp2", "JPEG 2000, JP2 file or J2K codestream (OpenJPEG; read by decode area)",
    [](std::string_view h) {
      return nsperf::io::jp2::has_magic(h, "\0\0\0\x0cjP  \r\n\x87\n"sv) ||
             nsperf::io::jp2::has_magic(h, "\xFF\x4F\xFF\x51"sv);
    },
    nsperf::io::jp2::open_jp2)

NSPERF_REGISTER_LIBRARY(OpenJpeg, "OpenJPEG", opj_version())
