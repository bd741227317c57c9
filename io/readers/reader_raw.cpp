// Headerless pixels laid out as `--raw WxH:dtype[:le|be]` says: row-major, no padding. The file
// size must equal W x H x sample size exactly (a wrong layout is the usual mistake). Regions are
// read row by row with pread, so a rank reads only its tiles' rows.
#include <fcntl.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "nsperf/core/error.hpp"
#include "nsperf/io/image_reader.hpp"

namespace nsperf::io {
namespace {

template <class T>
T load(const std::byte* p, bool swap) {
  T v;
  if (!swap) {
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  std::byte b[sizeof(T)];
  for (std::size_t i = 0; i < sizeof(T); ++i) b[i] = p[sizeof(T) - 1 - i];
  std::memcpy(&v, b, sizeof v);
  return v;
}

template <class T, class Out>
void convert_row(const std::byte* in, Out* out, std::int64_t n, bool swap) {
  for (std::int64_t i = 0; i < n; ++i) {
    out[i] = static_cast<Out>(load<T>(in + static_cast<std::size_t>(i) * sizeof(T), swap));
  }
}

class RawReader final : public ImageReader {
 public:
  explicit RawReader(const ImageInput& input) : path_(input.path), layout_(*input.raw) {
    if (!input.selection.empty()) {
      throw InputError("--image '" + input.text + "': a raw file has nothing to select");
    }
    info_.format = "raw";
    info_.dtype = pipeline_dtype(layout_.type);
    info_.source_type =
        std::string(to_string(layout_.type)) +
        (sample_size(layout_.type) > 1 ? (layout_.big_endian ? " big-endian" : " little-endian")
                                       : "");
    const auto e = layout_.extent;
    detail::check_extent(path_, e.width, e.height, info_.dtype);
    std::error_code ec;
    const auto size = std::filesystem::file_size(path_, ec);
    if (ec) throw InputError("--image '" + path_ + "': " + ec.message());
    const auto expected = static_cast<std::uintmax_t>(e.width) *
                          static_cast<std::uintmax_t>(e.height) * sample_size(layout_.type);
    if (size != expected) {
      throw InputError("--image '" + path_ + "': " + std::to_string(size) + " bytes, but --raw " +
                       std::to_string(e.width) + "x" + std::to_string(e.height) + ":" +
                       std::string(to_string(layout_.type)) + " needs exactly " +
                       std::to_string(expected));
    }
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw InputError("--image '" + path_ + "': " + std::strerror(errno));
    info_.extent = e;
    info_.file_bytes = static_cast<std::int64_t>(size);
    info_.partial_reads = true;
  }
  ~RawReader() override {
    if (fd_ >= 0) ::close(fd_);
  }
  RawReader(const RawReader&) = delete;
  RawReader& operator=(const RawReader&) = delete;

  core::Image read(const core::Rect& r) override {
    const auto e = info_.extent;
    detail::check_region("--image '" + path_ + "'", r, e);
    core::Image out({r.width, r.height}, info_.dtype);
    const std::size_t sample = sample_size(layout_.type);
    const std::size_t in_row = static_cast<std::size_t>(r.width) * sample;
    const std::size_t out_row = static_cast<std::size_t>(r.width) * core::dtype_size(info_.dtype);
    const bool swap =
        sample > 1 && (layout_.big_endian != (std::endian::native == std::endian::big));
    std::vector<std::byte> row(in_row);
    for (std::int64_t y = 0; y < r.height; ++y) {
      const auto offset =
          static_cast<off_t>(((r.y + y) * e.width + r.x) * static_cast<std::int64_t>(sample));
      std::size_t done = 0;
      while (done < in_row) {
        const ssize_t n =
            ::pread(fd_, row.data() + done, in_row - done, offset + static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          throw InputError(
              "--image '" + path_ +
              "': " + (n == 0 ? std::string("file shrank while reading") : std::strerror(errno)));
        }
        done += static_cast<std::size_t>(n);
      }
      std::byte* dst = out.bytes().data() + static_cast<std::size_t>(y) * out_row;
      convert(row.data(), dst, r.width, swap);
    }
    bytes_read_ += r.pixels() * static_cast<std::int64_t>(sample);
    info_.replaced += detail::replace_non_finite(out);
    return out;
  }

 private:
  void convert(const std::byte* in, std::byte* dst, std::int64_t n, bool swap) const {
    if (info_.dtype == core::DType::u8) {
      std::memcpy(dst, in, static_cast<std::size_t>(n));
      return;
    }
    if (info_.dtype == core::DType::u16) {
      convert_row<std::uint16_t>(in, reinterpret_cast<std::uint16_t*>(dst), n, swap);
      return;
    }
    auto* out = reinterpret_cast<float*>(dst);
    switch (layout_.type) {
      case SampleType::i8:
        return convert_row<std::int8_t>(in, out, n, swap);
      case SampleType::i16:
        return convert_row<std::int16_t>(in, out, n, swap);
      case SampleType::u32:
        return convert_row<std::uint32_t>(in, out, n, swap);
      case SampleType::i32:
        return convert_row<std::int32_t>(in, out, n, swap);
      case SampleType::u64:
        return convert_row<std::uint64_t>(in, out, n, swap);
      case SampleType::i64:
        return convert_row<std::int64_t>(in, out, n, swap);
      case SampleType::f32:
        return convert_row<float>(in, out, n, swap);
      case SampleType::f64:
        return convert_row<double>(in, out, n, swap);
      case SampleType::u8:
      case SampleType::u16:
        break;  // handled above
    }
  }

  std::string path_;
  RawLayout layout_;
  int fd_ = -1;
};

}  // namespace
}  // namespace nsperf::io

// Never chosen by sniffing (raw has no magic bytes): only through --raw.
NSPERF_REGISTER_READER(
    raw, "raw", "headerless pixels, chosen with --raw WxH:dtype[:le|be]",
    [](std::string_view) { return false; },
    [](const nsperf::io::ImageInput& in) -> std::unique_ptr<nsperf::io::ImageReader> {
      return std::make_unique<nsperf::io::RawReader>(in);
    })
