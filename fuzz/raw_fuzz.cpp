// Fuzz target: the raw image reader (io/readers/reader_raw.cpp) with its `--raw WxH:dtype[:le|be]`
// layout (parse_raw_layout), as `nsperf benchmark --image FILE --raw LAYOUT` opens it.
//
// Input: the layout on the first line, then the file's bytes ("4x2:u16:be\n" + 16 bytes).
// Checked: the layout parser, the size check against the file, whole-image and corner reads,
// and that regions outside the image are refused. InputError is the clean rejection.
#include <cstdint>
#include <string>

#include "fuzz_input.hpp"
#include "nsperf/io/image_reader.hpp"
#include "reader_regions.hpp"

namespace io = nsperf::io;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto [layout_text, bytes] = nsperf::fuzz::split_line(data, size);
  const auto path = nsperf::fuzz::write_input("image.raw", bytes);
  nsperf::fuzz::expect_clean([&, layout_text = layout_text] {
    const io::RawLayout layout = io::parse_raw_layout(layout_text, "--raw");
    const auto reader = io::open_image(io::parse_image_input(path.string(), layout));
    nsperf::fuzz::read_regions(*reader);
  });
  return 0;
}
