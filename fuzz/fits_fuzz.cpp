// Fuzz target: the FITS reader (io/readers/reader_fits.cpp, cfitsio), as `nsperf benchmark --image
// 'file.fits[SEL]'` opens it: the header (HDU type, NAXIS, BITPIX, BZERO/BSCALE), extension
// selection by name or number, and region reads.
//
// Input: the extension on the first line (empty for the primary HDU; "SCI", "1"), then the
// file's bytes. Checked: open_image (the reader is chosen by the first bytes, as for a user's
// file), whole-image and corner reads, regions outside the image refused. InputError is the
// clean rejection.
#include <cstdint>
#include <string>

#include "fuzz_input.hpp"
#include "nsperf/io/image_reader.hpp"
#include "reader_regions.hpp"

namespace io = nsperf::io;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto [selection, bytes] = nsperf::fuzz::split_line(data, size);
  const auto path = nsperf::fuzz::write_input("image.fits", bytes);
  nsperf::fuzz::expect_clean([&, selection = selection] {
    std::string text = path.string();
    if (!selection.empty()) text += "[" + std::string(selection) + "]";
    const auto reader = io::open_image(io::parse_image_input(text, std::nullopt));
    nsperf::fuzz::read_regions(*reader);
  });
  return 0;
}
