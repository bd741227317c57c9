// FITS through cfitsio: the primary image or a named or numbered extension (`file.fits[SCI]`,
// `file.fits[1]`), BZERO/BSCALE applied by cfitsio. Regions are read with fits_read_subset, so
// a rank reads only its tiles' rows. The file is opened with fits_open_diskfile, which takes
// the name literally: cfitsio's extended file-name syntax (filters, URLs, compressed streams)
// is not interpreted, and the extension is selected here.
#include <fitsio.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>

#include "nsperf/core/error.hpp"
#include "nsperf/core/libraries.hpp"
#include "nsperf/io/image_reader.hpp"

namespace nsperf::io {
namespace {

std::string fits_message(int status) {
  char text[FLEN_STATUS] = {};
  fits_get_errstatus(status, text);
  std::string msg = text;
  // The first line of cfitsio's own stack says more (e.g. which keyword is missing).
  char detail[FLEN_ERRMSG] = {};
  if (fits_read_errmsg(detail) != 0 && detail[0] != '\0') msg += " (" + std::string(detail) + ")";
  fits_clear_errmsg();
  return msg;
}

struct FitsCloser {
  void operator()(fitsfile* f) const noexcept {
    int status = 0;
    fits_close_file(f, &status);
  }
};

class FitsReader final : public ImageReader {
 public:
  explicit FitsReader(const ImageInput& input) : path_(input.path) {
    fitsfile* raw = nullptr;
    int status = 0;
    if (fits_open_diskfile(&raw, path_.c_str(), READONLY, &status) != 0) {
      fail("cannot open as FITS", status);
    }
    file_.reset(raw);
    if (!input.selection.empty()) select(input.selection);
    int hdu_type = 0;
    fits_get_hdu_type(file_.get(), &hdu_type, &status);
    if (status != 0) fail("cannot read the HDU type", status);
    if (hdu_type != IMAGE_HDU) {
      throw InputError(where() + ": extension '" + input.selection + "' is a table, not an image");
    }
    int naxis = 0;
    long naxes[3] = {0, 0, 0};
    int bitpix = 0;
    fits_get_img_equivtype(file_.get(), &bitpix, &status);
    fits_get_img_dim(file_.get(), &naxis, &status);
    if (status != 0) fail("cannot read the image header", status);
    if (naxis == 0) {
      throw InputError(where() + ": the " +
                       (input.selection.empty() ? std::string("primary HDU")
                                                : "extension '" + input.selection + "'") +
                       " has no image data" + extension_list());
    }
    if (naxis > 3) {
      throw InputError(where() + ": " + std::to_string(naxis) +
                       "-dimensional image; 2-D images are read");
    }
    fits_get_img_size(file_.get(), 3, naxes, &status);
    if (status != 0) fail("cannot read the image size", status);
    if (naxis == 3 && naxes[2] != 1) {
      throw InputError(where() + ": 3-D cube (NAXIS3 = " + std::to_string(naxes[2]) +
                       "); 2-D images are read");
    }
    switch (bitpix) {
      case BYTE_IMG:
        type_ = SampleType::u8;
        break;
      case USHORT_IMG:  // 16-bit with BZERO = 32768
        type_ = SampleType::u16;
        break;
      case SBYTE_IMG:
        type_ = SampleType::i8;
        break;
      case SHORT_IMG:
        type_ = SampleType::i16;
        break;
      case ULONG_IMG:
        type_ = SampleType::u32;
        break;
      case LONG_IMG:
        type_ = SampleType::i32;
        break;
      case LONGLONG_IMG:
        type_ = SampleType::i64;
        break;
      case FLOAT_IMG:
        type_ = SampleType::f32;
        break;
      case DOUBLE_IMG:
        type_ = SampleType::f64;
        break;
      default:
        throw InputError(where() + ": BITPIX " + std::to_string(bitpix) +
                         " is not a FITS image type");
    }
    info_.format = "fits";
    info_.dtype = pipeline_dtype(type_);
    detail::check_extent(where(), naxes[0], naxes[1], info_.dtype);
    info_.extent = {naxes[0], naxes[1]};
    info_.source_type = std::string(to_string(type_)) + " big-endian";
    int stored = 0;
    fits_get_img_type(file_.get(), &stored, &status);
    if (status == 0 && stored != bitpix) {
      info_.source_type += " (BITPIX " + std::to_string(stored) + " with BZERO/BSCALE)";
    }
    info_.partial_reads = true;
    std::error_code ec;
    info_.file_bytes = static_cast<std::int64_t>(std::filesystem::file_size(path_, ec));
    check_data_in_file(naxes[0], naxes[1], stored);
  }

  core::Image read(const core::Rect& r) override {
    detail::check_region(where(), r, info_.extent);
    core::Image out({r.width, r.height}, info_.dtype);
    // FITS pixels are 1-based; the first axis is x. Rows are read in file order (as astropy's
    // data[y, x]).
    long first[3] = {static_cast<long>(r.x + 1), static_cast<long>(r.y + 1), 1};
    long last[3] = {static_cast<long>(r.x + r.width), static_cast<long>(r.y + r.height), 1};
    long step[3] = {1, 1, 1};
    const int datatype = info_.dtype == core::DType::u8    ? TBYTE
                         : info_.dtype == core::DType::u16 ? TUSHORT
                                                           : TFLOAT;
    int status = 0;
    int any_null = 0;
    fits_read_subset(file_.get(), datatype, first, last, step, nullptr, out.bytes().data(),
                     &any_null, &status);
    if (status != 0) fail("cannot read the pixels (truncated or damaged)", status);
    bytes_read_ += r.pixels() * static_cast<std::int64_t>(sample_size(type_));
    info_.replaced += detail::replace_non_finite(out);
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& what, int status) const {
    throw InputError(where() + ": " + what + ": " + fits_message(status));
  }

