#pragma once
// The regions the reader targets read from an open image: all of it when small, else bounded
// corners (a tile-sized read is what the pipeline does; a whole huge image is not a finding),
// then regions that must be refused.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzz_input.hpp"
#include "nsperf/io/image_reader.hpp"

namespace nsperf::fuzz {

/// Reads of at most this many pixels are made; larger images are read in corners.
inline constexpr std::int64_t kMaxReadPixels = std::int64_t{1} << 20;
inline constexpr std::int64_t kCorner = 256;

/// Reads inside `reader`'s image (damage found then is an nsperf::Error) and checks that reads
/// outside it are refused with InputError and never reach the file.
inline void read_regions(io::ImageReader& reader) {
  const core::Extent e = reader.info().extent;
  if (e.width < 1 || e.height < 1) {
    std::fprintf(stderr, "fuzz: a reader opened a %lldx%lld image\n",
                 static_cast<long long>(e.width), static_cast<long long>(e.height));
    std::abort();
  }
  auto expect_size = [&](const core::Rect& r) {
    const core::Image image = reader.read(r);
    if (image.extent().width != r.width || image.extent().height != r.height) {
      std::fprintf(stderr, "fuzz: read returned the wrong size\n");
      std::abort();
    }
  };
  if (e.width * e.height <= kMaxReadPixels) {
    expect_clean([&] { expect_size({0, 0, e.width, e.height}); });
  } else {
    const std::int64_t w = std::min(e.width, kCorner);
    const std::int64_t h = std::min(e.height, kCorner);
    expect_clean([&] { expect_size({0, 0, w, h}); });
    expect_clean([&] { expect_size({e.width - w, e.height - h, w, h}); });
  }
  // Outside, empty, or overflowing: InputError, and nothing read.
  const core::Rect bad[] = {{-1, 0, 1, 1},           {0, 0, e.width + 1, 1}, {e.width, 0, 1, 1},
                            {0, e.height - 1, 1, 2}, {0, 0, 0, 1},           {0, 0, 1, -5},
                            {INT64_MAX, 0, 2, 1},    {0, 1, 1, INT64_MAX}};
  for (const auto& r : bad) {
    bool refused = false;
    try {
      (void)reader.read(r);
    } catch (const InputError&) {
      refused = true;
    }
    if (!refused) {
      std::fprintf(stderr, "fuzz: region %lldx%lld+%lld+%lld outside the image was read\n",
                   static_cast<long long>(r.width), static_cast<long long>(r.height),
                   static_cast<long long>(r.x), static_cast<long long>(r.y));
      std::abort();
    }
  }
}

}  // namespace nsperf::fuzz
