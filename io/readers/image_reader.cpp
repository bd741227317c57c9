#include "nsperf/io/image_reader.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "nsperf/core/error.hpp"
#include "nsperf/core/memory.hpp"
#include "nsperf/core/text.hpp"

namespace nsperf::io {
namespace {

namespace fs = std::filesystem;

constexpr SampleType kSampleTypes[] = {
    SampleType::u8,  SampleType::i8,  SampleType::u16, SampleType::i16, SampleType::u32,
    SampleType::i32, SampleType::u64, SampleType::i64, SampleType::f32, SampleType::f64};

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto at = text.find(sep);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

bool is_file(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

}  // namespace

std::size_t sample_size(SampleType t) noexcept {
  switch (t) {
    case SampleType::u8:
    case SampleType::i8:
      return 1;
    case SampleType::u16:
    case SampleType::i16:
      return 2;
    case SampleType::u32:
    case SampleType::i32:
    case SampleType::f32:
      return 4;
    case SampleType::u64:
    case SampleType::i64:
    case SampleType::f64:
      return 8;
  }
  return 0;
}

std::string_view to_string(SampleType t) noexcept {
  switch (t) {
    case SampleType::u8:
      return "u8";
    case SampleType::i8:
      return "i8";
    case SampleType::u16:
      return "u16";
    case SampleType::i16:
      return "i16";
    case SampleType::u32:
      return "u32";
    case SampleType::i32:
      return "i32";
    case SampleType::u64:
      return "u64";
    case SampleType::i64:
      return "i64";
    case SampleType::f32:
      return "f32";
    case SampleType::f64:
      return "f64";
  }
  return "?";
}

core::DType pipeline_dtype(SampleType t) noexcept {
  if (t == SampleType::u8) return core::DType::u8;
  if (t == SampleType::u16) return core::DType::u16;
  return core::DType::f32;
}

RawLayout parse_raw_layout(std::string_view text, std::string_view what) {
  const std::string valid =
      "expected WxH:dtype[:le|be] with 1 <= W, H <= " + std::to_string(core::kMaxImageSide) +
      ", dtype one of u8 i8 u16 i16 u32 i32 u64 i64 f32 f64 (e.g. 4096x4096:u16:be)";
  auto fail = [&](const std::string& why) {
    const std::string prefix = what.empty() ? "" : std::string(what) + ": ";
    return InputError(prefix + "'" + std::string(text) + "' " + why + "; " + valid);
  };
  const auto parts = split(text, ':');
  if (parts.size() < 2 || parts.size() > 3) throw fail("is not a raw layout");
  const auto dims = split(parts[0], 'x');
  if (dims.size() != 2) throw fail("is not an image size");
  const auto w = parse_int(dims[0]);
  const auto h = parse_int(dims[1]);
  if (!w || !h) throw fail("is not an image size");
  if (*w < 1 || *h < 1) throw fail("has a zero or negative side");
  if (*w > core::kMaxImageSide || *h > core::kMaxImageSide) throw fail("is too large");
  RawLayout layout;
  layout.extent = {*w, *h};
  bool known = false;
  for (SampleType t : kSampleTypes) {
    if (parts[1] == to_string(t)) {
      layout.type = t;
      known = true;
    }
  }
  if (!known) throw fail("has an unknown sample type '" + std::string(parts[1]) + "'");
  if (parts.size() == 3) {
    if (parts[2] == "be")
      layout.big_endian = true;
    else if (parts[2] != "le")
      throw fail("has an unknown byte order '" + std::string(parts[2]) + "'");
  }
  return layout;
}

ImageInput parse_image_input(std::string_view text, std::optional<RawLayout> raw) {
  ImageInput in;
  in.text = std::string(text);
  in.path = in.text;
  in.raw = raw;
  if (text.empty()) throw InputError("--image: empty file name");
  // A name that is itself a file wins: selections are only looked for in names that are not.
  if (raw || is_file(in.path)) return in;

  // file.h5:/path/to/data[i,j]
  if (const auto colon = text.find(":/"); colon != std::string_view::npos) {
    in.path = std::string(text.substr(0, colon));
    std::string_view sel = text.substr(colon + 1);
    if (const auto open = sel.find('['); open != std::string_view::npos) {
      if (sel.back() != ']') {
        throw InputError("--image '" + in.text +
                         "': a selection ends with ']' (e.g. file.h5:/cube[3])");
      }
      for (auto part : split(sel.substr(open + 1, sel.size() - open - 2), ',')) {
        const auto i = parse_int(part);
        if (!i || *i < 0) {
          throw InputError("--image '" + in.text + "': index '" + std::string(part) +
                           "' is not a non-negative integer");
        }
        in.indices.push_back(*i);
      }
      sel = sel.substr(0, open);
    }
    in.selection = std::string(sel);
    return in;
  }
  // file.fits[SCI] or file.fits[1]
  if (text.back() == ']') {
    if (const auto open = text.rfind('['); open != std::string_view::npos && open > 0) {
      in.path = std::string(text.substr(0, open));
      in.selection = std::string(text.substr(open + 1, text.size() - open - 2));
      if (in.selection.empty()) {
        throw InputError("--image '" + in.text +
                         "': empty extension (e.g. file.fits[SCI] or file.fits[1])");
      }
    }
  }
  return in;
}

std::string ImageInfo::describe(std::string_view name) const {
  std::string out = std::string(name) + ": " + format + " " + std::to_string(extent.width) + "x" +
                    std::to_string(extent.height) + " " + source_type;
  const std::string as = std::string(core::to_string(dtype));
  const bool colour = source_type.find("RGB") != std::string::npos ||
                      source_type.find("alpha") != std::string::npos;
  if (colour)
    out += " -> " + as + " luminance";
  else if (source_type.rfind(as, 0) != 0 || source_type.find(' ') != std::string::npos)
    out += " -> " + as;
  if (replaced > 0) out += ", " + std::to_string(replaced) + " NaN/Inf pixels set to 0";
  return out;
}

core::Registry<ReaderEntry>& image_readers() {
  static core::Registry<ReaderEntry> registry;
  return registry;
}

std::unique_ptr<ImageReader> open_image(const ImageInput& input) {
  const std::string& path = input.path;
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (!fs::exists(status)) {
    std::string msg = "--image '" + input.text + "': no such file";
    if (path != input.text) msg += " '" + path + "'";
    throw InputError(msg);
  }
  if (!fs::is_regular_file(status)) {
    throw InputError("--image '" + path + "': not a regular file");
  }
  if (::access(path.c_str(), R_OK) != 0) {
    throw InputError("--image '" + path + "': " + std::strerror(errno));
  }
  if (input.raw) return image_readers().at("raw", "image format").open(input);

  char head[16] = {};
  std::ifstream f(path, std::ios::binary);
  f.read(head, sizeof head);
  const std::string_view first(head, static_cast<std::size_t>(f.gcount()));
  if (first.empty()) throw InputError("--image '" + path + "': empty file");
  for (const auto& e : image_readers().entries()) {
    if (e.name != "raw" && e.sniff(first)) return e.open(input);
  }
  throw InputError("--image '" + path + "': not an image this build reads (" +
                   core::join(image_readers().names(), ", ") +
                   "); headerless pixels need --raw WxH:dtype[:le|be]");
}

namespace detail {

bool register_reader(ReaderEntry entry) {
  image_readers().add(std::move(entry));
  return true;
}

void check_extent(std::string_view file, std::int64_t width, std::int64_t height,
                  core::DType dtype) {
  const std::string name = "--image '" + std::string(file) + "': ";
  if (width < 1 || height < 1) {
    throw InputError(name + "the header says " + std::to_string(width) + "x" +
                     std::to_string(height) + " pixels; an image has at least 1x1");
  }
  if (width > core::kMaxImageSide || height > core::kMaxImageSide) {
    throw InputError(name + "the header says " + std::to_string(width) + "x" +
                     std::to_string(height) + " pixels; sides up to " +
                     std::to_string(core::kMaxImageSide) + " are accepted");
  }
  // Sides <= 2^20 keep width * height * 8 inside int64.
  const double bytes = static_cast<double>(width) * static_cast<double>(height) *
                       static_cast<double>(core::dtype_size(dtype));
  const auto memory = static_cast<double>(core::physical_memory_bytes());
  if (memory > 0 && bytes > 0.9 * memory) {
    throw InputError(name + std::to_string(width) + "x" + std::to_string(height) + " " +
                     std::string(core::to_string(dtype)) + " needs " + core::format_bytes(bytes) +
                     ", more than this node's " + core::format_bytes(memory) + " of memory");
  }
}

void check_region(std::string_view where, const core::Rect& r, core::Extent extent) {
  // Compared without r.x + r.width, which overflows for a region far outside.
  if (r.x >= 0 && r.y >= 0 && r.width >= 1 && r.height >= 1 && r.x <= extent.width - r.width &&
      r.y <= extent.height - r.height) {
    return;
  }
  throw InputError(std::string(where) + ": region " + std::to_string(r.width) + "x" +
                   std::to_string(r.height) + "+" + std::to_string(r.x) + "+" +
                   std::to_string(r.y) + " is outside the " + std::to_string(extent.width) + "x" +
                   std::to_string(extent.height) + " image");
}

core::Image SequentialReader::read(const core::Rect& r) {
  check_region("--image '" + path_ + "'", r, info_.extent);
  decode_rows(r.y + r.height);
  return core::extract_padded(whole_, r.x, r.y, r.width, r.height, 0);
}

void SequentialReader::decode_rows(std::int64_t rows) {
  // After an error every call fails the same way: the decoder's state is spent, and rows
  // decoded before it was found may come from the damaged part (a PNG chunk's CRC is checked
  // once the chunk has been read).
  if (!failed_.empty()) throw InputError(failed_);
  rows = std::min(rows, info_.extent.height);
  if (rows <= rows_ready_) return;
  try {
    decode_more(rows);
  } catch (const InputError& e) {
    failed_ = e.what();
    throw;
  }
}

std::vector<unsigned char> SequentialReader::read_file(const ImageInput& input,
                                                       const std::string& format) {
  if (!input.selection.empty()) {
    throw InputError("--image '" + input.text + "': a " + format +
                     " file has no extensions or datasets to select");
  }
  std::ifstream f(input.path, std::ios::binary | std::ios::ate);
  if (!f) throw InputError("--image '" + input.path + "': cannot open");
  const auto size = static_cast<std::streamoff>(f.tellg());
  std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
  f.seekg(0);
  if (!f.read(reinterpret_cast<char*>(bytes.data()), size))
    throw InputError("--image '" + input.path + "': read failed");
  path_ = input.path;
  info_.format = format;
  info_.sequential = true;
  bytes_read_ = static_cast<std::int64_t>(bytes.size());
  info_.file_bytes = bytes_read_;
  return bytes;
}

std::string channel_name(int channels) {
  switch (channels) {
    case 1:
      return "grey";
    case 2:
      return "grey+alpha";
    case 3:
      return "RGB";
    case 4:
      return "RGBA";
    default:
      return std::to_string(channels) + " channels";
  }
}

std::int64_t replace_non_finite(core::Image& image) {
  if (image.dtype() != core::DType::f32) return 0;
  const auto v = image.view<float>();
  std::int64_t n = 0;
  for (float* p = v.data; p != v.data + v.width * v.height; ++p) {
    if (!std::isfinite(*p)) {
      *p = 0.0F;
      ++n;
    }
  }
  return n;
}

}  // namespace detail
}  // namespace nsperf::io