  [[nodiscard]] std::string where() const {
    return "--image '" + path_ + (selection_.empty() ? "" : "[" + selection_ + "]") + "'";
  }

  // A header promising more pixels than the file holds is refused before anything is
  // allocated for them. A tile-compressed image (a table underneath) is left to cfitsio.
  void check_data_in_file(long width, long height, int bitpix) {
    int status = 0;
    if (fits_is_compressed_image(file_.get(), &status) != 0 || status != 0 || bitpix == 0) return;
    LONGLONG header_start = 0;
    LONGLONG data_start = 0;
    LONGLONG data_end = 0;
    if (fits_get_hduaddrll(file_.get(), &header_start, &data_start, &data_end, &status) != 0) {
      fail("cannot locate the image data", status);
    }
    // Sides are at most core::kMaxImageSide (2^20) and |BITPIX| at most 64: no overflow.
    const LONGLONG bytes = static_cast<LONGLONG>(width) * height * (std::abs(bitpix) / 8);
    if (info_.file_bytes >= 0 && data_start + bytes > info_.file_bytes) {
      throw InputError(where() + ": the header says " + std::to_string(width) + "x" +
                       std::to_string(height) + " pixels of BITPIX " + std::to_string(bitpix) +
                       " (" + std::to_string(bytes) + " bytes from byte " +
                       std::to_string(data_start) + "), but the file has " +
                       std::to_string(info_.file_bytes) + " bytes (truncated?)");
    }
  }

  void select(const std::string& selection) {
    selection_ = selection;
    int status = 0;
    char* end = nullptr;
    const long number = std::strtol(selection.c_str(), &end, 10);
    if (end != selection.c_str() && *end == '\0') {
      // Numbered as in cfitsio and astropy: 0 is the primary HDU.
      if (number < 0) throw InputError(where() + ": extension numbers start at 0");
      int type = 0;
      // cfitsio numbers HDUs with an int (2147483647 would overflow number + 1), and allocates
      // a table of number + 1 HDU offsets before it looks for the HDU (17 GB for
      // [2143483647], found by fuzzing). Every HDU takes at least one 2880-byte FITS block; a
      // compressed file (file.fits.gz) may hold more than its size says, so numbers up to 2^20
      // (an 8 MiB table) are always left to cfitsio.
      std::error_code ec;
      const auto size = std::filesystem::file_size(path_, ec);
      const std::uintmax_t room = std::max<std::uintmax_t>(ec ? 0 : size / 2880, 1u << 20);
      if (number >= std::numeric_limits<int>::max() ||
          static_cast<std::uintmax_t>(number) >= room ||
          fits_movabs_hdu(file_.get(), static_cast<int>(number) + 1, &type, &status) != 0) {
        fits_clear_errmsg();
        throw InputError(where() + ": no extension " + selection + extension_list());
      }
      return;
    }
    std::string name = selection;
    if (fits_movnam_hdu(file_.get(), ANY_HDU, name.data(), 0, &status) != 0) {
      fits_clear_errmsg();
      throw InputError(where() + ": no extension named '" + selection + "'" + extension_list());
    }
  }

  // "; its image extensions: 1 SCI, 2 ERR, 3 DQ" for messages.
  [[nodiscard]] std::string extension_list() const {
    int count = 0;
    int status = 0;
    int current = 0;
    fits_get_hdu_num(file_.get(), &current);
    fits_get_num_hdus(file_.get(), &count, &status);
    std::string list;
    for (int i = 2; i <= count && status == 0; ++i) {
      int type = 0;
      if (fits_movabs_hdu(file_.get(), i, &type, &status) != 0) break;
      if (type != IMAGE_HDU) continue;
      char value[FLEN_VALUE] = {};
      int s = 0;
      fits_read_key(file_.get(), TSTRING, "EXTNAME", value, nullptr, &s);
      list += (list.empty() ? "" : ", ") + std::to_string(i - 1) +
              (s == 0 ? " " + std::string(value) : "");
    }
    status = 0;
    int type = 0;
    fits_movabs_hdu(file_.get(), current, &type, &status);
    fits_clear_errmsg();
    if (list.empty()) return "; the file has no image extensions";
    return "; its image extensions: " + list + " (select one as file.fits[SCI] or file.fits[1])";
  }

  std::string path_;
  std::string selection_;
  std::unique_ptr<fitsfile, FitsCloser> file_;
  SampleType type_ = SampleType::f32;
};

}  // namespace
}  // namespace nsperf::io

NSPERF_REGISTER_READER(
    fits, "fits", "FITS image, primary or an extension (cfitsio)",
    [](std::string_view h) { return h.substr(0, 9) == "SIMPLE  ="; },
    [](const nsperf::io::ImageInput& in) -> std::unique_ptr<nsperf::io::ImageReader> {
      return std::make_unique<nsperf::io::FitsReader>(in);
    })

NSPERF_REGISTER_LIBRARY(Cfitsio, "cfitsio",
                        std::to_string(CFITSIO_MAJOR) + "." + std::to_string(CFITSIO_MINOR) + "." +
                            std::to_string(CFITSIO_MICRO))
