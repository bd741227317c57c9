#pragma once
/// \file Images in memory: pixel types, extents, owning planes and non-owning views.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nsperf::core {

/// Pixel type of an image as read or generated.
enum class DType : std::uint8_t { u8, u16, f32 };

/// Bytes per pixel of `t`.
std::size_t dtype_size(DType t) noexcept;
/// "u8", "u16" or "f32": the spelling used on the command line, in configs and in results.
std::string_view to_string(DType t) noexcept;
/// Parses "u8", "u16" or "f32"; nullopt otherwise.
std::optional<DType> parse_dtype(std::string_view text) noexcept;

/// Width and height in pixels.
struct Extent {
  std::int64_t width = 0;
  std::int64_t height = 0;
  [[nodiscard]] std::int64_t pixels() const noexcept { return width * height; }
  friend bool operator==(const Extent&, const Extent&) = default;
};

/// An image's size and pixel type, as given by `--synthetic 8192x8192:u16`.
struct ImageSpec {
  Extent extent;
  DType dtype = DType::u8;
  friend bool operator==(const ImageSpec&, const ImageSpec&) = default;
};

/// Largest accepted width or height (2^20): anything larger is a typo, not an image.
inline constexpr std::int64_t kMaxImageSide = std::int64_t{1} << 20;

/// Parses "WxH" or "WxH:dtype" (dtype u8 when absent). Throws InputError naming `what` (the option
/// or key it came from; may be empty), the text, and what is valid.
ImageSpec parse_image_spec(std::string_view text, std::string_view what);
/// "WxH:dtype".
std::string to_string(const ImageSpec& spec);

/// Non-owning view of a row-major 2-D array; `stride` is the distance between rows in elements.
template <class T>
struct View {
  T* data = nullptr;
  std::int64_t width = 0;
  std::int64_t height = 0;
  std::int64_t stride = 0;

  [[nodiscard]] T* row(std::int64_t y) const noexcept { return data + y * stride; }
  [[nodiscard]] T& operator()(std::int64_t x, std::int64_t y) const noexcept {
    return data[y * stride + x];
  }
  [[nodiscard]] Extent extent() const noexcept { return {width, height}; }
  /// The sub-rectangle starting at (x, y) of size w x h (no bounds check).
  [[nodiscard]] View sub(std::int64_t x, std::int64_t y, std::int64_t w,
                         std::int64_t h) const noexcept {
    return {data + y * stride + x, w, h, stride};
  }
  operator View<const T>() const noexcept { return {data, width, height, stride}; }  // NOLINT
};

/// An owning, densely packed, typed 2-D array.
template <class T>
class Plane {
 public:
  Plane() = default;
  explicit Plane(Extent extent)
      : extent_(extent), data_(static_cast<std::size_t>(extent.width * extent.height)) {}

  [[nodiscard]] Extent extent() const noexcept { return extent_; }
  [[nodiscard]] View<T> view() noexcept {
    return {data_.data(), extent_.width, extent_.height, extent_.width};
  }
  [[nodiscard]] View<const T> view() const noexcept {
    return {data_.data(), extent_.width, extent_.height, extent_.width};
  }
  [[nodiscard]] std::span<T> values() noexcept { return data_; }
  [[nodiscard]] std::span<const T> values() const noexcept { return data_; }

 private:
  Extent extent_;
  std::vector<T> data_;
};

/// An owning image whose pixel type is known at run time (what readers and generators produce
/// and what travels between ranks).
class Image {
 public:
  Image() = default;
  Image(Extent extent, DType dtype);

  [[nodiscard]] Extent extent() const noexcept { return extent_; }
  [[nodiscard]] DType dtype() const noexcept { return dtype_; }
  [[nodiscard]] std::span<std::byte> bytes() noexcept { return data_; }
  [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return data_; }

  /// Typed view; throws std::logic_error if T does not match dtype().
  template <class T>
  [[nodiscard]] View<T> view();
  template <class T>
  [[nodiscard]] View<const T> view() const;

 private:
  Extent extent_;
  DType dtype_ = DType::u8;
  std::vector<std::byte> data_;
};

/// Maps a coordinate to [0, n) the way OpenCV's BORDER_REFLECT_101 does: gfedcb|abcdefgh|gfedcba.
std::int64_t reflect101(std::int64_t i, std::int64_t n) noexcept;

/// Copies the rectangle (x, y, w, h) of `src` grown by `halo` on every side into a new image of
/// the same type; pixels outside `src` are filled by reflect-101. Throws InputError if the
/// rectangle is not inside `src`.
Image extract_padded(const Image& src, std::int64_t x, std::int64_t y, std::int64_t w,
                     std::int64_t h, std::int64_t halo);

/// Converts `src` to T (float or double) into a new plane of the same extent.
template <class T>
Plane<T> to_plane(const Image& src);

}  // namespace nsperf::core
