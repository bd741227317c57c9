// Fuzz target: the HDF5 image reader (io/readers/reader_hdf5.cpp), as `nsperf benchmark --image
// 'file.h5:/path[i,j]'` opens it: the dataset path, its type and dataspace, leading-dimension
// indices, and hyperslab reads.
//
// Input: the selection on the first line ("/data", "/cube[1]"; empty: none), then the file's
// bytes. Checked: open_image (chosen by the first bytes), whole-image and corner reads, regions
// outside the image refused, and no HDF5 identifier left open. InputError is the clean
// rejection.
#include <cstdint>
#include <string>

#include "fuzz_input.hpp"
#include "nsperf/io/hdf5.hpp"
#include "nsperf/io/image_reader.hpp"
#include "reader_regions.hpp"

namespace io = nsperf::io;

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  nsperf::fuzz::init_hdf5();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto [selection, bytes] = nsperf::fuzz::split_line(data, size);
  const auto path = nsperf::fuzz::write_input("image.h5", bytes);
  nsperf::fuzz::expect_clean([&, selection = selection] {
    std::string text = path.string();
    if (!selection.empty()) text += ":" + std::string(selection);
    const auto reader = io::open_image(io::parse_image_input(text, std::nullopt));
    nsperf::fuzz::read_regions(*reader);
  });
  nsperf::fuzz::check_no_open_hdf5_ids();
  return 0;
}
