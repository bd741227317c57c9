#include "nsperf/core/image.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <stdexcept>

#include "nsperf/core/error.hpp"

namespace nsperf::core {
namespace {

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<std::uint8_t>() {
  return DType::u8;
}
template <>
constexpr DType dtype_of<std::uint16_t>() {
  return DType::u16;
}
template <>
constexpr DType dtype_of<float>() {
  return DType::f32;
}

std::optional<std::int64_t> parse_side(std::string_view text) {
  std::int64_t value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

template <class Src, class Dst>
void convert(View<const Src> src, View<Dst> dst) {
  for (std::int64_t y = 0; y < src.height; ++y) {
    const Src* in = src.row(y);
    Dst* out = dst.row(y);
    for (std::int64_t x = 0; x < src.width; ++x) out[x] = static_cast<Dst>(in[x]);
  }
}

}  // namespace

std::size_t dtype_size(DType t) noexcept {
  switch (t) {
    case DType::u8:
      return 1;
    case DType::u16:
      return 2;
    case DType::f32:
      return 4;
  }
  return 0;
}

std::string_view to_string(DType t) noexcept {
  switch (t) {
    case DType::u8:
      return "u8";
    case DType::u16:
      return "u16";
    case DType::f32:
      return "f32";
  }
  return "?";
}

std::optional<DType> parse_dtype(std::string_view text) noexcept {
  for (DType t : {DType::u8, DType::u16, DType::f32}) {
    if (text == to_string(t)) return t;
  }
  return std::nullopt;
}

ImageSpec parse_image_spec(std::string_view text, std::string_view what) {
  const std::string valid =
      "expected WxH or WxH:dtype with 1 <= W, H <= " + std::to_string(kMaxImageSide) +
      " and dtype u8, u16 or f32 (e.g. 4096x4096:u16)";
  auto fail = [&](const std::string& why) -> InputError {
    const std::string prefix = what.empty() ? "" : std::string(what) + ": ";
    return InputError(prefix + "'" + std::string(text) + "' " + why + "; " + valid);
  };
  ImageSpec spec;
  std::string_view dims = text;
  if (auto colon = text.find(':'); colon != std::string_view::npos) {
    dims = text.substr(0, colon);
    auto dtype = parse_dtype(text.substr(colon + 1));
    if (!dtype) throw fail("has an unknown pixel type");
    spec.dtype = *dtype;
  }
  auto x = dims.find('x');
  if (x == std::string_view::npos) throw fail("is not an image size");
  auto w = parse_side(dims.substr(0, x));
  auto h = parse_side(dims.substr(x + 1));
  if (!w || !h) throw fail("is not an image size");
  if (*w < 1 || *h < 1) throw fail("has a zero or negative side");
  if (*w > kMaxImageSide || *h > kMaxImageSide) throw fail("is too large");
  spec.extent = {*w, *h};
  return spec;
}

std::string to_string(const ImageSpec& spec) {
  return std::to_string(spec.extent.width) + "x" + std::to_string(spec.extent.height) + ":" +
         std::string(to_string(spec.dtype));
}

Image::Image(Extent extent, DType dtype)
    : extent_(extent),
      dtype_(dtype),
      data_(static_cast<std::size_t>(extent.width * extent.height) * dtype_size(dtype)) {}

template <class T>
View<T> Image::view() {
  if (dtype_of<T>() != dtype_) throw std::logic_error("Image::view: pixel type mismatch");
  return {reinterpret_cast<T*>(data_.data()), extent_.width, extent_.height, extent_.width};
}

template <class T>
View<const T> Image::view() const {
  if (dtype_of<T>() != dtype_) throw std::logic_error("Image::view: pixel type mismatch");
  return {reinterpret_cast<const T*>(data_.data()), extent_.width, extent_.height, extent_.width};
}

template View<std::uint8_t> Image::view();
template View<std::uint16_t> Image::view();
template View<float> Image::view();
template View<const std::uint8_t> Image::view() const;
template View<const std::uint16_t> Image::view() const;
template View<const float> Image::view() const;

std::int64_t reflect101(std::int64_t i, std::int64_t n) noexcept {
  if (n == 1) return 0;
  const std::int64_t period = 2 * n - 2;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - i;
}

Image extract_padded(const Image& src, std::int64_t x, std::int64_t y, std::int64_t w,
                     std::int64_t h, std::int64_t halo) {
  const Extent e = src.extent();
  if (x < 0 || y < 0 || w < 1 || h < 1 || halo < 0 || x + w > e.width || y + h > e.height) {
    throw InputError("tile (" + std::to_string(x) + ", " + std::to_string(y) + ", " +
                     std::to_string(w) + "x" + std::to_string(h) + ") is not inside the " +
                     std::to_string(e.width) + "x" + std::to_string(e.height) + " image");
  }
  Image out({w + 2 * halo, h + 2 * halo}, src.dtype());
  const std::size_t px = dtype_size(src.dtype());
  const auto* in = src.bytes().data();
  auto* dst = out.bytes().data();
  const std::int64_t out_w = w + 2 * halo;
  for (std::int64_t oy = 0; oy < h + 2 * halo; ++oy) {
    const std::int64_t sy = reflect101(y - halo + oy, e.height);
    const std::byte* src_row = in + static_cast<std::size_t>(sy * e.width) * px;
    std::byte* dst_row = dst + static_cast<std::size_t>(oy * out_w) * px;
    // The interior run that needs no reflection is one memcpy; only the few halo columns
    // that fall outside the image are mapped one by one.
    const std::int64_t first = std::max<std::int64_t>(0, halo - x);
    const std::int64_t last = std::min<std::int64_t>(out_w, e.width - (x - halo));
    for (std::int64_t ox = 0; ox < first; ++ox) {
      std::memcpy(dst_row + static_cast<std::size_t>(ox) * px,
                  src_row + static_cast<std::size_t>(reflect101(x - halo + ox, e.width)) * px, px);
    }
    // The tile lies inside the image, so last > first always.
    std::memcpy(dst_row + static_cast<std::size_t>(first) * px,
                src_row + static_cast<std::size_t>(x - halo + first) * px,
                static_cast<std::size_t>(last - first) * px);
    for (std::int64_t ox = last; ox < out_w; ++ox) {
      std::memcpy(dst_row + static_cast<std::size_t>(ox) * px,
                  src_row + static_cast<std::size_t>(reflect101(x - halo + ox, e.width)) * px, px);
    }
  }
  return out;
}

template <class T>
Plane<T> to_plane(const Image& src) {
  Plane<T> out(src.extent());
  switch (src.dtype()) {
    case DType::u8:
      convert(src.view<std::uint8_t>(), out.view());
      break;
    case DType::u16:
      convert(src.view<std::uint16_t>(), out.view());
      break;
    case DType::f32:
      convert(src.view<float>(), out.view());
      break;
  }
  return out;
}

template Plane<float> to_plane<float>(const Image&);
template Plane<double> to_plane<double>(const Image&);

}  // namespace nsperf::core
